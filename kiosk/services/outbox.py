"""The durable email outbox: a patient's summary email waits here, encrypted, until it is sent.

Why it exists: the mail server may be down when the patient taps "email"; the patient is gone a
minute later, so the kiosk must keep the message and retry on its own. The design brief allows
patient data on disk only as "the encrypted outbox entry needed to deliver an email, deleted
once delivered", which shapes everything here:

- One SQLite database (``outbox.sqlite3``, WAL, ``synchronous=FULL``): a committed entry
  survives a crash or a kill -9 of the kiosk.
- The message, its sender and its recipients are encrypted with Fernet (AES-128-CBC +
  HMAC-SHA256) under a key kept in a separate file (``outbox.key``, mode 0600, created once).
  In clear there is only what staff need to see and the scheduler needs to run: id, times,
  attempts, state, a staff-facing last error (addresses scrubbed) and a masked address
  (``p***@e***.com``).
- A delivered entry is deleted with ``secure_delete`` on and the WAL is checkpointed and
  truncated afterwards, so not even the ciphertext is left readable in the database files.
  (What a file system or an SSD keeps of blocks SQLite overwrote is out of our reach; that
  residue is ciphertext, and the key lives in another file.)

Delivery semantics: exactly once per entry in normal operation, including several processes
(the kiosk's periodic ``outbox deliver``, a patient's ``email-job`` and a staff ``outbox
flush``) delivering at the same time, because an entry is leased before it is sent. It is
*at least once* across a crash: if the kiosk dies after the mail server accepted a message
but before its row was deleted, the entry is sent again once its lease runs out. SMTP gives
no way to ask "did you get message X?", so a rare duplicate is the price of never losing a
message.

Pure Python (sqlite3 + cryptography), no Qt: the kiosk uses it in child processes (the
``email-job`` and ``outbox`` commands), never on the UI thread. Each call opens its own
short-lived SQLite connection, which makes the class safe to share between threads without a
lock of its own.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
import os
import re
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken

from kiosk.services.files import atomic_write

log = logging.getLogger("kiosk.outbox")

DB_NAME = "outbox.sqlite3"
KEY_NAME = "outbox.key"
LAST_ERROR_MAX = 200
DEFAULT_BACKOFF_S: tuple[float, ...] = (30, 60, 120, 300, 600, 1800, 3600)

Send = Callable[[bytes, str, list[str]], None]
"""Deliver one message: ``send(message, from_addr, to_addrs)``; raise on failure. An exception
with a true ``permanent`` attribute (as ``kiosk.services.mail.SendError`` has) is never retried.
"""

_BUSY_TIMEOUT_S = 10.0
_PAYLOAD_VERSION = 1
_KEY_CHECK = b"botox-kiosk outbox key check"
_EMAILISH = re.compile(r"[^\s<>()\[\],;:\"'`]+@[^\s<>()\[\],;:\"'`]+")

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
"""


class OutboxKeyError(Exception):
    """The outbox key file is missing, corrupt or does not match the database.

    The message names the key file, so clinic IT knows what to restore. The outbox refuses to
    run rather than silently making a new key, which would orphan the queued emails.
    """


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
    state: str  # 'queued' | 'failed'
    last_error: str | None
    masked: str


class Stats(NamedTuple):
    queued: int
    failed: int
    oldest_age_s: float | None
    """Age of the oldest *queued* entry (the one a working mail server should have sent)."""


class DeliveryReport(NamedTuple):
    sent: int
    retry: int
    failed: int


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


