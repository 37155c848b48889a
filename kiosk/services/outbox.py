"""The durable email outbox: a patient's summary email waits here, encrypted, until it is sent.

Why it exists: the mail server may be down when the patient taps "email"; the patient is gone a
minute later, so the kiosk must keep the message and retry on its own. The design brief allows
patient data on disk only as "the encrypted outbox entry needed to deliver an email, deleted
once delivered", which shapes everything here:

- One SQLite database (``outbox.sqlite3``, WAL, ``synchronous=FULL``): a committed entry
  survives a crash or a kill -9 of the kiosk.
- The message, its sender and its recipients are encrypted with Fernet (AES-128-CBC +
  HMAC-SHA256) under a key kept in a separate file (``outbox.key``, mode 0600, created once),
  which ``key_location`` may put elsewhere: another volume, or a systemd credential.
  In clear there is only what staff need to see and the scheduler needs to run: id, times,
  attempts, state, a staff-facing last error (addresses scrubbed) and a masked address
  (``p***@e***.com``).
- A delivered entry is deleted with ``secure_delete`` on and the WAL is checkpointed and
  truncated afterwards, so not even the ciphertext is left readable in the database files.
  (What a file system or an SSD keeps of blocks SQLite overwrote is out of our reach; that
  residue is ciphertext, and the key lives in another file.)

It never loses or blocks mail over one bad part: an entry that cannot be read is moved to a
quarantine table (kept for staff, counted) and the others are delivered; a damaged database
is renamed aside (``outbox.sqlite3.corrupt-<time>``, kept for staff) and a fresh one made, so
new emails still queue; a database that vanished or was emptied under us is noticed (the
``outbox.id`` file remembers the one we had), logged and counted. A full disk, a missing key
or an unwritable folder is an ``OutboxError`` with one plain sentence for staff.

Delivery semantics (docs/outbox.md states them window by window): exactly once in normal
operation, including several processes delivering at once, because an entry is leased, at
the moment it is sent, before it is sent. Across a crash: a server's acceptance is written to
a one-byte mark file (``sending-*``) before the row is deleted, in place, so it is recorded
even on a full disk; an entry whose acceptance is recorded is removed, never sent again. Only
the instant between the server taking the message and that mark (during DATA, in effect) is
*at least once*: SMTP gives no way to ask "did you get message X?", so a rare duplicate there
is the price of never losing a message.

Pure Python (sqlite3 + cryptography), no Qt: the kiosk uses it in child processes (the
``email-job`` and ``outbox`` commands), never on the UI thread. Each call opens its own
short-lived SQLite connection, which makes the class safe to share between threads without a
lock of its own.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import logging
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple, TypeVar

from cryptography.fernet import Fernet, InvalidToken

from kiosk.services import outbox_counts
from kiosk.services.files import O_BINARY, atomic_write, fsync_dir, private_dir, private_file

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("kiosk.outbox")

DB_NAME = outbox_counts.DB_NAME
KEY_NAME = "outbox.key"
#: Remembers which database this folder had (and when one was lost), outside the database.
ID_NAME = "outbox.id"
#: One mark file per entry being sent, ``sending-<database id>-<entry id>``: "0" while in
#: flight, "1" once the server accepted it.
MARK_PREFIX = "sending-"
#: A damaged database is renamed to ``outbox.sqlite3.corrupt-<UTC time>`` (its WAL with it).
SET_ASIDE_INFIX = ".corrupt-"
#: The systemd credential (``LoadCredentialEncrypted=outbox.key:...``) that holds the key.
CREDENTIAL_NAME = "outbox.key"
LAST_ERROR_MAX = 200
DEFAULT_BACKOFF_S: tuple[float, ...] = (30, 60, 120, 300, 600, 1800, 3600)

Send = Callable[[bytes, str, list[str]], None]
"""Deliver one message: ``send(message, from_addr, to_addrs)``; raise on failure. An exception
with a true ``permanent`` attribute (as ``kiosk.services.mail.SendError`` has) is never retried.
"""

_T = TypeVar("_T")
_BUSY_TIMEOUT_S = 10.0
_PAYLOAD_VERSION = 1
_KEY_CHECK = b"botox-kiosk outbox key check"
_EMAILISH = re.compile(r"[^\s<>()\[\],;:\"'`]+@[^\s<>()\[\],;:\"'`]+")
_IN_FLIGHT, _ACCEPTED = b"0", b"1"
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 10, 11, 13, 26

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: staff may quote an id
    created      REAL    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL    NOT NULL,
    lease_until  REAL    NOT NULL DEFAULT 0,          -- being sent until then; see _claim
    last_error   TEXT,
    state        TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed')),
    masked       TEXT    NOT NULL,
    payload      BLOB    NOT NULL                     -- Fernet token: from, to and message
);
CREATE INDEX IF NOT EXISTS entries_due ON entries (state, next_attempt);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
-- Entries that cannot be read (a corrupt token, a garbage row): kept aside for staff, never
-- sent, purged with the rest. No constraints: a garbage row must fit as it is.
CREATE TABLE IF NOT EXISTS quarantine (
    id      INTEGER PRIMARY KEY,
    created,
    moved   REAL NOT NULL,
    reason  TEXT NOT NULL,
    masked,
    payload
);
"""


