"""The staff PIN: a salted scrypt hash, and the lockout of the staff PIN pad.

The PIN itself is never stored, logged or put in an error message. ``hash_pin`` returns a
self-describing string that carries everything ``verify_pin`` needs::

    scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>

so the cost can be raised later without breaking PINs already set.

``PinLock`` is the pad's lockout: after ``max_failures`` wrong PINs in a row it refuses every
PIN, the right one too, for ``lock_s`` seconds, without even checking it. Its state lives in
memory only: restarting the kiosk clears the failure count and any lock. That is deliberate
(nothing about staff attempts is written to disk) and acceptable because restarting the kiosk
already needs access to the machine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12

SCHEME = "scrypt"
DEFAULT_N = 2**14
DEFAULT_R = 8
DEFAULT_P = 1
DKLEN = 32
SALT_BYTES = 16
#: The most memory a stored hash may ask scrypt for (about 128 * r * n bytes). Guards against
#: a hand-edited config that would make every PIN check allocate gigabytes.
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024

_PIN_RE = re.compile(rf"[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}")


def check_pin_format(pin: str) -> str | None:
    """None when ``pin`` is 4 to 12 digits (0-9), else why not, in plain English.

    The reason never repeats the PIN.
    """
    if _PIN_RE.fullmatch(pin):
        return None
    if not pin:
        return "The PIN is empty: enter 4 to 12 digits."
    if not all(c in "0123456789" for c in pin):
        return "The PIN may contain only the digits 0 to 9."
    if len(pin) < PIN_MIN_DIGITS:
        return f"The PIN is too short: use at least {PIN_MIN_DIGITS} digits."
    return f"The PIN is too long: use at most {PIN_MAX_DIGITS} digits."


def _check_cost(n: int, r: int, p: int) -> None:
    if n < 2 or n & (n - 1):
        raise ValueError("scrypt cost n must be a power of two, at least 2")
    if r < 1 or p < 1:
        raise ValueError("scrypt parameters r and p must be at least 1")
    if _memory_needed(n, r, p) > MAX_SCRYPT_MEMORY:
        raise ValueError("scrypt parameters ask for too much memory")


def _memory_needed(n: int, r: int, p: int) -> int:
    # What OpenSSL checks against maxmem: 128*r*(n+2) for V plus 128*r*p for B.
    return 128 * r * (n + 2) + 128 * r * p


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=dklen,
        maxmem=_memory_needed(n, r, p) + 1024 * 1024,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = DEFAULT_N) -> str:
    """A salted scrypt hash of ``pin``, as ``scrypt$n$r$p$<salt b64>$<hash b64>``.

    ``salt`` defaults to 16 random bytes from ``os.urandom``; pass one only in tests. ``n`` is
    the scrypt cost (a power of two); lower it only in tests. Raises ValueError when the PIN is
    not 4 to 12 digits (the message is ``check_pin_format``'s reason) or ``n`` is unusable.
    """
    reason = check_pin_format(pin)
    if reason is not None:
        raise ValueError(reason)
    _check_cost(n, DEFAULT_R, DEFAULT_P)
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    elif not salt:
        raise ValueError("the salt must not be empty")
    digest = _scrypt(pin, salt, n, DEFAULT_R, DEFAULT_P, DKLEN)
    return f"{SCHEME}${n}${DEFAULT_R}${DEFAULT_P}${_b64(salt)}${_b64(digest)}"


class _Stored(NamedTuple):
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def _parse(stored: str) -> _Stored:
    """The parts of a stored hash. Error messages name the problem, never the content."""
    parts = stored.strip().split("$")
    if len(parts) != 6:
        raise ValueError(
            "stored staff PIN hash is malformed: expected scrypt$n$r$p$salt$hash "
            "(set it again with `botox-kiosk set-staff-pin`)"
        )
    scheme, n_s, r_s, p_s, salt_s, digest_s = parts
    if scheme != SCHEME:
        raise ValueError("stored staff PIN hash is malformed: it is not an scrypt hash")
    # int() alone would accept " 8", "+8" and "8_0"; only plain digits are a valid cost.
    if not all(s.isascii() and s.isdigit() and len(s) <= 10 for s in (n_s, r_s, p_s)):
        raise ValueError("stored staff PIN hash is malformed: n, r and p must be whole numbers")
    n, r, p = int(n_s), int(r_s), int(p_s)
    try:
        _check_cost(n, r, p)
    except ValueError as e:
        raise ValueError(f"stored staff PIN hash is malformed: {e}") from None
    try:
        salt = base64.b64decode(salt_s, validate=True)
        digest = base64.b64decode(digest_s, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            "stored staff PIN hash is malformed: salt or hash is not valid base64"
        ) from None
    if not salt or len(digest) < 16:
        raise ValueError("stored staff PIN hash is malformed: salt or hash is missing or short")
    return _Stored(n, r, p, salt, digest)


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches ``stored`` (from ``hash_pin``), compared in constant time.

    Raises ValueError with a plain message when ``stored`` is not a hash this module wrote.
    A PIN of the wrong format is simply wrong (False), after the same scrypt work.
    """
    s = _parse(stored)
    candidate = _scrypt(pin, s.salt, s.n, s.r, s.p, len(s.digest))
    return hmac.compare_digest(candidate, s.digest)


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


class PinLock:
    """Lockout for the staff PIN pad, in memory only (a restart clears it).

    - A right PIN: OK, and the failure count goes back to zero.
    - A wrong PIN: WRONG with the failures left; the ``max_failures``-th wrong PIN in a row
      starts the lock and returns LOCKED with ``lock_s`` seconds remaining.
    - While locked, every PIN, the right one too, is LOCKED without being checked at all, so
      neither the answer nor the time it takes reveals anything. Tries during the lock do not
      extend it.
    - When the lock ends the count starts again from zero.

    A malformed ``stored`` hash raises ValueError from ``verify_pin`` and counts as no try.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_failures: int = 5,
        lock_s: float = 300.0,
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if lock_s < 0:
            raise ValueError("lock_s must not be negative")
        self._clock = clock
        self.max_failures = max_failures
        self.lock_s = float(lock_s)
        self._failures = 0
        self._locked_until: float | None = None

    def _expire(self, now: float) -> None:
        if self._locked_until is not None and now >= self._locked_until:
            self._locked_until = None
            self._failures = 0

    def locked_for(self, now: float | None = None) -> float:
        """Seconds until the pad accepts PINs again; 0 when it is not locked."""
        if now is None:
            now = self._clock()
        self._expire(now)
        if self._locked_until is None:
            return 0.0
        return self._locked_until - now

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
        now = self._clock()
        remaining = self.locked_for(now)
        if remaining > 0:
            return Attempt(Outcome.LOCKED, 0, remaining)
        # Module-level lookup on purpose: tests replace verify_pin to prove it is not called
        # during a lock.
        if verify_pin(pin, stored):
            self._failures = 0
            return Attempt(Outcome.OK, self.max_failures, 0.0)
        self._failures += 1
        if self._failures >= self.max_failures:
            self._locked_until = now + self.lock_s
            return Attempt(Outcome.LOCKED, 0, self.lock_s)
        return Attempt(Outcome.WRONG, self.max_failures - self._failures, 0.0)
