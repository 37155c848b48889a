"""The staff PIN: salted scrypt hashes, the format rule and the lockout of the PIN pad.

Real scrypt at the default cost takes tens of milliseconds, so only the round trip uses it;
everything else hashes with a low ``n``. The lockout runs on a fake clock: no sleeps.
"""

from __future__ import annotations

import base64

import pytest

from kiosk.core import staff
from kiosk.core.staff import (
    Attempt,
    Outcome,
    PinLock,
    check_pin_format,
    hash_pin,
    verify_pin,
)

from .helpers import FakeClock

PIN = "2468"
WRONG = "1357"
FAST_N = 2**10


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin(PIN, n=FAST_N)


# --- hashing ----------------------------------------------------------------------------------


def test_round_trip_at_default_cost() -> None:
    h = hash_pin(PIN)
    scheme, n, r, p, salt, digest = h.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32
    assert PIN not in h
    assert verify_pin(PIN, h)


def test_wrong_pin_is_refused(stored: str) -> None:
    assert not verify_pin(WRONG, stored)
    assert not verify_pin(PIN + "0", stored)
    assert not verify_pin("", stored)


def test_cost_is_read_from_the_stored_string(stored: str) -> None:
    assert stored.split("$")[1] == str(FAST_N)
    assert verify_pin(PIN, stored)


def test_hashes_are_salted() -> None:
    a, b = hash_pin(PIN, n=FAST_N), hash_pin(PIN, n=FAST_N)
    assert a != b
    assert a.split("$")[4] != b.split("$")[4]
    assert verify_pin(PIN, a)
    assert verify_pin(PIN, b)


def test_a_given_salt_is_deterministic() -> None:
    salt = b"s" * 16
    assert hash_pin(PIN, salt=salt, n=FAST_N) == hash_pin(PIN, salt=salt, n=FAST_N)


@pytest.mark.parametrize("pin", ["123", "12ab", ""])
def test_hash_pin_refuses_a_bad_pin(pin: str) -> None:
    with pytest.raises(ValueError, match="PIN"):
        hash_pin(pin, n=FAST_N)


@pytest.mark.parametrize("n", [0, 1, 1000, 2**30])
def test_hash_pin_refuses_a_bad_cost(n: int) -> None:
    with pytest.raises(ValueError, match="scrypt"):
        hash_pin(PIN, n=n)


def _good_parts(stored: str) -> list[str]:
    return stored.split("$")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda parts: "",
        lambda parts: "not a hash",
        lambda parts: "$".join(parts[:5]),
        lambda parts: "$".join([*parts, "extra"]),
        lambda parts: "$".join(["bcrypt", *parts[1:]]),
        lambda parts: "$".join([parts[0], "abc", *parts[2:]]),
        lambda parts: "$".join([parts[0], "-1024", *parts[2:]]),
        lambda parts: "$".join([parts[0], "1000", *parts[2:]]),
        lambda parts: "$".join([parts[0], "9" * 5000, *parts[2:]]),
        lambda parts: "$".join([*parts[:2], "0", *parts[3:]]),
        lambda parts: "$".join([*parts[:4], "!!not base64!!", parts[5]]),
        lambda parts: "$".join([*parts[:4], "", parts[5]]),
        lambda parts: "$".join([*parts[:5], "c2hvcnQ="]),
        lambda parts: "$".join([parts[0], str(2**28), *parts[2:]]),
    ],
    ids=[
        "empty",
        "plain text",
        "too few parts",
        "too many parts",
        "other scheme",
        "n not a number",
        "n negative",
        "n not a power of two",
        "n absurdly long",
        "r zero",
        "salt not base64",
        "salt empty",
        "hash too short",
        "cost too high",
    ],
)
def test_malformed_stored_hash_raises_a_plain_error(stored: str, mangle) -> None:  # type: ignore[no-untyped-def]
    bad = mangle(_good_parts(stored))
    with pytest.raises(ValueError, match="malformed") as caught:
        verify_pin(PIN, bad)
    message = str(caught.value)
    salt_b64, digest_b64 = _good_parts(stored)[4:]
    assert salt_b64 not in message
    assert digest_b64 not in message
    assert PIN not in message


# --- format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pin", ["1234", "0000", "123456", "123456789012"])
def test_good_pin_formats(pin: str) -> None:
    assert check_pin_format(pin) is None


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("", "empty"),
        ("123", "too short"),
        ("1234567890123", "too long"),
        ("12a4", "only the digits"),
        ("12 34", "only the digits"),
        ("1234\n", "only the digits"),
        ("١٢٣٤", "only the digits"),  # Arabic-Indic digits: str.isdigit() would say yes
        ("-123", "only the digits"),
    ],
)
def test_bad_pin_formats(pin: str, reason: str) -> None:
    message = check_pin_format(pin)
    assert message is not None
    assert reason in message