class OutboxError(Exception):
    """The outbox cannot do its work. The message is one plain sentence for staff and the
    log: it names files and what to do, never an address or anything a patient typed."""


class OutboxKeyError(OutboxError):
    """The outbox key file is missing, corrupt or does not match the database.

    The message names the key file, so clinic IT knows what to restore. The outbox refuses to
    run rather than silently making a new key, which would orphan the queued emails.
    """


class OutboxStorageError(OutboxError):
    """The outbox's files cannot be written or read: a full disk, a folder that is not
    writable, a lock held too long. Nothing the kiosk can fix by itself."""


class Envelope:
    """A decrypted entry: the message and who it is from and to. Only made to deliver it.

    Its ``repr`` shows sizes, never content, so it cannot leak into a log or a traceback.
    """

    __slots__ = ("from_addr", "message", "to_addrs")

    def __init__(self, message: bytes, from_addr: str, to_addrs: builtins.list[str]) -> None:
        self.message = message
        self.from_addr = from_addr
        self.to_addrs = to_addrs

    def __repr__(self) -> str:
        return f"<Envelope {len(self.message)} bytes to {len(self.to_addrs)} recipient(s)>"


@dataclass(frozen=True)
class Entry:
    """One outbox entry as staff and the scheduler see it: nothing here identifies a patient.

    The message, sender and recipients stay encrypted: they are decrypted only to deliver
    them (``deliver_due``, ``flush``, ``deliver_entry``).
    """

    id: int
    created: float
    age_s: float
    attempts: int
    next_attempt: float
    state: str  # 'queued' | 'failed' | 'quarantined' (in ``quarantined()`` only)
    last_error: str | None
    masked: str


class Stats(NamedTuple):
    queued: int
    failed: int
    oldest_age_s: float | None
    """Age of the oldest *queued* entry (the one a working mail server should have sent)."""
    quarantined: int = 0
    """Entries that could not be read, kept aside (``quarantined()``), never sent."""
    set_aside: int = 0
    """Damaged databases renamed aside in the outbox folder, kept for staff."""
    lost: int = 0
    """Times the database vanished or was emptied under the outbox (its emails are gone), in
    the last ``purge`` age."""


class DeliveryReport(NamedTuple):
    sent: int
    retry: int
    failed: int
    quarantined: int = 0


class _Outcome(Enum):
    SKIPPED = "skipped"  # someone else holds it, or it is gone
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    QUARANTINED = "quarantined"


def mask_address(addr: str) -> str:
    """``patient.name@example.com`` → ``p***@e***.com``: enough for staff to tell entries apart,
    too little to identify or write to a patient."""
    local, at, domain = addr.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    masked_local = local[0] + "***"
    host, dot, tld = domain.rpartition(".")
    if not dot or not host or not tld:
        return f"{masked_local}@{domain[0]}***"
    return f"{masked_local}@{host[0]}***.{tld}"


def key_location(
    folder: Path, key_file: Path | None, environ: Mapping[str, str] = os.environ
) -> tuple[Path, bool]:
    """Where the outbox key is, and whether it is *provided* (never created by the kiosk).

    Under systemd with credentials (``$CREDENTIALS_DIRECTORY`` set, e.g. by
    ``LoadCredentialEncrypted=outbox.key:...``) the key is the credential ``outbox.key`` there,
    whatever the config says: the unit file is where the operator chose it. Else ``key_file``
    (``[outbox] key_file``), else ``outbox.key`` beside the database; the kiosk creates either
    when the outbox holds nothing it could have encrypted.
    """
    credentials = environ.get("CREDENTIALS_DIRECTORY", "")
    if credentials:
        return Path(credentials) / CREDENTIAL_NAME, True
    return (key_file if key_file is not None else Path(folder) / KEY_NAME), False


def _scrub(text: str, addresses: Sequence[str]) -> str:
    """A staff-facing error line: addresses masked, one line, at most LAST_ERROR_MAX chars.

    SMTP errors quote the refused address (``smtplib.SMTPRecipientsRefused`` does), and
    last_error is stored in clear, so every address-like token is masked before it is kept.
    """
    for addr in sorted(addresses, key=len, reverse=True):
        if addr:
            text = re.sub(re.escape(addr), mask_address(addr), text, flags=re.IGNORECASE)
    text = _EMAILISH.sub(lambda m: mask_address(m.group(0)), text)
    text = " ".join(text.split())
    if len(text) > LAST_ERROR_MAX:
        text = text[: LAST_ERROR_MAX - 1] + "…"
    return text