class Outbox:
    """Encrypted, durable queue of emails to send, with retries and backoff.

    ``folder`` holds ``outbox.sqlite3``; the key is ``folder/outbox.key`` unless ``key_path``
    puts it elsewhere (for example on a different volume than the database backups).
    ``clock`` is injectable so tests never sleep. An entry is tried ``max_attempts`` times, the
    n-th retry ``backoff_s[n-1]`` seconds after the n-th failure (the last value repeats), then
    it is 'failed'. ``lease_s`` is how long an entry being sent is hidden from other
    deliverers; it must exceed the longest a send can take.
    """

    def __init__(
        self,
        folder: Path,
        *,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 8,
        backoff_s: Sequence[float] = DEFAULT_BACKOFF_S,
        key_path: Path | None = None,
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
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = tuple(float(b) for b in backoff_s)
        self._lease_s = float(lease_s)

        _private_dir(self.folder)
        _private_dir(self.key_path.parent)
        if not self.db_path.exists():
            # SQLite gives the -wal and -shm files the database file's mode: make it 0600 first.
            os.close(os.open(self.db_path, os.O_WRONLY | os.O_CREAT | _O_BINARY, 0o600))
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
        self._fernet = self._load_key()
        self._checkpoint()  # a WAL left by a crash is folded in and emptied

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
        token = self._fernet.encrypt(header.encode("ascii") + b"\n" + bytes(message))
        masked = ", ".join(mask_address(a) for a in to_addrs)
        now = self._clock()
        with self._transaction() as con:
            cur = con.execute(
                "INSERT INTO entries (created, next_attempt, masked, payload) VALUES (?, ?, ?, ?)",
                (now, now, masked, token),
            )
            entry_id = cur.lastrowid
        assert entry_id is not None
        log.info("outbox: queued entry %d", entry_id)
        return entry_id

    def stats(self, now: float | None = None) -> Stats:
        """Counts for the staff screen; ``oldest_age_s`` is None when nothing is queued."""
        now = self._now(now)
        with self._connect() as con:
            queued, failed, oldest = con.execute(
                "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'failed'), 0),"
                " MIN(CASE WHEN state = 'queued' THEN created END) FROM entries"
            ).fetchone()
        return Stats(int(queued), int(failed), None if oldest is None else max(0.0, now - oldest))

    # -- delivering -----------------------------------------------------------------------

    def deliver_due(self, send: Send, now: float | None = None) -> DeliveryReport:
        """Send every due entry with ``send(message, from_addr, to_addrs)``.

        Success deletes the entry. An exception with a true ``permanent`` attribute marks it
        'failed' (never retried); any other exception schedules a retry after the backoff, and
        the ``max_attempts``-th failure marks it 'failed'. Exactly once per entry in normal
        operation; at least once across a crash between the server's "250 OK" and the delete
        (see the module docstring). Raises OutboxKeyError, before sending anything, if an entry
        cannot be decrypted.
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
        """Delete entries (queued or failed) older than ``max_age_s``; returns how many.

        Patient data must not wait on disk forever for a mail server that never comes back.
        """
        now = self._now(now)
        with self._transaction() as con:
            n = con.execute("DELETE FROM entries WHERE created < ?", (now - max_age_s,)).rowcount
        if n:
            self._checkpoint()
            log.info("outbox: purged %d entries", n)
        return n

    # -- internals ------------------------------------------------------------------------

    def _deliver(
        self, send: Send, now: float, *, on_schedule: bool, only: int | None = None
    ) -> DeliveryReport:
        where = "WHERE state = 'queued' AND lease_until <= ?"
        params: tuple[float, ...] = (now,)
        if only is not None:
            where += " AND id = ?"
            params += (only,)
        if on_schedule:
            where += " AND next_attempt <= ?"
            params += (now,)
        with self._connect() as con:
            rows = con.execute(
                f"SELECT id, attempts, payload FROM entries {where} ORDER BY created, id", params
            ).fetchall()
        # Decrypt all first: a wrong key stops the run before anything is sent.
        batch = [
            (entry_id, attempts, self._decrypt(entry_id, token))
            for entry_id, attempts, token in rows
        ]
        sent = retry = failed = 0
        try:
            for entry_id, attempts, envelope in batch:
                if not self._claim(entry_id, now, on_schedule=on_schedule):
                    continue  # another thread or process is sending it, or it is gone
                try:
                    send(envelope.message, envelope.from_addr, list(envelope.to_addrs))
                except Exception as exc:
                    if self._record_failure(entry_id, attempts + 1, exc, envelope, now):
                        failed += 1
                    else:
                        retry += 1
                else:
                    # The at-least-once window: a crash right here resends after the lease.
                    with self._transaction() as con:
                        con.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
                    sent += 1
                    log.info("outbox: sent entry %d", entry_id)
        finally:
            if sent:
                self._checkpoint()
        return DeliveryReport(sent, retry, failed)

    def _claim(self, entry_id: int, now: float, *, on_schedule: bool) -> bool:
        """Lease an entry for sending; False if someone else holds it (or it was purged).

        The compare-and-set on ``lease_until`` is what makes delivery exactly-once when the
        kiosk's periodic delivery and a staff "flush" run at the same time.
        """
        sql = "UPDATE entries SET lease_until = ? WHERE id = ? AND state = 'queued'"
        sql += " AND lease_until <= ?"
        params: tuple[float, ...] = (now + self._lease_s, entry_id, now)
        if on_schedule:
            sql += " AND next_attempt <= ?"
            params += (now,)
        with self._transaction() as con:
            return con.execute(sql, params).rowcount == 1

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
        return [
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
            for r in rows
        ]

    def _decrypt(self, entry_id: int, token: bytes) -> Envelope:
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            raise OutboxKeyError(
                f"outbox entry {entry_id} in {self.db_path} cannot be decrypted with the key "
                f"file {self.key_path}: wrong key, or the entry is corrupt"
            ) from None
        header, _, message = plain.partition(b"\n")
        meta = json.loads(header)
        return Envelope(message, meta["from"], list(meta["to"]))

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

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
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so deleted rows' old page images
        (still holding ciphertext) do not linger in ``outbox.sqlite3-wal``. Best effort: a
        concurrent reader makes it a partial checkpoint, and the next one finishes the job."""
        with self._connect() as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _count_entries(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def _load_key(self) -> Fernet:
        """Read the key file, or create it if there is nothing it could have encrypted.

        A missing key with entries in the database, a corrupt key file, or a key that does not
        match the database is an OutboxKeyError naming the key file: never a silent new key.
        """
        path = self.key_path
        if not path.exists():
            if n := self._count_entries():
                raise OutboxKeyError(
                    f"outbox key file {path} is missing, but {self.db_path} holds {n} "
                    "entries encrypted with it; restore the key file, or delete the database "
                    "to drop those emails"
                )
            _create_key_file(path)
        _tighten_mode(path)
        try:
            fernet = Fernet(path.read_bytes().strip())
        except (OSError, ValueError) as exc:
            raise OutboxKeyError(f"outbox key file {path} is unreadable or corrupt: {exc}") from exc
        self._check_key(fernet)
        return fernet

    def _check_key(self, fernet: Fernet) -> None:
        """Compare the key with the one the database was made with (a stored check token), so a
        wrong key fails at start-up, not at the first delivery."""
        with self._transaction() as con:
            row = con.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
            if row is not None:
                try:
                    if fernet.decrypt(row[0]) == _KEY_CHECK:
                        return
                except InvalidToken:
                    pass
                n = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                if n:
                    raise OutboxKeyError(
                        f"outbox key file {self.key_path} does not match {self.db_path}, which "
                        f"holds {n} entries encrypted with another key; restore the right key"
                    )
            # New database, or an empty one whose key was replaced: nothing to lose.
            con.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('key_check', ?)",
                (fernet.encrypt(_KEY_CHECK),),
            )

    # Last, so the method named ``list`` does not shadow the builtin in the annotations above.
    def list(self, now: float | None = None) -> builtins.list[Entry]:
        """Every entry, queued or failed, oldest first: for staff and ``outbox list``."""
        return self._entries(self._now(now))


_O_BINARY: int = getattr(os, "O_BINARY", 0)


def _private_dir(path: Path) -> None:
    """Create a missing folder as 0700 (only the kiosk's user); leave an existing one alone."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _tighten_mode(path: Path) -> None:
    """A key file others can read is fixed to 0600 (POSIX), and said so in the log."""
    if sys.platform == "win32":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
        log.warning("outbox: key file %s was mode %o; set it to 0600", path, mode)


def _create_key_file(path: Path) -> None:
    """Write a new Fernet key to ``path`` atomically, 0600 from the first byte.

    ``atomic_write(..., exclusive=True)`` links the finished file into place, which fails if
    ``path`` exists: two processes starting at once agree on one key, and no one ever reads a
    half-written key file.
    """
    with contextlib.suppress(FileExistsError):  # another process made it first; use theirs
        atomic_write(path, Fernet.generate_key(), mode=0o600, exclusive=True)