# --- lockout ----------------------------------------------------------------------------------


def test_wrong_pins_report_failures_left(stored: str) -> None:
    lock = PinLock(clock=FakeClock(1000.0))
    results = [lock.try_pin(WRONG, stored) for _ in range(4)]
    assert [a.outcome for a in results] == [Outcome.WRONG] * 4
    assert [a.failures_left for a in results] == [4, 3, 2, 1]
    assert lock.failures == 4
    assert lock.failures_left == 1
    assert lock.locked_for() == 0


def test_five_wrong_pins_lock_out_even_the_right_one(stored: str) -> None:
    clock = FakeClock(1000.0)
    lock = PinLock(clock=clock)
    for _ in range(4):
        assert lock.try_pin(WRONG, stored).outcome is Outcome.WRONG
    fifth = lock.try_pin(WRONG, stored)
    assert fifth == Attempt(Outcome.LOCKED, 0, 300.0)
    assert lock.locked_for() == 300

    sixth = lock.try_pin(PIN, stored)
    assert sixth.outcome is Outcome.LOCKED
    assert not sixth.ok
    assert sixth.locked_s == 300

    clock.advance(299)
    still = lock.try_pin(PIN, stored)
    assert still.outcome is Outcome.LOCKED
    assert still.locked_s == pytest.approx(1)
    assert lock.locked_for() == pytest.approx(1)

    clock.advance(1)
    assert lock.locked_for() == 0
    assert lock.try_pin(PIN, stored) == Attempt(Outcome.OK, 5, 0.0)


def test_tries_during_the_lock_do_not_extend_it(stored: str) -> None:
    clock = FakeClock(1000.0)
    lock = PinLock(clock=clock)
    for _ in range(5):
        lock.try_pin(WRONG, stored)
    for _ in range(10):
        clock.advance(10)
        assert lock.try_pin(WRONG, stored).outcome is Outcome.LOCKED
    clock.advance(200)
    assert lock.try_pin(PIN, stored).ok


def test_the_lock_does_not_check_the_pin(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = PinLock(clock=FakeClock(1000.0))
    for _ in range(5):
        lock.try_pin(WRONG, stored)
    calls: list[str] = []

    def spy(pin: str, stored_hash: str) -> bool:
        calls.append(pin)
        return True

    monkeypatch.setattr(staff, "verify_pin", spy)
    assert lock.try_pin(PIN, stored).outcome is Outcome.LOCKED
    assert lock.try_pin(WRONG, stored).outcome is Outcome.LOCKED
    assert calls == []


def test_after_the_lock_the_count_starts_again(stored: str) -> None:
    clock = FakeClock(1000.0)
    lock = PinLock(clock=clock)
    for _ in range(5):
        lock.try_pin(WRONG, stored)
    clock.advance(300)
    assert lock.failures == 0
    first = lock.try_pin(WRONG, stored)
    assert first == Attempt(Outcome.WRONG, 4, 0.0)


def test_a_right_pin_resets_the_failures(stored: str) -> None:
    lock = PinLock(clock=FakeClock(1000.0))
    for _ in range(4):
        lock.try_pin(WRONG, stored)
    assert lock.try_pin(PIN, stored).ok
    assert lock.failures == 0
    for expected_left in (4, 3, 2, 1):
        assert lock.try_pin(WRONG, stored).failures_left == expected_left
    assert lock.try_pin(WRONG, stored).outcome is Outcome.LOCKED


def test_lock_settings_are_injectable(stored: str) -> None:
    clock = FakeClock(1000.0)
    lock = PinLock(clock=clock, max_failures=2, lock_s=60)
    assert lock.try_pin(WRONG, stored) == Attempt(Outcome.WRONG, 1, 0.0)
    assert lock.try_pin(WRONG, stored) == Attempt(Outcome.LOCKED, 0, 60.0)
    assert lock.locked_for(clock.now + 59) == pytest.approx(1)
    assert lock.locked_for(clock.now + 60) == 0


def test_a_malformed_hash_is_not_counted_as_a_try() -> None:
    lock = PinLock(clock=FakeClock(1000.0))
    with pytest.raises(ValueError, match="malformed"):
        lock.try_pin(PIN, "garbage")
    assert lock.failures == 0


def test_the_default_clock_is_monotonic() -> None:
    assert PinLock().locked_for() == 0
