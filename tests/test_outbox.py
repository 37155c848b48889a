"""The durable email outbox: retries, exactly-once delivery, encryption at rest, kill -9.

No test sleeps: time is a fake clock passed to the Outbox, and threads meet on events.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from kiosk.services.outbox import (
    DeliveryReport,
    Entry,
    Envelope,
    Outbox,
    OutboxKeyError,
    Stats,
    mask_address,
)

REPO = Path(__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes and signals")

SENDER = "kiosk@clinic.example"
PATIENT = "patient.name@example.com"
NAME = "Zebedee Ødegård"
SUBJECT = "Your Botox aftercare summary"
# Over a few SQLite pages, so the payload also lands in overflow pages.
MESSAGE = (
    f"From: {SENDER}\r\nTo: {PATIENT}\r\nSubject: {SUBJECT}\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    f"Dear {NAME},\r\n" + "".join(f"Aftercare line {i} for {NAME}.\r\n" for i in range(400))
).encode("utf-8")
SECRETS = [PATIENT.encode(), b"patient.name", b"example.com", NAME.encode(), b"Zebedee"]
SECRETS += ["Ødegård".encode(), SUBJECT.encode()]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Transient(Exception):
    permanent = False


class Permanent(Exception):
    permanent = True


class Server:
    """A fake mail server: refuses the first ``fail`` sends, then accepts and records."""

    def __init__(self, fail: int = 0, error: Exception | None = None) -> None:
        self.fail = fail
        self.error = error or Transient("421 4.3.2 service not available, try later")
        self.calls = 0
        self.deliveries: list[tuple[bytes, str, list[str]]] = []

    def __call__(self, message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        self.calls += 1
        if self.calls <= self.fail:
            raise self.error
        self.deliveries.append((message, from_addr, to_addrs))


def due(outbox: Outbox, now: float) -> list[Entry]:
    """The queued entries whose next attempt is due at ``now`` and that no one is sending
    (not leased), oldest first: read from the database itself, a second opinion on what
    ``deliver_due`` may pick."""
    with contextlib.closing(sqlite3.connect(outbox.db_path)) as con:
        ids = {
            row[0]
            for row in con.execute(
                "SELECT id FROM entries"
                " WHERE state = 'queued' AND next_attempt <= ? AND lease_until <= ?",
                (now, now),
            )
        }
    return [entry for entry in outbox.list(now) if entry.id in ids]


def open_entry(outbox: Outbox, entry_id: int) -> Envelope:
    """Decrypt one entry from the database with the key file, as only delivery does in the
    kiosk; LookupError once the entry is gone."""
    with contextlib.closing(sqlite3.connect(outbox.db_path)) as con:
        row = con.execute("SELECT payload FROM entries WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        raise LookupError(f"outbox entry {entry_id} is no longer in the outbox")
    plain = Fernet(outbox.key_path.read_bytes().strip()).decrypt(row[0])
    header, _, message = plain.partition(b"\n")
    meta = json.loads(header)
    return Envelope(message, meta["from"], list(meta["to"]))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def outbox(folder: Path, clock: Clock) -> Outbox:
    return Outbox(folder, clock=clock, max_attempts=4, backoff_s=(30, 60))


def raw_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def assert_no_plaintext(folder: Path, needles: list[bytes]) -> None:
    files = raw_files(folder)
    assert "outbox.sqlite3" in files
    for name, data in files.items():
        for needle in needles:
            assert needle not in data, f"{needle!r} found in clear in {name}"


# -- delivery and retries ---------------------------------------------------------------------


def test_add_due_and_successful_send_deletes_the_entry(outbox: Outbox, clock: Clock) -> None:
    entry_id = outbox.add(MESSAGE, SENDER, [PATIENT])
    [entry] = due(outbox, clock.t)
    assert (entry.id, entry.attempts, entry.state, entry.last_error) == (
        entry_id,
        0,
        "queued",
        None,
    )
    assert entry.masked == "p***@e***.com"
    server = Server()
    assert outbox.deliver_due(server) == DeliveryReport(sent=1, retry=0, failed=0)
    assert server.deliveries == [(MESSAGE, SENDER, [PATIENT])]
    assert due(outbox, clock.t) == [] and outbox.list() == []
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert len(server.deliveries) == 1


def test_due_is_oldest_first(outbox: Outbox, clock: Clock) -> None:
    first = outbox.add(b"1", SENDER, ["a@x.org"])
    clock.t += 1
    second = outbox.add(b"2", SENDER, ["b@x.org"])
    assert [e.id for e in due(outbox, clock.t)] == [first, second]
    server = Server()
    outbox.deliver_due(server)
    assert [d[0] for d in server.deliveries] == [b"1", b"2"]


def test_transient_failures_retry_after_backoff_then_deliver_exactly_once(
    outbox: Outbox, clock: Clock
) -> None:
    start = clock.t
    outbox.add(MESSAGE, SENDER, [PATIENT])
    server = Server(fail=3)  # down for three attempts, then back

    assert outbox.deliver_due(server) == DeliveryReport(0, 1, 0)
    [entry] = outbox.list()
    assert entry.attempts == 1 and entry.next_attempt == start + 30
    assert entry.last_error == "421 4.3.2 service not available, try later"

    clock.t = start + 29.9  # not yet due: the server is not even asked
    assert due(outbox, clock.t) == []
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert server.calls == 1

    clock.t = start + 30
    assert outbox.deliver_due(server) == DeliveryReport(0, 1, 0)  # 2nd failure: +60
    clock.t += 59.9
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    clock.t += 0.1
    assert outbox.deliver_due(server) == DeliveryReport(0, 1, 0)  # 3rd: the last step repeats
    assert outbox.list()[0].next_attempt == clock.t + 60
    assert outbox.stats() == Stats(queued=1, failed=0, oldest_age_s=clock.t - start)

    clock.t += 60  # the server is back
    assert outbox.deliver_due(server) == DeliveryReport(1, 0, 0)
    assert server.calls == 4
    assert server.deliveries == [(MESSAGE, SENDER, [PATIENT])]
    clock.t += 10_000
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert len(server.deliveries) == 1
    assert outbox.stats() == Stats(0, 0, None)


def test_permanent_failure_is_failed_never_retried_and_counted(
    outbox: Outbox, clock: Clock, folder: Path
) -> None:
    refused = Permanent(f"550 5.1.1 <{PATIENT}>: Recipient address rejected: " + "x" * 300)
    outbox.add(MESSAGE, SENDER, [PATIENT])
    keep = outbox.add(b"other", SENDER, ["someone@else.org"])
    server = Server(fail=1, error=refused)

    assert outbox.deliver_due(server) == DeliveryReport(sent=1, retry=0, failed=1)
    [failed] = outbox.list()
    assert failed.state == "failed" and failed.attempts == 1 and failed.id != keep
    assert failed.last_error is not None and len(failed.last_error) <= 200
    assert failed.last_error.startswith("550 5.1.1 <p***@e***.com>: Recipient address rejected")
    assert PATIENT not in failed.last_error
    assert outbox.stats() == Stats(queued=0, failed=1, oldest_age_s=None)

    clock.t += 1_000_000
    assert due(outbox, clock.t) == []
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert outbox.flush(server) == DeliveryReport(0, 0, 0)
    assert server.calls == 2
    assert_no_plaintext(folder, SECRETS)  # last_error is stored in clear: no address in it


def test_last_error_masks_any_address_it_quotes(outbox: Outbox, folder: Path) -> None:
    error = Transient(f"550 relay to <Fwd.Patient@Relay.example> denied for {PATIENT.upper()}")
    outbox.add(b"msg", SENDER, [PATIENT])
    outbox.deliver_due(Server(fail=1, error=error))
    [entry] = outbox.list()
    assert entry.last_error == "550 relay to <F***@R***.example> denied for p***@e***.com"
    assert_no_plaintext(folder, [b"Fwd.Patient", b"Relay.example", b"PATIENT.NAME"])


def test_max_attempts_marks_failed(outbox: Outbox, clock: Clock) -> None:
    outbox.add(b"msg", SENDER, [PATIENT])
    server = Server(fail=100, error=ConnectionRefusedError(111, "Connection refused"))
    reports = []
    for _ in range(4):
        reports.append(outbox.deliver_due(server))
        clock.t += 60
    assert reports == [DeliveryReport(0, 1, 0)] * 3 + [DeliveryReport(0, 0, 1)]
    [entry] = outbox.list()
    assert (entry.state, entry.attempts, entry.last_error) == (
        "failed",
        4,
        "[Errno 111] Connection refused",
    )
    clock.t += 1_000_000
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert server.calls == 4
    assert outbox.stats().failed == 1


def test_error_without_text_is_named_by_its_type(outbox: Outbox) -> None:
    outbox.add(b"msg", SENDER, [PATIENT])
    outbox.deliver_due(Server(fail=1, error=TimeoutError()))
    assert outbox.list()[0].last_error == "TimeoutError"


def test_flush_sends_queued_entries_whatever_their_schedule(outbox: Outbox, clock: Clock) -> None:
    outbox.add(b"msg", SENDER, [PATIENT])
    outbox.deliver_due(Server(fail=1))
    assert due(outbox, clock.t) == []
    server = Server()
    assert outbox.flush(server) == DeliveryReport(1, 0, 0)
    assert server.deliveries == [(b"msg", SENDER, [PATIENT])]
    assert outbox.list() == []


def test_purge_deletes_queued_and_failed_entries_older_than_max_age(
    outbox: Outbox, clock: Clock
) -> None:
    start = clock.t
    outbox.add(b"old queued", SENDER, ["a@x.org"])
    clock.t = start + 50
    outbox.add(b"old failed", SENDER, ["b@x.org"])

    def send(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        raise Permanent("554 rejected") if message == b"old failed" else Transient("421 busy")

    assert outbox.flush(send) == DeliveryReport(sent=0, retry=1, failed=1)
    clock.t = start + 100
    young = outbox.add(b"young", SENDER, ["c@x.org"])
    assert outbox.stats() == Stats(queued=2, failed=1, oldest_age_s=100)
    assert outbox.purge(60, now=start + 130) == 2
    assert [e.id for e in outbox.list()] == [young]
    assert outbox.purge(60, now=start + 130) == 0


def test_list_shows_masked_addresses_ages_and_errors(outbox: Outbox, clock: Clock) -> None:
    start = clock.t
    outbox.add(MESSAGE, SENDER, [PATIENT, "Ødegård@eksempel.no"])
    outbox.deliver_due(Server(fail=1))
    clock.t = start + 42
    [entry] = outbox.list()
    assert entry.masked == "p***@e***.com, Ø***@e***.no"
    assert entry.age_s == 42 and entry.attempts == 1
    assert entry.last_error == "421 4.3.2 service not available, try later"
    assert PATIENT not in repr(entry) and NAME not in repr(entry)
    envelope = open_entry(outbox, entry.id)  # decrypting: for delivery only
    assert (envelope.message, envelope.from_addr, envelope.to_addrs) == (
        MESSAGE,
        SENDER,
        [PATIENT, "Ødegård@eksempel.no"],
    )
    assert PATIENT not in repr(envelope) and "Zebedee" not in repr(envelope)
    outbox.flush(Server())
    with pytest.raises(LookupError):
        open_entry(outbox, entry.id)


@pytest.mark.parametrize(
    ("addr", "masked"),
    [
        ("patient.name@example.com", "p***@e***.com"),
        ("a@b.co.uk", "a***@b***.uk"),
        ("Ødegård@eksempel.no", "Ø***@e***.no"),
        ("root@localhost", "r***@l***"),
        ('"odd@name"@example.com', '"***@e***.com'),
        ("no-at-sign", "***"),
        ("@example.com", "***"),
        ("", "***"),
    ],
)
def test_mask_address(addr: str, masked: str) -> None:
    assert mask_address(addr) == masked


def test_bad_arguments_are_refused(folder: Path, outbox: Outbox) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        Outbox(folder, max_attempts=0)
    with pytest.raises(ValueError, match="backoff_s"):
        Outbox(folder, backoff_s=())
    with pytest.raises(ValueError, match="to_addrs"):
        outbox.add(b"m", SENDER, [])
    with pytest.raises(ValueError, match="to_addrs"):
        outbox.add(b"m", SENDER, PATIENT)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        outbox.add("text", SENDER, [PATIENT])  # type: ignore[arg-type]


# -- exactly once, crashes and concurrency ----------------------------------------------------


def test_two_deliverers_at_once_send_an_entry_once(folder: Path, clock: Clock) -> None:
    """The kiosk's worker and a staff `outbox flush` (another Outbox, as in another process)."""
    worker, staff = Outbox(folder, clock=clock), Outbox(folder, clock=clock)
    worker.add(b"msg", SENDER, [PATIENT])
    in_send, release = threading.Event(), threading.Event()
    deliveries: list[bytes] = []

    def slow_send(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        in_send.set()
        assert release.wait(10)
        deliveries.append(message)

    result: list[DeliveryReport] = []
    thread = threading.Thread(target=lambda: result.append(worker.deliver_due(slow_send)))
    thread.start()
    try:
        assert in_send.wait(10)
        assert due(worker, clock.t) == []  # leased while it is being sent
        server = Server()
        assert staff.deliver_due(server) == DeliveryReport(0, 0, 0)
        assert staff.flush(server) == DeliveryReport(0, 0, 0)
        assert server.calls == 0
    finally:
        release.set()
        thread.join(10)
    assert result == [DeliveryReport(1, 0, 0)]
    assert deliveries == [b"msg"]
    assert staff.list() == []


def test_an_entry_sent_by_someone_else_meanwhile_is_not_sent_again(
    folder: Path, clock: Clock
) -> None:
    """The worker picked two due entries; while it sends the first, staff flush sends the
    second. The worker's list is now stale, and its lease on the second must fail."""
    worker, staff = Outbox(folder, clock=clock), Outbox(folder, clock=clock)
    worker.add(b"first", SENDER, [PATIENT])
    worker.add(b"second", SENDER, [PATIENT])
    server = Server()
    staff_reports: list[DeliveryReport] = []

    def send_and_meanwhile_flush(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        server(message, from_addr, to_addrs)
        staff_reports.append(staff.flush(server))

    assert worker.deliver_due(send_and_meanwhile_flush) == DeliveryReport(1, 0, 0)
    assert staff_reports == [DeliveryReport(1, 0, 0)]
    assert [d[0] for d in server.deliveries] == [b"first", b"second"]
    assert worker.list() == []


class Crash(BaseException):
    """The process dies: nothing after this runs."""


def test_a_crash_inside_send_resends_after_the_lease(folder: Path, clock: Clock) -> None:
    """The documented at-least-once edge: the server has it, the process dies before send
    returns (before its "250" is recorded), so the entry is sent again once the lease ends."""
    outbox = Outbox(folder, clock=clock, lease_s=600)
    outbox.add(b"msg", SENDER, [PATIENT])
    accepted: list[bytes] = []

    def accept_then_die(message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        accepted.append(message)
        raise Crash

    with pytest.raises(Crash):
        outbox.deliver_due(accept_then_die)
    restarted = Outbox(folder, clock=clock, lease_s=600)
    server = Server()
    clock.t += 599
    assert restarted.deliver_due(server) == DeliveryReport(0, 0, 0)
    clock.t += 1
    assert restarted.deliver_due(server) == DeliveryReport(1, 0, 0)
    assert accepted + [d[0] for d in server.deliveries] == [b"msg", b"msg"]


def test_a_crash_after_the_server_accepted_is_not_sent_again(
    folder: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted and recorded, then the process dies before the row is deleted: the next
    delivery removes it without sending it (tests/test_outbox_faults.py: with kill -9)."""
    outbox = Outbox(folder, clock=clock, lease_s=600)
    outbox.add(b"msg", SENDER, [PATIENT])
    server = Server()

    def die(*_: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(Outbox, "_remove_sent", die)
        with pytest.raises(Crash):
            outbox.deliver_due(server)
    clock.t += 600
    assert Outbox(folder, clock=clock).deliver_due(server) == DeliveryReport(1, 0, 0)
    assert [d[0] for d in server.deliveries] == [b"msg"]
    assert outbox.list() == []


CHILD = """
import os, signal, sqlite3, sys
from pathlib import Path
from kiosk.services.outbox import Outbox

folder = Path(sys.argv[1])
outbox = Outbox(folder)
# Another connection stays open, as in a running kiosk, so the commit is still in the WAL
# (not checkpointed into the database) when the process is killed.
reader = sqlite3.connect(folder / "outbox.sqlite3")
reader.execute("SELECT COUNT(*) FROM entries").fetchall()
outbox.add(sys.argv[2].encode(), "kiosk@clinic.example", ["patient.name@example.com"])
print("queued", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
print("not killed", flush=True)
"""


@POSIX
def test_entry_survives_kill_9_and_is_delivered_once(folder: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), "kill -9 survivor"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout == "queued\n"
    assert (folder / "outbox.sqlite3-wal").stat().st_size > 0  # recovered from the WAL

    outbox = Outbox(folder)
    assert outbox.stats().queued == 1
    server = Server()
    assert outbox.deliver_due(server) == DeliveryReport(1, 0, 0)
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)
    assert Outbox(folder).flush(server) == DeliveryReport(0, 0, 0)
    assert server.deliveries == [(b"kill -9 survivor", SENDER, [PATIENT])]


# -- privacy at rest --------------------------------------------------------------------------


@pytest.fixture
def reader(folder: Path, outbox: Outbox) -> Iterator[sqlite3.Connection]:
    """An idle second connection, so the WAL and shared-memory files stay on disk to inspect."""
    con = sqlite3.connect(folder / "outbox.sqlite3")
    con.execute("SELECT COUNT(*) FROM entries").fetchall()
    yield con
    con.close()


def test_no_patient_data_in_clear_on_disk_before_or_after_delivery(
    folder: Path, outbox: Outbox, reader: sqlite3.Connection
) -> None:
    assert all(s in MESSAGE for s in SECRETS)  # the needles are really in the message
    entry_id = outbox.add(MESSAGE, SENDER, [PATIENT])
    files = raw_files(folder)
    assert {"outbox.sqlite3", "outbox.sqlite3-wal", "outbox.sqlite3-shm", "outbox.key"} <= set(
        files
    )
    assert len(files["outbox.sqlite3-wal"]) > len(MESSAGE)  # the entry is in the WAL
    assert_no_plaintext(folder, SECRETS)

    (token,) = reader.execute("SELECT payload FROM entries WHERE id = ?", (entry_id,)).fetchone()
    assert len(token) > len(MESSAGE)
    # Pieces of the ciphertext past the Fernet header (version and timestamp), which another
    # token made in the same second would share.
    pieces = [token[i : i + 24] for i in range(100, len(token) - 24, len(token) // 7)]

    server = Server()
    assert outbox.deliver_due(server) == DeliveryReport(1, 0, 0)
    assert server.deliveries == [(MESSAGE, SENDER, [PATIENT])]
    assert_no_plaintext(folder, SECRETS + pieces)  # secure_delete + WAL checkpoint
    assert len(raw_files(folder)["outbox.sqlite3-wal"]) == 0
    reader.close()
    assert_no_plaintext(folder, SECRETS + pieces)


def test_purged_entries_leave_no_ciphertext(folder: Path, outbox: Outbox, clock: Clock) -> None:
    entry_id = outbox.add(MESSAGE, SENDER, [PATIENT])
    with sqlite3.connect(folder / "outbox.sqlite3") as con:
        (token,) = con.execute("SELECT payload FROM entries WHERE id = ?", (entry_id,)).fetchone()
    con.close()
    assert outbox.purge(0, now=clock.t + 1) == 1
    assert_no_plaintext(folder, [token[200:240], token[-40:]])


@POSIX
def test_key_file_is_0600_in_a_0700_folder_and_kept_apart(tmp_path: Path) -> None:
    folder, key_path = tmp_path / "data" / "outbox", tmp_path / "secrets" / "outbox.key"
    outbox = Outbox(folder, key_path=key_path)
    outbox.add(MESSAGE, SENDER, [PATIENT])
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name, data in raw_files(folder).items():
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
        assert key_path.read_bytes() not in data
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["outbox.key"]  # no temp left
    assert "outbox.key" not in {p.name for p in folder.iterdir()}
    Fernet(key_path.read_bytes())  # a valid key
    # The same key is used again, not replaced.
    before = key_path.read_bytes()
    again = Outbox(folder, key_path=key_path)
    assert open_entry(again, again.list()[0].id).message == MESSAGE
    assert key_path.read_bytes() == before


@POSIX
def test_a_readable_key_file_is_tightened_to_0600(folder: Path) -> None:
    Outbox(folder)
    key = folder / "outbox.key"
    key.chmod(0o644)
    Outbox(folder)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_wrong_key_is_a_clear_error_naming_the_key_file(folder: Path, outbox: Outbox) -> None:
    outbox.add(MESSAGE, SENDER, [PATIENT])
    key = folder / "outbox.key"
    key.write_bytes(Fernet.generate_key())
    with pytest.raises(OutboxKeyError, match="does not match") as err:
        Outbox(folder)
    assert str(key) in str(err.value)


def test_corrupt_key_file_is_a_clear_error_naming_it(folder: Path, outbox: Outbox) -> None:
    key = folder / "outbox.key"
    key.write_bytes(b"not a key")
    with pytest.raises(OutboxKeyError, match="corrupt") as err:
        Outbox(folder)
    assert str(key) in str(err.value)


def test_missing_key_with_entries_is_an_error_not_a_new_key(folder: Path, outbox: Outbox) -> None:
    outbox.add(MESSAGE, SENDER, [PATIENT])
    (folder / "outbox.key").unlink()
    with pytest.raises(OutboxKeyError, match="missing") as err:
        Outbox(folder)
    assert str(folder / "outbox.key") in str(err.value)
    assert not (folder / "outbox.key").exists()


def test_missing_key_with_an_empty_outbox_makes_a_new_one(folder: Path, outbox: Outbox) -> None:
    (folder / "outbox.key").unlink()
    again = Outbox(folder)
    again.add(b"msg", SENDER, [PATIENT])
    reopened = Outbox(folder)
    assert open_entry(reopened, reopened.list()[0].id).message == b"msg"


@pytest.mark.allow_errors("entry 2 quarantined: its message cannot be decrypted")
def test_an_undecryptable_entry_is_quarantined_and_the_others_delivered(
    folder: Path, outbox: Outbox, clock: Clock
) -> None:
    outbox.add(b"good", SENDER, [PATIENT])
    bad = outbox.add(b"bad", SENDER, [PATIENT])
    outbox.add(b"also good", SENDER, [PATIENT])
    with sqlite3.connect(folder / "outbox.sqlite3") as con:
        con.execute("UPDATE entries SET payload = ? WHERE id = ?", (Fernet.generate_key(), bad))
    con.close()
    server = Server()
    assert outbox.deliver_due(server) == DeliveryReport(2, 0, 0, quarantined=1)
    assert [d[0] for d in server.deliveries] == [b"good", b"also good"]
    assert outbox.stats() == Stats(0, 0, None, quarantined=1)
    (kept,) = outbox.quarantined()
    assert (kept.id, kept.state, kept.masked) == (bad, "quarantined", "p***@e***.com")
    assert kept.last_error == "its message cannot be decrypted"
    assert outbox.deliver_due(server) == DeliveryReport(0, 0, 0)  # never tried again
    assert outbox.purge(60, now=clock.t + 61) == 1  # and not kept forever
    assert outbox.stats().quarantined == 0


def test_outbox_is_pure_python() -> None:
    """The email job and the command line use it without Qt."""
    code = "import sys, kiosk.services.outbox; print(any('PySide6' in m for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout == "False\n"


def test_deliver_entry_sends_only_that_one(tmp_path: Path) -> None:
    """A patient's new email is tried at once; the others keep their schedule and tries."""
    box = Outbox(tmp_path / "box", clock=lambda: 1000.0)
    first = box.add(b"first", "k@clinic.test", ["a@example.com"])
    second = box.add(b"second", "k@clinic.test", ["b@example.com"])
    sent: list[bytes] = []
    report = box.deliver_entry(second, lambda m, f, t: sent.append(m))
    assert report.sent == 1 and sent == [b"second"]
    (left,) = box.list()
    assert left.id == first and left.attempts == 0
