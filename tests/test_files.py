"""The one atomic-write helper: content, mode, and nothing half-written or left over on failure.

The full-disk test mounts a 64 KiB tmpfs, which needs root on Linux; elsewhere it is skipped.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import resources
from kiosk.services import files, staff_pin
from kiosk.services.files import atomic_write

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
OLD = b"the old content\n"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "state.json"
    path.write_bytes(OLD)
    return path


@POSIX
def test_writes_the_content_with_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "pin"
    atomic_write(path, b"hash\n")
    assert path.read_bytes() == b"hash\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the default: private
    atomic_write(path, b"other\n", mode=0o644)  # replaced, with the mode asked for
    assert path.read_bytes() == b"other\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert names(tmp_path) == ["pin"]


class Boom(Exception):
    pass


@pytest.mark.parametrize("step", ["fsync", "chmod", "replace"])
def test_a_failing_step_leaves_the_old_file_and_no_temp_file(
    old: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise Boom(step)

    monkeypatch.setattr(f"kiosk.services.files.os.{step}", fail)
    with pytest.raises(Boom):
        atomic_write(old, b"new content that must not show")
    monkeypatch.undo()
    assert old.read_bytes() == OLD
    assert names(old.parent) == [old.name]


def test_a_write_that_raises_leaves_the_old_file_and_no_temp_file(old: Path) -> None:
    with pytest.raises(TypeError):
        atomic_write(old, "text, not bytes")  # type: ignore[arg-type]
    assert old.read_bytes() == OLD
    assert names(old.parent) == [old.name]


def test_a_missing_folder_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "file", b"x")
    assert names(tmp_path) == []


@POSIX
def test_exclusive_creates_but_never_replaces(tmp_path: Path, old: Path) -> None:
    key = tmp_path / "outbox.key"
    atomic_write(key, b"first", exclusive=True)
    assert key.read_bytes() == b"first"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_nlink == 1  # the temporary link is gone
    with pytest.raises(FileExistsError):
        atomic_write(key, b"second", exclusive=True)
    assert key.read_bytes() == b"first"
    with pytest.raises(FileExistsError):
        atomic_write(old, b"second", exclusive=True)
    assert old.read_bytes() == OLD
    assert names(tmp_path) == ["outbox.key", "state.json"]


@POSIX
def test_exclusive_without_hard_links_creates_the_file_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")  # as FAT, some shares

    monkeypatch.setattr("kiosk.services.files.os.link", no_links)
    key = tmp_path / "outbox.key"
    atomic_write(key, b"key", exclusive=True)
    assert key.read_bytes() == b"key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        atomic_write(key, b"other", exclusive=True)
    assert key.read_bytes() == b"key"
    assert names(tmp_path) == ["outbox.key"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB file system (tmpfs), unmounted afterwards; skipped where mounting is not
    permitted (not Linux, not root, or no mount in a container)."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if sys.platform != "linux" or os.geteuid() != 0 or not mount or not umount:
        pytest.skip("a full-disk test needs root on Linux to mount a small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {result.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run([umount, str(disk)], check=True)


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(small_disk: Path) -> None:
    path = small_disk / "counters.json"
    atomic_write(path, OLD)
    with pytest.raises(OSError) as info:
        atomic_write(path, b"x" * (256 * 1024))  # four times the disk
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == OLD
    assert names(small_disk) == ["counters.json"]
    atomic_write(path, b"fits")  # the space the failed write took is free again
    assert path.read_bytes() == b"fits"


# --- private folders and files, and what the demo keeps only an hour --------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@POSIX
def test_private_dir_makes_every_missing_folder_0700(tmp_path: Path) -> None:
    made = files.private_dir(tmp_path / "a" / "b" / "c")
    assert made == tmp_path / "a" / "b" / "c" and made.is_dir()
    for folder in (tmp_path / "a", tmp_path / "a" / "b", made):
        assert mode(folder) == 0o700
    assert files.private_dir(made) == made  # again: nothing to do


@POSIX
def test_private_dir_tightens_a_folder_an_older_version_left_open(tmp_path: Path) -> None:
    folder = tmp_path / "prints"
    folder.mkdir()
    folder.chmod(0o755)
    files.private_dir(folder)
    assert mode(folder) == 0o700
    folder.chmod(0o750)  # group bits only: tightened too
    files.private_dir(folder)
    assert mode(folder) == 0o700


def test_private_dir_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "prints").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        files.private_dir(tmp_path / "prints")
    with pytest.raises(OSError):
        files.private_dir(tmp_path / "prints" / "below")


@POSIX
def test_private_file_tightens_an_existing_file_only(tmp_path: Path) -> None:
    log = tmp_path / "kiosk.log"
    log.write_text("old lines\n")
    log.chmod(0o644)
    assert files.private_file(log) is True
    assert mode(log) == 0o600 and log.read_text() == "old lines\n"
    log.chmod(0o400)  # already private (read-only): left as it is
    files.private_file(log)
    assert mode(log) == 0o400
    assert files.private_file(tmp_path / "none") is False
    assert not (tmp_path / "none").exists()


def aged(path: Path, now: float, age_s: float, data: bytes = b"x") -> Path:
    path.write_bytes(data)
    os.utime(path, (now - age_s, now - age_s))
    return path


def test_delete_older_than_takes_only_old_files_of_the_pattern(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    old = aged(tmp_path / "summary-1.pdf", now, 3601)
    fresh = aged(tmp_path / "summary-2.pdf", now, 3599)
    other = aged(tmp_path / "notes.pdf", now, 99_999)  # not the pattern: never touched
    (tmp_path / "summary-dir.pdf").mkdir()  # a folder that matches: never touched
    os.utime(tmp_path / "summary-dir.pdf", (now - 99_999, now - 99_999))
    assert files.delete_older_than(tmp_path, "summary-*.pdf", 3600, now=now) == 1
    assert not old.exists() and fresh.exists() and other.exists()
    assert (tmp_path / "summary-dir.pdf").is_dir()
    assert files.delete_older_than(tmp_path / "missing", "*", 0, now=now) == 0


@POSIX
def test_delete_older_than_removes_a_link_never_its_target(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    target = aged(tmp_path / "keep.txt", now, 99_999)
    (tmp_path / "demo").mkdir()
    link = tmp_path / "demo" / "summary-link.pdf"
    link.symlink_to(target)
    files.delete_older_than(tmp_path / "demo", "summary-*.pdf", 3600, now=now)
    assert target.exists()  # a link is not a file of the demo's: left, and its target too


def test_the_demo_kinds_match_their_own_names_only(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    pdf = aged(tmp_path / "summary-20270115-080000-000001.pdf", now, 3601)
    eml = aged(tmp_path / "20270115T080000000001Z-0123456789abcdef0123456789abcdef.eml", now, 3601)
    mine = aged(tmp_path / "letter.eml", now, 99_999)
    assert files.DEMO_EMAILS.expire(tmp_path, now=now) == 1
    assert not eml.exists() and pdf.exists() and mine.exists()
    assert files.DEMO_PRINTS.expire(tmp_path, now=now) == 1
    assert not pdf.exists() and mine.exists()
    assert files.DEMO_PRINTS.keep_s == files.DEMO_EMAILS.keep_s == 3600


def test_private_dir_leaves_a_shared_sticky_folder_alone(tmp_path: Path) -> None:
    """A PIN or an output folder put in /tmp (or any 1777 folder): the kiosk's files in it
    are 0600, but the folder stays open to others (as root, a chmod would lock them out)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    files.private_dir(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    inside = files.private_dir(shared / "kiosk")  # made by the kiosk: private
    assert stat.S_IMODE(inside.stat().st_mode) == 0o700


def test_the_shipped_demo_pin_is_read_as_it_is(tmp_path: Path) -> None:
    """The demo's PIN file belongs to the installed program: reading it changes nothing
    (the suite once left the repository's copy 0600)."""
    shipped = resources.path("demo", "staff-pin")
    before = stat.S_IMODE(shipped.stat().st_mode)
    assert staff_pin.read_pin(shipped).startswith("pin4$")
    assert stat.S_IMODE(shipped.stat().st_mode) == before
    own = tmp_path / "staff-pin"
    own.write_bytes(shipped.read_bytes())
    own.chmod(0o644)
    staff_pin.read_pin(own)  # one of the kiosk's own: tightened
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    own.write_bytes(b"\xff\xfe not text")
    with pytest.raises(ValueError):
        staff_pin.read_pin(own)


def test_the_demo_kinds_also_take_half_written_files_a_killed_job_left(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    pdf_tmp = aged(tmp_path / ".summary-0123abcd.pdf.x8k2_1.tmp", now, 3601)
    eml_tmp = aged(tmp_path / ".20270115T080000000001Z-0a.eml.q9z.tmp", now, 3601)
    young = aged(tmp_path / ".summary-4567.pdf.abc.tmp", now, 10)
    other = aged(tmp_path / ".notes.txt.abc.tmp", now, 99_999)
    assert files.DEMO_PRINTS.expire(tmp_path, now=now) == 1
    assert files.DEMO_EMAILS.expire(tmp_path, now=now) == 1
    assert not pdf_tmp.exists() and not eml_tmp.exists()
    assert young.exists() and other.exists()
