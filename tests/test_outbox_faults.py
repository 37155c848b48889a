"""The outbox under faults, against the real thing: SQLite files damaged on purpose, a real tmpfs
filled up, a real aiosmtpd server that holds the client at a chosen SMTP step, and real child
processes (``python -m kiosk outbox flush``, the email job) killed with SIGKILL at each step of
a delivery. What each window guarantees is in docs/outbox.md.

No test sleeps: the server's handler waits on an event the test sets, and the second delivery
after a kill runs with a clock past the killed one's lease.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography.fernet import Fernet
from PySide6.QtWidgets import QAbstractButton

from kiosk import app
from kiosk.core.jobs import JobEvent, Kind, Reason, SummaryRequest
from kiosk.services.mail import SmtpSender
from kiosk.services.outbox import (
    DB_NAME,
    MARK_PREFIX,
    DeliveryReport,
    Outbox,
    OutboxKeyError,
    OutboxStorageError,
    Stats,
    key_location,
)

from .helpers import DEMO_CLINIC, REPO, final, run_kiosk
from .smtp_fixtures import HOST, Recorder, smtp_server
from .test_email_flow import (
    ANA_AT_EXAMPLE,
    consent_and_send,
    open_window,
    summary_status,
    type_address,
)

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and file modes")
ROOT = pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="mounts a tmpfs: needs root (CI is)"
)
SENDER = "kiosk@clinic.test"
PATIENT = "ana@example.com"
LEASE_S = 600.0
ASK_AT_THE_DESK = "Sorry, we could not send the email. Please ask at the front desk for a copy."
SET_ASIDE_LOG = "kiosk.outbox: outbox: the database .* is damaged"
LOST_LOG = "kiosk.outbox: outbox: the database .* was lost"


@dataclass
class Holding(Recorder):
    """The recorder, holding the client the first time it reaches ``hold_at`` until
    ``release`` is set: at "RCPT", before any of the message is sent; at "DATA", once the
    whole message is received and kept (a real server has then committed it to its queue)
    but before the "250" that tells the client so."""

    hold_at: str = ""
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def _hold(self, step: str) -> None:
        if step == self.hold_at and not self.reached.is_set():
            self.reached.set()
            await asyncio.to_thread(self.release.wait, 10)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        await self._hold("RCPT")
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        await self._hold("DATA")
        return reply


@pytest.fixture
def server() -> Iterator[tuple[Holding, int]]:
    handler = Holding()
    with smtp_server(handler) as port:
        try:
            yield handler, port
        finally:
            handler.release.set()  # never leave the server's loop waiting


def config(tmp_path: Path, port: int = 1, extra: str = "") -> Path:
    path = tmp_path / "k.toml"
    path.write_text(
        DEMO_CLINIC
        + f"""
[email]
enabled = true
host = "{HOST}"
port = {port}
security = "none"
sender = "{SENDER}"
timeout_s = 5
[outbox]
path = "{tmp_path / "outbox"}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def sender(port: int) -> SmtpSender:
    return SmtpSender(HOST, port, "none", "", "", timeout_s=5)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def plain_lines(result: subprocess.CompletedProcess[str], start: str) -> list[str]:
    """The lines of standard error that are the command's own (not the log's)."""
    return [line for line in result.stderr.splitlines() if line.startswith(start)]


def events(stdout: str) -> list[JobEvent]:
    return [e for e in map(JobEvent.from_line, stdout.splitlines()) if e is not None]