def _error_text(exc: BaseException, addresses: Sequence[str]) -> str:
    return _scrub(str(exc) or type(exc).__name__, addresses)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """The file is not a database, or a damaged one (as opposed to a full disk or a lock)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)  # an error raised by the sqlite3 module itself carries no code
    return "malformed" in text or "not a database" in text


def _why(exc: BaseException, folder: Path | None = None) -> str:
    """An OS or SQLite error as a few plain words (``disk full``). SQLite reports a full disk
    met while growing its shared-memory file as an I/O error: the free space says which."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "disk full"
        return exc.strerror or type(exc).__name__
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and folder and _no_space(folder)):
        return "disk full"
    return str(exc) or type(exc).__name__


def _no_space(folder: Path) -> bool:
    try:
        fs = os.statvfs(folder)
    except (OSError, AttributeError):  # Windows has no statvfs
        return False
    return fs.f_bavail * fs.f_frsize < 64 * 1024


class Outbox:
    """Encrypted, durable queue of emails to send, with retries and backoff.

    ``folder`` holds ``outbox.sqlite3``; the key is ``folder/outbox.key`` unless ``key_path``
    puts it elsewhere (``key_location``); ``create_key=False`` for a key that is provided (a
    systemd credential), which is never created or changed. ``clock`` is injectable so tests
    never sleep. An entry is tried ``max_attempts`` times, the n-th retry ``backoff_s[n-1]``
    seconds after the n-th failure (the last value repeats), then it is 'failed'. ``lease_s``
    is how long an entry being sent is hidden from other deliverers, counted from the moment it
    is sent; it must exceed the longest one send can take.

    Raises OutboxKeyError for a key that is missing, corrupt or wrong, and OutboxStorageError
    when its files cannot be written (a full disk); so do its methods.
    """

    def __init__(
        self,
        folder: Path,
        *,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 8,
        backoff_s: Sequence[float] = DEFAULT_BACKOFF_S,
        key_path: Path | None = None,
        create_key: bool = True,
        lease_s: float = 600.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not backoff_s or any(b < 0 for b in backoff_s):
            raise ValueError("backoff_s must be a non-empty list of non-negative seconds")
        if lease_s <= 0:
            raise ValueError("lease_s must be positive")
        self.folder = Path(folder)
        self.db_path = self.folder / DB_NAME
        self.key_path = Path(key_path) if key_path is not None else self.folder / KEY_NAME
        self._create_key = create_key
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = tuple(float(b) for b in backoff_s)
        self._lease_s = float(lease_s)
        self._db_id = ""
        self._fernet: Fernet | None = None
        self._safely(self._open)

    def __repr__(self) -> str:
        return f"Outbox({str(self.folder)!r})"

    # -- adding and looking ---------------------------------------------------------------

    def add(self, message: bytes, from_addr: str, to_addrs: builtins.list[str]) -> int:
        """Queue a message for delivery now; returns its id once it is committed to disk."""
        if not isinstance(message, bytes | bytearray):
            raise TypeError("message must be bytes")
        if isinstance(to_addrs, str) or not to_addrs or not all(to_addrs):
            raise ValueError("to_addrs must be a non-empty list of addresses")
        header = json.dumps({"v": _PAYLOAD_VERSION, "from": from_addr, "to": list(to_addrs)})
        # json.dumps escapes control characters, so the first newline ends the header.
        token = self._key().encrypt(header.encode("ascii") + b"\n" + bytes(message))
        masked = ", ".join(mask_address(a) for a in to_addrs)

        def insert() -> int:
            now = self._clock()
            with self._transaction() as con:
                cur = con.execute(
                    "INSERT INTO entries (created, next_attempt, masked, payload)"
                    " VALUES (?, ?, ?, ?)",
                    (now, now, masked, token),
                )
                assert cur.lastrowid is not None
                return cur.lastrowid

        entry_id = self._safely(insert)
        log.info("outbox: queued entry %d", entry_id)
        return entry_id

    def stats(self, now: float | None = None) -> Stats:
        """Counts for the staff screen; ``oldest_age_s`` is None when nothing is queued."""
        now = self._now(now)

        def count() -> outbox_counts.Counts:
            with self._connect() as con:
                return outbox_counts.count(con)

        queued, failed, oldest, quarantined = self._safely(count)
        return Stats(
            queued,
            failed,
            None if oldest is None else max(0.0, now - oldest),
            quarantined,
            len(self.set_aside()),
            len(_lost(self._read_id())),
        )

    def quarantined(self, now: float | None = None) -> builtins.list[Entry]:
        """The entries that could not be read, for staff: why in ``last_error``."""
        now = self._now(now)

        def rows() -> builtins.list[tuple[object, ...]]:
            with self._connect() as con:
                return con.execute(
                    "SELECT id, created, moved, reason, masked FROM quarantine ORDER BY id"
                ).fetchall()

        out = []
        for entry_id, created, moved, reason, masked in self._safely(rows):
            when = created if isinstance(created, int | float) else moved
            assert isinstance(entry_id, int) and isinstance(when, int | float)
            out.append(
                Entry(
                    id=entry_id,
                    created=float(when),
                    age_s=max(0.0, now - when),
                    attempts=0,
                    next_attempt=0.0,
                    state="quarantined",
                    last_error=str(reason),
                    masked=masked if isinstance(masked, str) else "?",
                )
            )
        return out

    def set_aside(self) -> builtins.list[Path]:
        """The damaged databases renamed aside in the outbox folder, oldest first."""
        prefix = DB_NAME + SET_ASIDE_INFIX
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        return sorted(
            self.folder / n
            for n in names
            if n.startswith(prefix) and not n.endswith(("-wal", "-shm", "-journal"))
        )

    # -- delivering -----------------------------------------------------------------------

    def deliver_due(self, send: Send, now: float | None = None) -> DeliveryReport:
        """Send every due entry with ``send(message, from_addr, to_addrs)``.

        Success deletes the entry. An exception with a true ``permanent`` attribute marks it
        'failed' (never retried); any other exception schedules a retry after the backoff, and
        the ``max_attempts``-th failure marks it 'failed'. An entry that cannot be decrypted
        or read is quarantined and the others are sent. Exactly once per entry in normal
        operation and across crashes, except across a crash during the server's acceptance
        itself (see the module docstring and docs/outbox.md).
        """
        return self._deliver(send, self._now(now), on_schedule=True)

    def flush(self, send: Send, now: float | None = None) -> DeliveryReport:
        """Send every queued entry now, whatever its next attempt time (staff: "send now")."""
        return self._deliver(send, self._now(now), on_schedule=False)

    def deliver_entry(self, entry_id: int, send: Send, now: float | None = None) -> DeliveryReport:
        """Send this one entry now (a patient's email, just queued): the others keep their
        own schedule and their tries are not spent on it."""
        return self._deliver(send, self._now(now), on_schedule=False, only=entry_id)

    def purge(self, max_age_s: float, now: float | None = None) -> int:
        """Delete entries (queued, failed or quarantined) older than ``max_age_s``, and damaged
        databases set aside longer ago than that; returns how many entries.

        Patient data must not wait on disk forever for a mail server that never comes back.
        """
        now = self._now(now)
        cutoff = now - max_age_s

        def delete() -> int:
            with self._transaction() as con:
                n = con.execute("DELETE FROM entries WHERE created < ?", (cutoff,)).rowcount
                n += con.execute(
                    "DELETE FROM quarantine WHERE (CASE WHEN typeof(created) IN"
                    " ('real', 'integer') THEN created ELSE moved END) < ?",
                    (cutoff,),
                ).rowcount
            return int(n)

        n = self._safely(delete)
        if n:
            self._checkpoint()
            log.info("outbox: purged %d entries", n)
        remembered = self._read_id()
        lost = _lost(remembered)
        if any(t < cutoff for t in lost):  # staff have been told for as long as mail is kept
            self._safely(
                lambda: self._write_id({**remembered, "lost": [t for t in lost if t >= cutoff]})
            )
        for path in self.set_aside():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                        part.unlink(missing_ok=True)
                    log.info(
                        "outbox: deleted %s, set aside over %g days ago",
                        path.name,
                        max_age_s / 86400,
                    )
        return n

    # -- internals: delivering ------------------------------------------------------------

    def _deliver(
        self, send: Send, now: float, *, on_schedule: bool, only: int | None = None
    ) -> DeliveryReport:
        counts = dict.fromkeys(_Outcome, 0)

        def run() -> None:
            for entry_id in self._candidates(now, on_schedule=on_schedule, only=only):
                counts[self._deliver_one(entry_id, send, now, on_schedule=on_schedule)] += 1

        try:
            self._safely(run)
        finally:
            if counts[_Outcome.SENT] or counts[_Outcome.QUARANTINED]:
                self._checkpoint()
        return DeliveryReport(
            counts[_Outcome.SENT],
            counts[_Outcome.RETRY],
            counts[_Outcome.FAILED],
            counts[_Outcome.QUARANTINED],
        )

    def _candidates(self, now: float, *, on_schedule: bool, only: int | None) -> builtins.list[int]:
        """The ids that look deliverable now; each is claimed (or found gone) as it is sent."""
        where = "WHERE state = 'queued' AND lease_until <= ?"
        params: tuple[float, ...] = (max(now, self._clock()),)
        if only is not None:
            where += " AND id = ?"
            params += (only,)
        if on_schedule:
            where += " AND next_attempt <= ?"
            params += (now,)
        with self._connect() as con:
            rows = con.execute(f"SELECT id FROM entries {where} ORDER BY created, id", params)
            return [r[0] for r in rows.fetchall()]

    def _deliver_one(self, entry_id: int, send: Send, now: float, *, on_schedule: bool) -> _Outcome:
        claimed = self._claim(entry_id, now, on_schedule=on_schedule)
        if claimed is None:
            return _Outcome.SKIPPED  # another thread or process is sending it, or it is gone
        mark = self._mark_path(entry_id)
        with _held(mark) as held:
            if not held:
                # Its lease ran out while a live deliverer is still sending it (a slow
                # server): that one finishes it. Only a dead one's entry is sent again.
                log.warning("outbox: entry %d is still being sent by another process", entry_id)
                return _Outcome.SKIPPED
            return self._send_held(entry_id, claimed, mark, send, now)

    def _send_held(
        self, entry_id: int, claimed: tuple[object, object], mark: Path, send: Send, now: float
    ) -> _Outcome:
        """Send a claimed entry whose mark this process holds (``_held``)."""
        attempts, token = claimed
        state = _read_mark(mark)
        if state == _ACCEPTED:
            # The server took it before, and the process stopped before the row was removed.
            log.warning("outbox: entry %d was accepted earlier; removed, not sent again", entry_id)
            self._remove_sent(entry_id, mark)
            return _Outcome.SENT
        if not isinstance(attempts, int):
            return self._quarantine(entry_id, "garbage row: attempts is not a number", mark)
        try:
            envelope = self._decrypt(token)
        except (InvalidToken, TypeError, ValueError, KeyError) as exc:
            what = "cannot be decrypted" if isinstance(exc, InvalidToken) else "is not readable"
            return self._quarantine(entry_id, f"its message {what}", mark)
        if state == _IN_FLIGHT:
            log.warning(
                "outbox: entry %d: an earlier attempt stopped mid-send; sending it again "
                "(the server may have it twice)",
                entry_id,
            )
        _write_mark(mark)  # in flight: from here a crash is "sent or not, we cannot know"
        try:
            send(envelope.message, envelope.from_addr, list(envelope.to_addrs))
        except Exception as exc:
            mark.unlink(missing_ok=True)  # refused: not in flight any more
            if self._record_failure(entry_id, attempts + 1, exc, envelope, now):
                return _Outcome.FAILED
            return _Outcome.RETRY
        try:
            _accept_mark(mark)  # in place, no new disk space: recorded even on a full disk
        except OSError as exc:
            log.error(
                "outbox: entry %d was sent but its mark cannot be written: %s", entry_id, _why(exc)
            )
        self._remove_sent(entry_id, mark)
        log.info("outbox: sent entry %d", entry_id)
        return _Outcome.SENT

    def _claim(
        self, entry_id: int, now: float, *, on_schedule: bool
    ) -> tuple[object, object] | None:
        """Lease an entry for sending, from this moment on; its attempts and payload, or None
        if someone else holds it (or it was purged).

        The compare-and-set on ``lease_until`` is what makes delivery exactly-once when the
        kiosk's periodic delivery and a staff "flush" run at the same time. The lease counts
        from when this entry is sent, not from the start of the round: a long round must not
        let another deliverer take the entries at its end.
        """
        at = max(now, self._clock())
        sql = "UPDATE entries SET lease_until = ? WHERE id = ? AND state = 'queued'"
        sql += " AND lease_until <= ?"
        params: tuple[float, ...] = (at + self._lease_s, entry_id, at)
        if on_schedule:
            sql += " AND next_attempt <= ?"
            params += (now,)
        with self._transaction() as con:
            if con.execute(sql, params).rowcount != 1:
                return None
            attempts, token = con.execute(
                "SELECT attempts, payload FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
        return attempts, token

    def _remove_sent(self, entry_id: int, mark: Path) -> None:
        """The server has the message: delete the row, then its mark."""
        try:
            with self._transaction() as con:
                con.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                raise
            raise OutboxStorageError(
                f"outbox entry {entry_id} was delivered but cannot be removed from "
                f"{self.db_path} ({_why(exc, self.folder)}); it is recorded as sent and will not "
                "be sent again"
            ) from None
        mark.unlink(missing_ok=True)

    def _quarantine(self, entry_id: int, reason: str, mark: Path) -> _Outcome:
        """Move an unreadable entry aside: kept for staff, counted, never sent."""
        with self._transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO quarantine (id, created, moved, reason, masked, payload)"
                " SELECT id, created, ?, ?, masked, payload FROM entries WHERE id = ?",
                (self._clock(), reason, entry_id),
            )
            con.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
        mark.unlink(missing_ok=True)
        log.error(
            "outbox: entry %d quarantined: %s (the others are still delivered)", entry_id, reason
        )
        return _Outcome.QUARANTINED

    def _record_failure(
        self, entry_id: int, attempts: int, exc: Exception, envelope: Envelope, now: float
    ) -> bool:
        """Store a failed attempt; True when the entry is now 'failed' for good."""
        error = _error_text(exc, [envelope.from_addr, *envelope.to_addrs])
        permanent = bool(getattr(exc, "permanent", False))
        if permanent or attempts >= self._max_attempts:
            with self._transaction() as con:
                con.execute(
                    "UPDATE entries SET state = 'failed', attempts = ?, last_error = ?,"
                    " lease_until = 0 WHERE id = ?",
                    (attempts, error, entry_id),
                )
            why = "permanent error" if permanent else f"{attempts} attempts"
            log.warning("outbox: entry %d failed (%s): %s", entry_id, why, error)
            return True
        delay = self._backoff[min(attempts, len(self._backoff)) - 1]
        with self._transaction() as con:
            con.execute(
                "UPDATE entries SET attempts = ?, next_attempt = ?, last_error = ?,"
                " lease_until = 0 WHERE id = ?",
                (attempts, now + delay, error, entry_id),
            )
        log.warning(
            "outbox: entry %d attempt %d failed, retry in %g s: %s",
            entry_id,
            attempts,
            delay,
            error,
        )
        return False

    def _entries(self, now: float) -> builtins.list[Entry]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT id, created, attempts, next_attempt, state, last_error, masked"
                " FROM entries ORDER BY created, id"
            ).fetchall()
        out = []
        for r in rows:
            if not all(isinstance(v, int | float) for v in (r[1], r[2], r[3])):
                self._quarantine(
                    r[0], "garbage row: a time or count is not a number", self._mark_path(r[0])
                )
                continue
            out.append(
                Entry(
                    id=r[0],
                    created=r[1],
                    age_s=max(0.0, now - r[1]),
                    attempts=r[2],
                    next_attempt=r[3],
                    state=r[4],
                    last_error=r[5],
                    masked=r[6],
                )
            )
        return out

    def _decrypt(self, token: object) -> Envelope:
        """The entry's envelope; InvalidToken, TypeError, ValueError or KeyError if it is not
        one (the key was checked at start, so that is a damaged entry, not a wrong key)."""
        if not isinstance(token, bytes):
            raise TypeError("payload is not bytes")
        plain = self._key().decrypt(token)
        header, _, message = plain.partition(b"\n")
        meta = json.loads(header)
        to = meta["to"]
        if not isinstance(meta["from"], str) or not isinstance(to, builtins.list) or not to:
            raise ValueError("bad envelope")
        return Envelope(message, meta["from"], [str(a) for a in to])

    def _mark_path(self, entry_id: int) -> Path:
        """Per database (its id) and entry: a fresh database's entry 1 is not an old one's."""
        return self.folder / f"{MARK_PREFIX}{self._db_id}-{entry_id}"

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    def _key(self) -> Fernet:
        assert self._fernet is not None
        return self._fernet

    # -- internals: the files -------------------------------------------------------------

    def _safely(self, op: Callable[[], _T]) -> _T:
        """Run ``op``; a damaged database is set aside and ``op`` run once more on a fresh
        one; a full disk or an unwritable file becomes an OutboxStorageError."""
        try:
            try:
                return op()
            except sqlite3.DatabaseError as exc:
                if not _is_corrupt(exc):
                    raise
                self._set_aside(exc)
            return op()
        except sqlite3.DatabaseError as exc:
            raise OutboxStorageError(
                f"outbox database {self.db_path} cannot be used: {_why(exc, self.folder)}"
            ) from None
        except OSError as exc:
            where = exc.filename or self.folder
            raise OutboxStorageError(f"cannot use {where}: {_why(exc)}") from None

    def _open(self) -> None:
        """Make or check the folder, the database, its id and the key; clear stale marks."""
        _private_folder(self.folder)
        if self._create_key and not self.key_path.parent.is_dir():
            self.key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.db_path.exists():
            # SQLite gives the -wal and -shm files the database file's mode: make it 0600 first.
            os.close(os.open(self.db_path, os.O_WRONLY | os.O_CREAT | O_BINARY, 0o600))
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            problems = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
        _private_files(self.folder)
        self._check_identity()
        self._fernet = self._load_key()
        self._clear_stale_marks()
        self._checkpoint()  # a WAL left by a crash is folded in and emptied

    def _check_identity(self) -> None:
        """Give a new database an id, and notice one that replaced ours without our doing.

        ``outbox.id`` (outside the database) names the database this folder had. A database
        without an id while that file names one is a database that was lost (deleted,
        truncated to nothing) with whatever it held: said loudly and counted, never silent.
        Done inside a write transaction, so two processes opening at once agree.
        """
        remembered = self._read_id()
        with self._transaction() as con:
            row = con.execute("SELECT value FROM meta WHERE name = 'db_id'").fetchone()
            if row is not None:
                self._db_id = str(row[0])
                if remembered.get("db") != self._db_id:  # first run since the id file was made
                    self._write_id({**remembered, "db": self._db_id})
                return
            self._db_id = uuid.uuid4().hex
            con.execute("INSERT INTO meta (name, value) VALUES ('db_id', ?)", (self._db_id,))
            lost = _lost(remembered)
            if remembered.get("db") and remembered.get("set_aside") != remembered.get("db"):
                lost.append(self._clock())
                log.critical(
                    "outbox: the database %s was lost (missing, emptied or replaced) since the "
                    "last run; any emails queued in it are gone. A new one is in use. "
                    "(%d time(s) in the last days)",
                    self.db_path,
                    len(lost),
                )
            self._write_id({"db": self._db_id, "lost": lost})

    def _read_id(self) -> dict[str, object]:
        try:
            data = json.loads((self.folder / ID_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_id(self, data: dict[str, object]) -> None:
        atomic_write(self.folder / ID_NAME, json.dumps(data).encode("ascii"), mode=0o600)

    def _set_aside(self, exc: sqlite3.DatabaseError) -> None:
        """Rename a damaged database (and its WAL) aside, keeping it for staff; the next
        open makes a fresh one. Under a lock, and only if it is still damaged: two processes
        finding it at once set it aside once."""
        with _folder_lock(self.folder):
            aside = self._rename_damaged() if self._still_damaged() else None
        if aside is not None:
            log.critical(
                "outbox: the database %s is damaged (%s); it was renamed to %s and kept for "
                "staff, and a new one is in use. Emails queued in it are not sent.",
                self.db_path,
                _why(exc),
                aside.name,
            )
        self._open()  # a fresh database (made here, or by the process that set it aside)

    def _rename_damaged(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self._clock()))
        aside = self.folder / f"{DB_NAME}{SET_ASIDE_INFIX}{stamp}"
        n = 1
        while aside.exists():
            n += 1
            aside = self.folder / f"{DB_NAME}{SET_ASIDE_INFIX}{stamp}-{n}"
        os.replace(self.db_path, aside)
        os.utime(aside)  # kept for staff from now, however long ago it was last written
        wal = Path(f"{self.db_path}-wal")
        if wal.exists():
            os.replace(wal, f"{aside}-wal")  # SQLite finds it by that name
        Path(f"{self.db_path}-shm").unlink(missing_ok=True)
        fsync_dir(self.folder)
        remembered = self._read_id()
        self._write_id({**remembered, "set_aside": remembered.get("db", "")})
        return aside

    def _still_damaged(self) -> bool:
        if not self.db_path.exists():
            return False
        try:
            with self._connect() as con:
                return [r[0] for r in con.execute("PRAGMA quick_check").fetchall()] != ["ok"]
        except sqlite3.DatabaseError as exc:
            return _is_corrupt(exc)

    def _clear_stale_marks(self) -> None:
        """Remove mark files of other databases and of rows that are gone (the process that
        sent them stopped before it removed the mark)."""
        with self._connect() as con:
            ids = {r[0] for r in con.execute("SELECT id FROM entries").fetchall()}
        for name in os.listdir(self.folder):
            if not name.startswith(MARK_PREFIX):
                continue
            db, _, entry = name.removeprefix(MARK_PREFIX).partition("-")
            if db != self._db_id or not entry.isdigit() or int(entry) not in ids:
                (self.folder / name).unlink(missing_ok=True)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection per call: simple, and safe from any thread."""
        con = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            # Per connection, not stored in the file: survive kill -9 and power loss,
            # overwrite deleted rows with zeros, keep temporary data off the disk.
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA secure_delete=ON")
            con.execute("PRAGMA temp_store=MEMORY")
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: writers queue up on the busy timeout, never deadlock."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # a failed COMMIT rolled back already
                    con.execute("ROLLBACK")
                raise
            try:
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                raise

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so deleted rows' old page images
        (still holding ciphertext) do not linger in ``outbox.sqlite3-wal``. Best effort: a
        concurrent reader makes it a partial checkpoint, and the next one finishes the job;
        on a full disk the next one does."""
        try:
            with self._connect() as con:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError as exc:
            log.warning("outbox: WAL checkpoint deferred: %s", _why(exc))

    def _key_source(self) -> str | None:
        """'credential' or 'file': where the key that this database was last opened with
        came from (None for a database older than the record)."""
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE name = 'key_source'").fetchone()
        return row[0] if row is not None else None

    def _count_entries(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def _load_key(self) -> Fernet:
        """Read the key file, or create it if there is nothing it could have encrypted (and
        it is not a provided key).

        A missing key with entries in the database, a corrupt key file, or a key that does not
        match the database is an OutboxKeyError naming the key file: never a silent new key.
        """
        path = self.key_path
        if self._create_key and self._key_source() == "credential":
            # A shell command without the kiosk's credentials: a key made here would not
            # match the one the kiosk uses, and the emails it queues next would be lost.
            raise OutboxKeyError(
                f"this outbox's key is the systemd credential {CREDENTIAL_NAME}, which this "
                "command was not given: run it inside the kiosk's credentials (systemd-run "
                "--user -p LoadCredentialEncrypted=..., see docs/outbox.md), or from the "
                "staff panel"
            )
        if not path.exists():
            if not self._create_key:
                raise OutboxKeyError(
                    f"outbox key {path} is missing: the systemd credential {CREDENTIAL_NAME} "
                    "was not loaded (see LoadCredentialEncrypted= in the kiosk's unit and "
                    "docs/outbox.md)"
                )
            if n := self._count_entries():
                raise OutboxKeyError(
                    f"outbox key file {path} is missing, but {self.db_path} holds {n} "
                    "entries encrypted with it; restore the key file, or delete the database "
                    "to drop those emails"
                )
            try:
                _create_key_file(path)
            except OSError as exc:
                raise OutboxKeyError(
                    f"outbox key file {path} cannot be created: {_why(exc)}"
                ) from None
        if self._create_key:
            private_file(path, said=_said)
        try:
            fernet = Fernet(path.read_bytes().strip())
        except (OSError, ValueError) as exc:
            raise OutboxKeyError(
                f"outbox key file {path} is unreadable or corrupt: {_why(exc)}"
            ) from None
        self._check_key(fernet)
        return fernet

    def _check_key(self, fernet: Fernet) -> None:
        """Compare the key with the one the database was made with (a stored check token), so a
        wrong key fails at start-up, not at the first delivery; and record where the key
        came from (``_key_source``)."""
        source = "file" if self._create_key else "credential"
        with self._transaction() as con:
            row = con.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
            matches = False
            if row is not None:
                with contextlib.suppress(InvalidToken, TypeError):
                    matches = fernet.decrypt(row[0]) == _KEY_CHECK
                n = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                if not matches and n:
                    raise OutboxKeyError(
                        f"outbox key file {self.key_path} does not match {self.db_path}, which "
                        f"holds {n} entries encrypted with another key; restore the right key"
                    )
            if not matches:  # a new database, or an empty one whose key was replaced
                con.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('key_check', ?)",
                    (fernet.encrypt(_KEY_CHECK),),
                )
            known = con.execute("SELECT value FROM meta WHERE name = 'key_source'").fetchone()
            if known is None or known[0] != source:
                con.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('key_source', ?)",
                    (source,),
                )

    # Last, so the method named ``list`` does not shadow the builtin in the annotations above.
    def list(self, now: float | None = None) -> builtins.list[Entry]:
        """Every entry, queued or failed, oldest first: for staff and ``outbox list``.
        (Quarantined ones are in ``quarantined()``.)"""
        now = self._now(now)
        return self._safely(lambda: self._entries(now))


