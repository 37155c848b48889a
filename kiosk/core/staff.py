"""The staff PIN: a salted argon2id hash, and the lockout of the staff PIN pad.

The PIN itself is never stored, logged or put in an error message. ``hash_pin`` returns one
line that carries everything ``verify_pin`` needs::

    pin6$argon2id$v=19$m=65536,t=6,p=4$<salt, base64>$<hash, base64>

- ``pin6`` says the PIN has at least 6 digits (kiosk-grade); ``pin4`` says it has 4 or 5.
  The hash cannot tell how long the PIN was, and a fullscreen kiosk takes only a PIN of at
  least 6 digits, so the length class is recorded with the hash (the exact length is not:
  it would narrow a search). A shorter PIN still opens a windowed kiosk (the demo's is 2468).
- The rest is argon2's own encoding (argon2-cffi), cost included, so the cost can be raised
  later without breaking PINs already set. ``DEFAULT_COST`` takes 0.3 to 0.4 s per check on
  the 2-core machine this was measured on: all 10^6 six-digit PINs take about 4 days of
  that machine per stolen PIN file, and 64 MiB a try keeps graphics cards from doing much
  better. The comparison is argon2's own (constant time).
- Hashes of older versions (``scrypt$...``, at a cost that let every 4-digit PIN be tried in
  minutes) are refused with a plain message to set the PIN again: they are not trusted to
  stand in for a new PIN, and re-hashing would need the kiosk to write the PIN file.

``PinLock`` is the pad's lockout: after ``max_failures`` wrong PINs in a row it refuses every
PIN, the right one too, for ``lock_s`` seconds, without even checking it. Given a
``LockStore`` it keeps its state there (``kiosk.services.staff_pin``: a small 0600 file), so
a restart, or a crash a thief provokes, does not give five more tries.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple, Protocol

import argon2
from argon2 import low_level

PIN_MIN_DIGITS = 4
#: What a fullscreen kiosk (``[kiosk] fullscreen = true``) needs.
KIOSK_MIN_DIGITS = 6
PIN_MAX_DIGITS = 12

#: The length class of a stored PIN: at least ``KIOSK_MIN_DIGITS`` digits, or fewer.
KIOSK_GRADE = "pin6"
SHORT = "pin4"

SALT_BYTES = 16
HASH_BYTES = 32

SET_AGAIN = "set it again with `botox-kiosk set-staff-pin`"


class Cost(NamedTuple):
    """argon2id's cost: passes over the memory, the memory (KiB) and the lanes."""

    time_cost: int = 6
    memory_kib: int = 64 * 1024
    parallelism: int = 4


#: 0.3 to 0.4 s per check where measured (a shared 2-core VM; see the module's docstring).
DEFAULT_COST = Cost()
#: The most a stored hash may ask for: a hand-edited file must not make every PIN check
#: allocate gigabytes or run for minutes.
MAX_COST = Cost(time_cost=64, memory_kib=1024 * 1024, parallelism=64)

_PIN_RE = re.compile(rf"[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}")


def check_pin_format(pin: str, *, kiosk_mode: bool = False) -> str | None:
    """None when ``pin`` is 4 to 12 digits (0-9), at least 6 for a fullscreen kiosk
    (``kiosk_mode``), else why not, in plain English. The reason never repeats the PIN."""
    shortest = KIOSK_MIN_DIGITS if kiosk_mode else PIN_MIN_DIGITS
    if _PIN_RE.fullmatch(pin) and len(pin) >= shortest:
        return None
    if not pin:
        return f"The PIN is empty: enter {shortest} to {PIN_MAX_DIGITS} digits."
    if not all(c in "0123456789" for c in pin):
        return "The PIN may contain only the digits 0 to 9."
    if len(pin) < shortest:
        if kiosk_mode:
            return f"The PIN is too short for a fullscreen kiosk: use at least {shortest} digits."
        return f"The PIN is too short: use at least {shortest} digits."
    return f"The PIN is too long: use at most {PIN_MAX_DIGITS} digits."


def hash_pin(pin: str, *, cost: Cost = DEFAULT_COST, salt: bytes | None = None) -> str:
    """The stored form of ``pin``: its length class and its salted argon2id hash.

    ``salt`` defaults to 16 random bytes; pass one only in tests. Lower ``cost`` only in
    tests. Raises ValueError when the PIN is not 4 to 12 digits (the message is
    ``check_pin_format``'s reason) or the cost or salt is unusable.
    """
    reason = check_pin_format(pin)
    if reason is not None:
        raise ValueError(reason)
    _check_cost(cost)
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    elif len(salt) < 8:
        raise ValueError("the salt must be at least 8 bytes")
    encoded = low_level.hash_secret(
        pin.encode("ascii"),
        salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=HASH_BYTES,
        type=low_level.Type.ID,
    ).decode("ascii")
    grade = KIOSK_GRADE if len(pin) >= KIOSK_MIN_DIGITS else SHORT
    return grade + encoded


