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