def _lost(remembered: Mapping[str, object]) -> builtins.list[float]:
    """When databases were lost, from ``outbox.id`` (none if it says nothing sensible)."""
    times = remembered.get("lost", [])
    if not isinstance(times, builtins.list):
        return []
    return [t for t in times if isinstance(t, int | float)]


def _read_mark(path: Path) -> bytes | None:
    try:
        return path.read_bytes()[:1] or None  # empty: held (``_held``), never written
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _held(mark: Path) -> Iterator[bool]:
    """Hold an entry's mark file (an exclusive ``flock`` on it, made if need be) while it is
    sent: True, or False when a live process holds it. The kernel lets go when the process
    ends, however it ends, so a held mark is a sender alive, and a mark no one holds is
    one whose sender died. (Windows: no lock; the lease alone decides.)"""
    if fcntl is None:
        yield True
        return
    fd = os.open(mark, os.O_RDWR | os.O_CREAT | O_BINARY, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _write_mark(path: Path) -> None:
    """The entry is in flight: a one-byte file, on the disk before the message leaves."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_BINARY, 0o600)
    try:
        os.write(fd, _IN_FLIGHT)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def _accept_mark(path: Path) -> None:
    """The server accepted it: the mark's one byte overwritten in place. No new block is
    needed, so this works on a full disk (on a copy-on-write file system it may not)."""
    fd = os.open(path, os.O_WRONLY | O_BINARY)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, _ACCEPTED)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder/outbox.lock`` (POSIX ``flock``; Windows: none, and the
    second of two processes that set a damaged database aside at once finds it fresh)."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder / "outbox.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _said(path: Path, mode: int) -> None:
    log.warning("outbox: %s was mode %o; made it private", path, mode)


def _private_folder(path: Path) -> None:
    """The folder exists and is 0700 (only the kiosk's user), whatever mode a stale one had."""
    private_dir(path, said=_said)


def _private_files(folder: Path) -> None:
    """Every file in the outbox folder is 0600: the database, its -wal and -shm, the key, the
    id, the damaged copies set aside, whatever stale mode they were found with."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            private_file(Path(entry.path), said=_said)


def _create_key_file(path: Path) -> None:
    """Write a new Fernet key to ``path`` atomically, 0600 from the first byte.

    ``atomic_write(..., exclusive=True)`` links the finished file into place, which fails if
    ``path`` exists: two processes starting at once agree on one key, and no one ever reads a
    half-written key file.
    """
    with contextlib.suppress(FileExistsError):  # another process made it first; use theirs
        atomic_write(path, Fernet.generate_key(), mode=0o600, exclusive=True)