def _check_cost(cost: Cost) -> None:
    if cost.time_cost < 1 or cost.parallelism < 1 or cost.memory_kib < 8 * cost.parallelism:
        raise ValueError("argon2 cost: time and lanes at least 1, memory at least 8 KiB a lane")
    if any(have > most for have, most in zip(cost, MAX_COST, strict=True)):
        raise ValueError("argon2 cost asks for too much memory or time")


class StoredPin(NamedTuple):
    """A stored PIN, read: whether it is kiosk-grade, argon2's encoding, and its cost."""

    kiosk_grade: bool
    encoded: str
    cost: Cost


def read_stored(stored: str) -> StoredPin:
    """The parts of a stored PIN. Raises ValueError with a plain message that names the
    problem, never the content."""
    text = stored.strip()
    if text.startswith("scrypt$"):
        raise ValueError(
            "the staff PIN was stored by an older version of the kiosk (scrypt), which is "
            f"too quick to guess: {SET_AGAIN}"
        )
    grade, sep, rest = text.partition("$")
    if not sep or grade not in (KIOSK_GRADE, SHORT) or not rest.startswith("argon2id$"):
        raise ValueError(f"stored staff PIN hash is malformed: expected {KIOSK_GRADE}$argon2id$…")
    encoded = "$" + rest
    try:
        params = argon2.extract_parameters(encoded)
        salt_b64, digest_b64 = encoded.rsplit("$", 2)[1:]
        salt = base64.b64decode(salt_b64 + "=" * (-len(salt_b64) % 4), validate=True)
        digest = base64.b64decode(digest_b64 + "=" * (-len(digest_b64) % 4), validate=True)
    except (argon2.exceptions.InvalidHashError, ValueError):
        raise ValueError(f"stored staff PIN hash is malformed ({SET_AGAIN})") from None
    cost = Cost(params.time_cost, params.memory_cost, params.parallelism)
    try:
        _check_cost(cost)
    except ValueError as e:
        raise ValueError(f"stored staff PIN hash is malformed: {e}") from None
    if params.version != 19 or len(salt) < 8 or len(digest) < 16:
        raise ValueError("stored staff PIN hash is malformed: salt or hash is missing or short")
    return StoredPin(grade == KIOSK_GRADE, encoded, cost)


def stored_pin_problem(stored: str, *, kiosk_mode: bool) -> str | None:
    """Why the PIN pad cannot use ``stored``, in plain English, or None. Cheap (no hashing):
    for ``check-config`` and the pad."""
    try:
        _usable(stored, kiosk_mode=kiosk_mode)
    except ValueError as e:
        return str(e)
    return None


def _usable(stored: str, *, kiosk_mode: bool) -> StoredPin:
    pin = read_stored(stored)
    if kiosk_mode and not pin.kiosk_grade:
        raise ValueError(
            f"the staff PIN is shorter than {KIOSK_MIN_DIGITS} digits, too short for a "
            f"fullscreen kiosk: {SET_AGAIN}"
        )
    return pin


def verify_pin(pin: str, stored: str, *, kiosk_mode: bool = False) -> bool:
    """Whether ``pin`` matches ``stored`` (from ``hash_pin``), by argon2's own constant-time
    comparison. A PIN of the wrong format is simply wrong (False), after the same work.

    Raises ValueError with a plain message when ``stored`` is not a hash this version wrote,
    or when ``kiosk_mode`` and the stored PIN is shorter than a fullscreen kiosk needs.
    """
    encoded = _usable(stored, kiosk_mode=kiosk_mode).encoded
    try:
        return low_level.verify_secret(
            encoded.encode("ascii"), pin.encode("utf-8"), low_level.Type.ID
        )
    except argon2.exceptions.VerificationError:  # a mismatch among them
        return False


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


class Attempt(NamedTuple):
    """What the PIN pad should say after a try.

    ``failures_left``: wrong PINs still allowed before the lock (meaningful for WRONG).
    ``locked_s``: seconds until the pad accepts PINs again (meaningful for LOCKED).
    """

    outcome: Outcome
    failures_left: int = 0
    locked_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


class LockState(NamedTuple):
    """What ``PinLock`` keeps between runs: wrong PINs in a row, and the end of the lock
    (wall-clock seconds, ``time.time``), if one is on."""

    failures: int = 0
    locked_until: float | None = None