def email_job(cfg: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    request = SummaryRequest({"language": "en", "first_name": "Ana"}, to=PATIENT)
    return run_kiosk(
        "email-job", "--config", str(cfg), input_text=request.encode().decode(), env=env
    )


# -- 1. one unreadable entry ------------------------------------------------------------------


@pytest.mark.allow_errors("entry [23] quarantined")
def test_flush_quarantines_unreadable_entries_and_delivers_the_rest(
    tmp_path: Path, server: tuple[Holding, int]
) -> None:
    handler, port = server
    cfg = config(tmp_path, port)
    box = Outbox(tmp_path / "outbox")
    box.add(b"Subject: first\r\n\r\none", SENDER, [PATIENT])
    bad_token = box.add(b"Subject: bad\r\n\r\nbad", SENDER, [PATIENT])
    garbage = box.add(b"Subject: garbage\r\n\r\ngarbage", SENDER, [PATIENT])
    box.add(b"Subject: last\r\n\r\nlast", SENDER, [PATIENT])
    with sqlite3.connect(box.db_path) as con:
        con.execute(
            "UPDATE entries SET payload = ? WHERE id = ?", (Fernet.generate_key(), bad_token)
        )
        con.execute(
            "UPDATE entries SET payload = 'not a token', attempts = 'many' WHERE id = ?", (garbage,)
        )
    con.close()

    flushed = run_kiosk("outbox", "flush", "--config", str(cfg))
    assert flushed.returncode == 0, flushed.stderr
    assert "Sent 2 queued emails" in flushed.stdout and "2 quarantined" in flushed.stdout
    assert [m.content.split(b"\r\n")[0] for m in handler.messages] == [  # type: ignore[union-attr]
        b"Subject: first",
        b"Subject: last",
    ]
    listed = run_kiosk("outbox", "list", "--config", str(cfg))
    assert listed.returncode == 0
    rows = [line.split() for line in listed.stdout.splitlines()[1:-1]]
    assert [(r[0], r[3]) for r in rows] == [
        (str(bad_token), "quarantined"),
        (str(garbage), "quarantined"),
    ]
    assert "0 queued, 0 failed, 2 quarantined" in listed.stdout
    assert Outbox(tmp_path / "outbox").stats() == Stats(0, 0, None, quarantined=2)


@pytest.mark.allow_errors("entry 1 quarantined: garbage row")
def test_a_garbage_row_does_not_break_the_list(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox")
    box.add(b"msg", SENDER, [PATIENT])
    box.add(b"msg 2", SENDER, [PATIENT])
    with sqlite3.connect(box.db_path) as con:
        con.execute("UPDATE entries SET created = 'yesterday' WHERE id = 1")
    con.close()
    assert [e.id for e in box.list()] == [2]
    assert [(e.id, e.state) for e in box.quarantined()] == [(1, "quarantined")]
    assert box.stats().quarantined == 1


# -- 2. a damaged or lost database ------------------------------------------------------------


def damage(db: Path, how: str) -> None:
    data = bytearray(db.read_bytes())
    assert len(data) > 4 * 4096, "the entries reach past the first pages"
    if how == "truncated":
        db.write_bytes(bytes(data[:4096]))
    elif how == "header overwritten":
        db.write_bytes(b"\xa5" * 100 + bytes(data[100:]))
    else:  # pages overwritten (0xa5 is no page type: SQLite says so, every time)
        db.write_bytes(bytes(data[:4096]) + b"\xa5" * (len(data) - 4096))


def filled_outbox(folder: Path) -> Outbox:
    box = Outbox(folder)
    for n in range(3):
        box.add(os.urandom(8000).hex().encode(), SENDER, [f"p{n}@example.com"])
    return box


@POSIX
@pytest.mark.allow_errors(SET_ASIDE_LOG)
@pytest.mark.parametrize("how", ["truncated", "header overwritten", "pages overwritten"])
def test_a_damaged_database_is_set_aside_and_a_fresh_one_used(tmp_path: Path, how: str) -> None:
    folder = tmp_path / "outbox"
    box = filled_outbox(folder)
    damage(box.db_path, how)
    damaged = box.db_path.read_bytes()

    again = Outbox(folder)
    (aside,) = again.set_aside()
    assert aside.name.startswith(f"{DB_NAME}.corrupt-")
    assert aside.read_bytes() == damaged  # kept as it was, for staff
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    new_id = again.add(b"a new patient's email", SENDER, [PATIENT])
    assert again.stats()._replace(oldest_age_s=None) == Stats(1, 0, None, set_aside=1)
    assert [e.id for e in Outbox(folder).list()] == [new_id]  # and it stays usable


@POSIX
@pytest.mark.allow_errors(SET_ASIDE_LOG)
def test_damage_found_mid_run_sets_it_aside_and_new_email_still_queues(tmp_path: Path) -> None:
    """The kiosk's outbox was opened while the database was sound; it breaks under it."""
    cfg = config(tmp_path)
    box = filled_outbox(tmp_path / "outbox")
    damage(box.db_path, "pages overwritten")
    box.add(b"queued after the damage", SENDER, [PATIENT])  # no exception: a fresh database
    assert [e.masked for e in box.list()] == ["a***@e***.com"]

    damage_again = Outbox(tmp_path / "outbox")
    damage_again.add(os.urandom(30000).hex().encode(), SENDER, [PATIENT])
    damage(damage_again.db_path, "header overwritten")
    job = email_job(cfg)
    no_traceback(job)
    assert [e.kind for e in events(job.stdout)] == [Kind.QUEUED, Kind.RETRYING]  # no server
    listed = run_kiosk("outbox", "list", "--config", str(cfg))
    assert listed.returncode == 0
    assert "1 queued, 0 failed" in listed.stdout
    assert listed.stdout.count("damaged database kept aside") == 2


@pytest.mark.allow_errors(SET_ASIDE_LOG)
def test_a_damaged_copy_is_kept_as_long_as_emails_are(tmp_path: Path) -> None:
    box = filled_outbox(tmp_path / "outbox")
    damage(box.db_path, "truncated")
    week = 7 * 86400
    os.utime(box.db_path, (time.time() - week - 1,) * 2)  # last written over a week ago
    again = Outbox(tmp_path / "outbox")
    (aside,) = again.set_aside()
    Path(f"{aside}-wal").write_bytes(b"")
    again.purge(week)
    assert again.set_aside() == [aside]  # kept: it was set aside just now
    os.utime(aside, (time.time() - week - 1,) * 2)
    again.purge(week)
    assert again.set_aside() == [] and not Path(f"{aside}-wal").exists()
    assert again.stats().set_aside == 0


@pytest.mark.allow_errors(LOST_LOG)
@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_a_lost_database_is_said_loudly_and_counted(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(tmp_path)
    box = filled_outbox(tmp_path / "outbox")
    assert not Path(f"{box.db_path}-wal").exists()  # the kiosk is not running: all in the file
    if how == "emptied":
        os.truncate(box.db_path, 0)
    else:
        box.db_path.unlink()

    again = Outbox(tmp_path / "outbox")
    assert any(r.levelname == "CRITICAL" and "was lost" in r.getMessage() for r in caplog.records)
    assert again.stats() == Stats(0, 0, None, lost=1)
    again.add(b"next patient", SENDER, [PATIENT])
    assert Outbox(tmp_path / "outbox").stats().lost == 1  # said once, counted since
    listed = run_kiosk("outbox", "list", "--config", str(cfg))
    assert "lost databases (emails queued in them are gone): 1" in listed.stdout
    again.purge(3600, now=time.time() + 3601)  # told for as long as emails are kept
    assert again.stats().lost == 0


def test_an_emptied_outbox_is_not_a_lost_one(tmp_path: Path) -> None:
    """A new database, or one whose emails were all delivered, is not lost on reopening."""
    folder = tmp_path / "outbox"
    box = Outbox(folder)
    box.add(b"m", SENDER, [PATIENT])
    box.flush(lambda *_: None)
    assert Outbox(folder).stats() == Stats(0, 0, None)


# -- 3. the key ------------------------------------------------------------------------------


def test_missing_or_wrong_key_is_one_plain_line_and_exit_1(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    box = Outbox(tmp_path / "outbox")
    box.add(b"m", SENDER, [PATIENT])
    key = tmp_path / "outbox" / "outbox.key"
    key.write_bytes(Fernet.generate_key())
    for action in ("list", "flush"):
        result = run_kiosk("outbox", action, "--config", str(cfg))
        assert result.returncode == 1
        no_traceback(result)
        (line,) = plain_lines(result, "outbox: ")
        assert "does not match" in line and str(key) in line
    key.unlink()
    result = run_kiosk("outbox", "list", "--config", str(cfg))
    assert result.returncode == 1
    (line,) = plain_lines(result, "outbox: ")
    assert "is missing" in line
    job = email_job(cfg)
    assert job.returncode == 1
    no_traceback(job)
    (event,) = events(job.stdout)
    assert (event.kind, event.reason) == (Kind.FAILED, Reason.STORAGE)
    assert "is missing" in event.detail and PATIENT not in job.stdout + job.stderr


def test_a_missing_key_tells_the_patient_and_warns_staff(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under systemd without the credential: the patient hears to ask at the desk (never a
    promise to send it), and the staff panel's summary starts with a warning."""
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "no-credentials"))
    (tmp_path / "no-credentials").mkdir()
    window = open_window(qtbot, config(tmp_path))
    type_address(qtbot, window, ANA_AT_EXAMPLE)
    told: list[JobEvent] = []
    window.ctx.mailer.reported.connect(lambda _job, event: told.append(event))
    with qtbot.waitSignal(window.ctx.mailer.reported, check_params_cb=final, timeout=20000):
        consent_and_send(qtbot, window)
    assert [(e.kind, e.reason) for e in told] == [(Kind.FAILED, Reason.STORAGE)]
    assert summary_status(window) == ASK_AT_THE_DESK
    assert window.findChild(QAbstractButton, "summary_email").isEnabled()

    qtbot.waitUntil(lambda: window.staff is not None, timeout=10000)
    text = window.staff.panel.staff_actions.summary()
    first, *_ = text.splitlines()
    assert first.startswith("WARNING: emails cannot be sent or queued: outbox key ")
    assert "credential outbox.key was not loaded" in first
    assert "Outbox: cannot be opened" in text
    window.close()


@pytest.mark.allow_errors("entry 1 quarantined")
def test_staff_summary_counts_what_was_kept_aside(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    box = Outbox(folder)
    box.add(b"m", SENDER, [PATIENT])
    with sqlite3.connect(box.db_path) as con:
        con.execute("UPDATE entries SET payload = x'00'")
    con.close()
    box.deliver_due(lambda *_: None)
    window = open_window(qtbot, config(tmp_path))
    qtbot.waitUntil(lambda: window.staff is not None, timeout=10000)
    text = window.staff.panel.staff_actions.summary()
    assert "Outbox: 0 queued, 0 failed, 1 quarantined" in text
    assert text.startswith("WARNING: the email outbox has 1 quarantined")
    window.close()


# -- 6. where the key lives -----------------------------------------------------------------


def test_key_file_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    key = tmp_path / "secrets" / "kiosk" / "outbox.key"
    cfg = config(tmp_path, extra=f'key_file = "{key}"')
    services = app.Services(app.load(cfg))
    box = services.outbox()
    box.add(b"kept apart", SENDER, [PATIENT])
    assert box.key_path == key and key.exists()
    assert not (tmp_path / "outbox" / "outbox.key").exists()
    Fernet(key.read_bytes())
    listed = run_kiosk("outbox", "list", "--config", str(cfg))
    assert listed.returncode == 0 and "1 queued" in listed.stdout
    key.rename(tmp_path / "elsewhere.key")  # the volume with the key is not mounted
    result = run_kiosk("outbox", "list", "--config", str(cfg))
    assert result.returncode == 1 and str(key) in plain_lines(result, "outbox: ")[0]


def test_the_systemd_credential_wins_when_present(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "outbox.key").write_bytes(Fernet.generate_key() + b"\n")
    os.chmod(credentials / "outbox.key", 0o400)  # as systemd gives it
    configured = tmp_path / "configured.key"
    env = {"CREDENTIALS_DIRECTORY": str(credentials)}
    assert key_location(tmp_path / "outbox", configured, env) == (credentials / "outbox.key", True)
    assert key_location(tmp_path / "outbox", configured, {}) == (configured, False)
    assert key_location(tmp_path / "outbox", None, {}) == (
        tmp_path / "outbox" / "outbox.key",
        False,
    )

    cfg = config(tmp_path, extra=f'key_file = "{configured}"')
    job = email_job(cfg, env=env)
    assert [e.kind for e in events(job.stdout)] == [Kind.QUEUED, Kind.RETRYING]
    assert not configured.exists() and not (tmp_path / "outbox" / "outbox.key").exists()
    box = Outbox(tmp_path / "outbox", key_path=credentials / "outbox.key", create_key=False)
    sent: list[bytes] = []
    assert box.flush(lambda m, f, t: sent.append(m)).sent == 1
    assert b"Subject: " in sent[0]
    assert sorted(p.name for p in credentials.iterdir()) == ["outbox.key"]


def test_a_command_without_the_credential_makes_no_key_of_its_own(tmp_path: Path) -> None:
    """`outbox list` from a plain shell on a kiosk whose key is a systemd credential: with
    the outbox empty it used to make a key beside the database, which the kiosk's next
    email then did not match. It says how to run it instead, and makes nothing."""
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "outbox.key").write_bytes(Fernet.generate_key() + b"\n")
    Outbox(tmp_path / "outbox", key_path=credentials / "outbox.key", create_key=False)
    result = run_kiosk("outbox", "list", "--config", str(config(tmp_path)))
    assert result.returncode == 1
    no_traceback(result)
    (line,) = plain_lines(result, "outbox: ")
    assert "systemd credential outbox.key" in line and "systemd-run" in line
    assert not (tmp_path / "outbox" / "outbox.key").exists()
    box = Outbox(tmp_path / "outbox", key_path=credentials / "outbox.key", create_key=False)
    box.add(b"still readable", SENDER, [PATIENT])  # the kiosk's key still opens it


def test_a_missing_credential_is_never_made_up(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    with pytest.raises(OutboxKeyError, match=r"credential outbox\.key was not loaded"):
        Outbox(tmp_path / "outbox", key_path=credentials / "outbox.key", create_key=False)
    assert list(credentials.iterdir()) == []
    result = run_kiosk(
        "outbox",
        "flush",
        "--config",
        str(config(tmp_path)),
        env={"CREDENTIALS_DIRECTORY": str(credentials)},
    )
    assert result.returncode == 1
    no_traceback(result)
    assert len(plain_lines(result, "outbox: ")) == 1


# -- files at rest ----------------------------------------------------------------------------


@POSIX
@pytest.mark.allow_errors(SET_ASIDE_LOG)
def test_stale_outbox_files_are_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    box = filled_outbox(folder)
    damage(box.db_path, "header overwritten")
    Outbox(folder)  # sets it aside
    reader = sqlite3.connect(box.db_path)  # keeps -wal and -shm on disk
    reader.execute("SELECT COUNT(*) FROM entries").fetchall()
    Outbox(folder).add(b"m", SENDER, [PATIENT])
    os.chmod(folder, 0o755)
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, 0o644)
    Outbox(folder)
    names = {p.name for p in folder.iterdir()}
    assert {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", "outbox.key", "outbox.id"} <= names
    assert any(".corrupt-" in n for n in names)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    reader.close()


# -- 4. a full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(disk)], check=True
    )
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Fill the file system to the last byte; the filler's path (delete it to free space)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def disk_config(tmp_path: Path, disk: Path, port: int = 1) -> Path:
    cfg = config(tmp_path, port)
    cfg.write_text(cfg.read_text().replace(str(tmp_path / "outbox"), str(disk / "outbox")))
    return cfg


@ROOT
def test_full_disk_email_job_and_flush_exit_1_with_a_plain_line(
    tmp_path: Path, small_disk: Path
) -> None:
    cfg = disk_config(tmp_path, small_disk)
    Outbox(small_disk / "outbox").add(b"queued before", SENDER, [PATIENT])
    filler = fill(small_disk)

    job = email_job(cfg)
    assert job.returncode == 1
    no_traceback(job)
    (event,) = events(job.stdout)
    assert (event.kind, event.reason) == (Kind.FAILED, Reason.STORAGE)
    assert "disk full" in event.detail
    assert plain_lines(job, "email-job: ")[0].endswith("disk full")

    flushed = run_kiosk("outbox", "flush", "--config", str(cfg))
    assert flushed.returncode == 1
    no_traceback(flushed)
    assert "disk full" in plain_lines(flushed, "outbox: ")[0]
    listed = run_kiosk("outbox", "list", "--config", str(cfg))
    assert listed.returncode == 1  # SQLite's shared-memory file needs space even to read
    no_traceback(listed)
    assert "disk full" in plain_lines(listed, "outbox: ")[0]

    filler.unlink()
    job = email_job(cfg)
    assert [e.kind for e in events(job.stdout)] == [Kind.QUEUED, Kind.RETRYING]
    assert Outbox(small_disk / "outbox").stats().queued == 2


@ROOT
def test_disk_full_between_the_250_and_the_delete_does_not_send_it_twice(
    tmp_path: Path, small_disk: Path, server: tuple[Holding, int]
) -> None:
    handler, port = server
    box = Outbox(small_disk / "outbox")
    box.add(b"Subject: once\r\n\r\nonce", SENDER, [PATIENT])
    smtp = sender(port)
    fillers: list[Path] = []

    def send_then_fill(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        smtp.send(message, from_addr, to_addrs)
        fillers.append(fill(small_disk))  # the 250 came; now the disk is full

    with pytest.raises(OutboxStorageError, match=r"delivered but cannot be removed .*disk full"):
        box.flush(send_then_fill)
    assert len(handler.messages) == 1
    (mark,) = (small_disk / "outbox").glob(f"{MARK_PREFIX}*")
    assert mark.read_bytes() == b"1"  # recorded as accepted, on the full disk
    fillers[0].unlink()
    assert box.stats().queued == 1  # still in the database
    later = time.time() + LEASE_S + 1
    assert Outbox(small_disk / "outbox").flush(smtp.send, now=later) == DeliveryReport(1, 0, 0)
    assert len(handler.messages) == 1
    assert box.stats() == Stats(0, 0, None)
    assert list((small_disk / "outbox").glob(f"{MARK_PREFIX}*")) == []


@ROOT
def test_disk_full_before_the_send_sends_nothing(
    tmp_path: Path, small_disk: Path, server: tuple[Holding, int]
) -> None:
    handler, port = server
    box = Outbox(small_disk / "outbox")
    box.add(b"Subject: later\r\n\r\nlater", SENDER, [PATIENT])
    filler = fill(small_disk)
    with pytest.raises(OutboxStorageError, match=r"disk full"):
        box.flush(sender(port).send)
    assert handler.messages == []
    filler.unlink()
    assert box.flush(sender(port).send, now=time.time() + LEASE_S + 1).sent == 1
    assert len(handler.messages) == 1


# -- 5. exactly once: the lease, and kill -9 at each step of a delivery ---------------------


def test_a_round_longer_than_the_lease_does_not_let_another_deliverer_resend(
    tmp_path: Path,
) -> None:
    clock = [1_000_000.0]
    folder = tmp_path / "outbox"
    first = Outbox(folder, clock=lambda: clock[0], lease_s=LEASE_S)
    second = Outbox(folder, clock=lambda: clock[0], lease_s=LEASE_S)
    for n in range(3):
        first.add(f"msg {n}".encode(), SENDER, [PATIENT])
    delivered: list[bytes] = []
    meanwhile: list[DeliveryReport] = []

    def slow_send(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        clock[0] += 400  # each send takes 400 s: the round outlasts one lease
        if message == b"msg 2":
            meanwhile.append(second.deliver_due(delivered_by_second))
        delivered.append(message)

    def delivered_by_second(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        delivered.append(b"second: " + message)

    assert first.deliver_due(slow_send) == DeliveryReport(3, 0, 0)
    assert meanwhile == [DeliveryReport(0, 0, 0)]  # msg 2's lease began when it was sent
    assert delivered == [b"msg 0", b"msg 1", b"msg 2"]


def test_a_send_slower_than_its_lease_is_left_to_the_live_sender(tmp_path: Path) -> None:
    """One send outlasts the lease (a server that answers each step just inside the
    timeout): a second deliverer finds the entry's mark held by a live sender and leaves it;
    the server gets the message once."""
    clock = [1_000_000.0]
    folder = tmp_path / "outbox"
    first = Outbox(folder, clock=lambda: clock[0], lease_s=LEASE_S)
    second = Outbox(folder, clock=lambda: clock[0], lease_s=LEASE_S)
    first.add(b"msg", SENDER, [PATIENT])
    delivered: list[bytes] = []
    meanwhile: list[DeliveryReport] = []

    def slow_send(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        clock[0] += LEASE_S + 1  # this one send outlasts its lease
        meanwhile.append(second.deliver_due(lambda m, f, t: delivered.append(b"second: " + m)))
        delivered.append(message)

    assert first.deliver_due(slow_send) == DeliveryReport(1, 0, 0)
    assert meanwhile == [DeliveryReport(0, 0, 0)]
    assert delivered == [b"msg"]
    assert first.stats().queued == 0


KILL_AT = """
import os, signal, sys
from kiosk import cli
from kiosk.services import mail, outbox

step = sys.argv[1]
die = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
if step == "after 250":
    send = mail.SmtpSender.send
    mail.SmtpSender.send = lambda self, *a: (send(self, *a), die())
elif step == "after the mark":
    outbox.Outbox._remove_sent = die
elif step == "after the delete":
    def remove_sent(self, entry_id, mark):
        with self._transaction() as con:
            con.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
        die()
    outbox.Outbox._remove_sent = remove_sent
sys.exit(cli.main(["outbox", "flush", "--config", sys.argv[2]]))
"""

#: step → how many times the server has the message after the killed flush and a second one
WINDOWS = {
    "before DATA": 1,  # nothing reached the server: sent again, once
    "during DATA": 2,  # the server took it, the 250 never came back: at least once
    "after 250": 2,  # the 250 came, the process died before recording it: at least once
    "after the mark": 1,  # recorded as accepted: removed, not sent again
    "after the delete": 1,  # gone: nothing to send
}


@POSIX
@pytest.mark.parametrize("step", list(WINDOWS))
def test_kill_9_at_each_step_of_a_delivery(
    tmp_path: Path, server: tuple[Holding, int], step: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler, port = server
    cfg = config(tmp_path, port)
    box = Outbox(tmp_path / "outbox")
    box.add(b"Subject: once\r\n\r\nonce", SENDER, [PATIENT])
    if step in ("before DATA", "during DATA"):
        handler.hold_at = "RCPT" if step == "before DATA" else "DATA"
        command = [sys.executable, "-m", "kiosk", "outbox", "flush", "--config", str(cfg)]
    else:
        command = [sys.executable, "-c", KILL_AT, step, str(cfg)]
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if handler.hold_at:
            assert handler.reached.wait(10)
            child.kill()  # SIGKILL, with the server holding it at that step
        _, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err.decode()
    handler.release.set()

    later = time.time() + LEASE_S + 1  # the killed flush's lease has run out
    report = Outbox(tmp_path / "outbox").flush(sender(port).send, now=later)
    assert len(handler.messages) == WINDOWS[step]
    assert report.sent == (1 if step != "after the delete" else 0)
    assert Outbox(tmp_path / "outbox").stats() == Stats(0, 0, None)
    assert list((tmp_path / "outbox").glob(f"{MARK_PREFIX}*")) == []
    # Whenever the mark still said "in flight", the second flush says it may be a duplicate.
    resent = [r for r in caplog.records if "may have it twice" in r.getMessage()]
    assert len(resent) == (1 if step in ("before DATA", "during DATA", "after 250") else 0)


def test_a_mark_holds_no_patient_data(tmp_path: Path) -> None:
    """A mark's name is the database's id and the entry's; its one byte says where it is."""
    box = Outbox(tmp_path / "outbox")
    entry = box.add(b"secret", SENDER, [PATIENT])
    seen: list[tuple[str, bytes]] = []

    def look(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        seen.extend((p.name, p.read_bytes()) for p in (tmp_path / "outbox").glob(f"{MARK_PREFIX}*"))

    box.flush(look)
    db_id = json.loads((tmp_path / "outbox" / "outbox.id").read_text())["db"]
    assert seen == [(f"{MARK_PREFIX}{db_id}-{entry}", b"0")]