class LockStore(Protocol):
    """Where ``PinLock`` keeps its state (``kiosk.services.staff_pin.LockFile``)."""

    def load(self) -> LockState | None:
        """The state kept; a fresh ``LockState()`` when none is; None when what is kept
        cannot be read (the lock then fails safe: locked)."""
        ...

    def save(self, state: LockState) -> None:
        """Keep ``state``. Never raises: a failure is logged, and the lock holds in memory."""
        ...


class PinLock:
    """Lockout for the staff PIN pad.

    - A right PIN: OK, and the failure count goes back to zero.
    - A wrong PIN: WRONG with the failures left; the ``max_failures``-th wrong PIN in a row
      starts the lock and returns LOCKED with ``lock_s`` seconds remaining.
    - While locked, every PIN, the right one too, is LOCKED without being checked at all, so
      neither the answer nor the time it takes reveals anything. Tries during the lock do not
      extend it.
    - When the lock ends the count starts again from zero.
    - With a ``store``, the state is read at start and written at every change, so a restart
      keeps the count and the lock. A state that cannot be read starts a full lock (and is
      then replaced): failing open would hand five fresh tries to whoever broke it. A lock is
      never longer than ``lock_s`` from now, even when the wall clock was turned back.
    - ``kiosk_mode``: a fullscreen kiosk, where a stored PIN shorter than 6 digits is refused
      (ValueError from ``verify_pin``).

    A malformed ``stored`` hash raises ValueError from ``verify_pin`` and counts as no try.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_failures: int = 5,
        lock_s: float = 300.0,
        store: LockStore | None = None,
        kiosk_mode: bool = False,
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if lock_s < 0:
            raise ValueError("lock_s must not be negative")
        self._clock = clock
        self.max_failures = max_failures
        self.lock_s = float(lock_s)
        self.kiosk_mode = kiosk_mode
        self._store = store
        self._failures = 0
        self._locked_until: float | None = None
        if store is not None:
            self._restore(store.load())

    def _restore(self, state: LockState | None) -> None:
        now = self._clock()
        if state is None:  # unreadable: fail safe, and write a sound state over it
            self._failures, self._locked_until = self.max_failures, now + self.lock_s
            self._save()
            return
        self._failures = min(max(state.failures, 0), self.max_failures)
        if state.locked_until is not None:
            self._locked_until = min(state.locked_until, now + self.lock_s)
        elif self._failures >= self.max_failures:  # counted to the end, lock not recorded
            self._locked_until = now + self.lock_s

    def _save(self) -> None:
        if self._store is not None:
            self._store.save(LockState(self._failures, self._locked_until))

    def _expire(self, now: float) -> None:
        if self._locked_until is not None and now >= self._locked_until:
            self._locked_until = None
            self._failures = 0
            self._save()

    def locked_for(self, now: float | None = None) -> float:
        """Seconds until the pad accepts PINs again; 0 when it is not locked."""
        if now is None:
            now = self._clock()
        self._expire(now)
        if self._locked_until is None:
            return 0.0
        return min(self._locked_until - now, self.lock_s)

    @property
    def failures(self) -> int:
        """Wrong PINs in a row so far (0 again once a lock has ended)."""
        self._expire(self._clock())
        return self._failures

    @property
    def failures_left(self) -> int:
        """Wrong PINs still allowed before the lock; 0 while locked."""
        return self.max_failures - self.failures

    def try_pin(self, pin: str, stored: str) -> Attempt:
        """``refused()``, else the check and its ``record``: in one call (the pad runs the
        slow check on a worker thread between the two instead)."""
        locked = self.refused()
        if locked is not None:
            return locked
        # Module-level lookup on purpose: tests replace verify_pin to prove it is not called
        # during a lock.
        return self.record(self.check(pin, stored))

    def check(self, pin: str, stored: str) -> bool:
        """The slow hash check alone (no state: safe on a worker thread). ValueError for a
        stored hash that cannot be used."""
        return verify_pin(pin, stored, kiosk_mode=self.kiosk_mode)

    def refused(self) -> Attempt | None:
        """A LOCKED attempt while the lock lasts (then no PIN may be checked at all), else
        None."""
        remaining = self.locked_for()
        return Attempt(Outcome.LOCKED, 0, remaining) if remaining > 0 else None

    def record(self, right: bool) -> Attempt:
        """Count the outcome of a check that ``refused()`` allowed."""
        now = self._clock()
        if right:
            if self._failures:
                self._failures = 0
                self._save()
            return Attempt(Outcome.OK, self.max_failures, 0.0)
        self._failures += 1
        if self._failures >= self.max_failures:
            self._locked_until = now + self.lock_s
            self._save()
            return Attempt(Outcome.LOCKED, 0, self.lock_s)
        self._save()
        return Attempt(Outcome.WRONG, self.max_failures - self._failures, 0.0)
