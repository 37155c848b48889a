"""The staff PIN: salted argon2id hashes with the PIN's length class, the format rules, and
the lockout of the PIN pad, kept in a real file across restarts.

Real argon2id at the default cost takes about 0.3 s, so only one round trip uses it, and
its cost is asserted from its parameters, not timed; everything else hashes at the lowest
cost. The lockout runs on a fake clock: no sleeps.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import argon2
import pytest

from kiosk.core import staff
from kiosk.core.staff import (
    DEFAULT_COST,
    Attempt,
    Cost,
    LockState,
    Outcome,
    PinLock,
    check_pin_format,
    hash_pin,
    read_stored,
    stored_pin_problem,
    verify_pin,
)
from kiosk.services.staff_pin import LockFile, read_pin

from .helpers import REPO, FakeClock

PIN = "2468"
WRONG = "1357"
LONG_PIN = "908172"
FAST = Cost(time_cost=1, memory_kib=8, parallelism=1)
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin(PIN, cost=FAST)


@pytest.fixture(scope="module")
def stored_long() -> str:
    return hash_pin(LONG_PIN, cost=FAST)


# --- hashing ----------------------------------------------------------------------------------


def test_the_default_cost_is_argon2id_at_64_mib_and_six_passes() -> None:
    """The cost that took about 0.3 s a check on the 2-core machine it was measured on
    (a figure, not a test: wall time varies): 64 MiB, six passes, four lanes."""
    assert DEFAULT_COST.memory_kib >= 64 * 1024 and DEFAULT_COST.time_cost >= 6
    h = hash_pin(LONG_PIN)
    grade, rest = h.split("$", 1)
    params = argon2.extract_parameters("$" + rest)
    assert grade == "pin6"
    assert params.type is argon2.Type.ID and params.version == 19
    assert (params.time_cost, params.memory_cost, params.parallelism) == (6, 65536, 4)
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert LONG_PIN not in h
    assert verify_pin(LONG_PIN, h, kiosk_mode=True)


def test_the_record_says_the_length_class_and_nothing_finer(stored: str) -> None:
    assert stored.startswith("pin4$argon2id$")
    assert hash_pin("24680", cost=FAST).startswith("pin4$")
    assert hash_pin("246801", cost=FAST).startswith("pin6$")
    assert hash_pin("246801234567", cost=FAST).startswith("pin6$")
    assert read_stored(stored).kiosk_grade is False
    assert read_stored(hash_pin("246801", cost=FAST)).kiosk_grade is True


def test_wrong_pin_is_refused(stored: str) -> None:
    assert verify_pin(PIN, stored)
    assert not verify_pin(WRONG, stored)
    assert not verify_pin(PIN + "0", stored)
    assert not verify_pin("", stored)
    assert not verify_pin("ab\u00e9", stored)  # not even digits: simply wrong


def test_the_cost_is_read_from_the_stored_string(stored: str) -> None:
    assert read_stored(stored).cost == FAST
    other = hash_pin(PIN, cost=Cost(2, 16, 2))
    assert read_stored(other).cost == Cost(2, 16, 2)
    assert verify_pin(PIN, other)


def test_hashes_are_salted() -> None:
    a, b = hash_pin(PIN, cost=FAST), hash_pin(PIN, cost=FAST)
    assert a != b
    assert a.split("$")[5] != b.split("$")[5]
    assert verify_pin(PIN, a) and verify_pin(PIN, b)


def test_a_given_salt_is_deterministic() -> None:
    salt = b"s" * 16
    assert hash_pin(PIN, salt=salt, cost=FAST) == hash_pin(PIN, salt=salt, cost=FAST)
    with pytest.raises(ValueError, match="salt"):
        hash_pin(PIN, salt=b"short", cost=FAST)


@pytest.mark.parametrize("pin", ["123", "12ab", ""])
def test_hash_pin_refuses_a_bad_pin(pin: str) -> None:
    with pytest.raises(ValueError, match="PIN"):
        hash_pin(pin, cost=FAST)


@pytest.mark.parametrize(
    "cost", [Cost(0, 8, 1), Cost(1, 8, 0), Cost(1, 4, 1), Cost(1, 2 * 1024 * 1024, 1)]
)
def test_hash_pin_refuses_a_bad_cost(cost: Cost) -> None:
    with pytest.raises(ValueError, match="argon2 cost"):
        hash_pin(PIN, cost=cost)


def _parts(stored: str) -> list[str]:
    return stored.split("$")  # grade, argon2id, v=19, m=..,t=..,p=.., salt, hash


@pytest.mark.parametrize(
    "mangle",
    [
        lambda parts: "",
        lambda parts: "not a hash",
        lambda parts: "$".join(parts[:5]),
        lambda parts: "$".join([*parts, "extra"]),
        lambda parts: "$".join(["pin9", *parts[1:]]),
        lambda parts: "$".join(parts[1:]),
        lambda parts: "$".join([parts[0], "argon2i", *parts[2:]]),
        lambda parts: "$".join([*parts[:2], "v=16", *parts[3:]]),
        lambda parts: "$".join([*parts[:3], "m=abc,t=1,p=1", *parts[4:]]),
        lambda parts: "$".join([*parts[:3], "m=8,t=0,p=1", *parts[4:]]),
        lambda parts: "$".join([*parts[:3], "m=4194304,t=1,p=1", *parts[4:]]),
        lambda parts: "$".join([*parts[:3], "m=8,t=" + "9" * 5000 + ",p=1", *parts[4:]]),
        lambda parts: "$".join([*parts[:4], "!!not base64!!", parts[5]]),
        lambda parts: "$".join([*parts[:4], "", parts[5]]),
        lambda parts: "$".join([*parts[:5], "c2hvcnQ"]),
    ],
    ids=[
        "empty",
        "plain text",
        "too few parts",
        "too many parts",
        "other length class",
        "no length class",
        "argon2i",
        "other version",
        "cost not a number",
        "no passes",
        "cost too high",
        "cost absurdly long",
        "salt not base64",
        "salt empty",
        "hash too short",
    ],
)
def test_malformed_stored_hash_raises_a_plain_error(stored: str, mangle) -> None:  # type: ignore[no-untyped-def]
    bad = mangle(_parts(stored))
    with pytest.raises(ValueError, match="malformed") as caught:
        verify_pin(PIN, bad)
    message = str(caught.value)
    salt_b64, digest_b64 = _parts(stored)[4:]
    assert salt_b64 not in message and digest_b64 not in message and PIN not in message
    assert stored_pin_problem(bad, kiosk_mode=False) == message


def test_an_old_scrypt_hash_is_refused_with_how_to_set_a_new_one() -> None:
    """scrypt N=2^14 (28 ms a try) let every 4-digit PIN be tried in minutes: not kept."""
    old = "scrypt$16384$8$1$UPKmEuxo2SwQDwHfhFdoCQ==$XAFVUb0IbHxRT1KP/ldKEdPH7uzM9zk5TcQvZ3X1THs="
    with pytest.raises(ValueError, match="older version") as caught:
        verify_pin(PIN, old)  # the demo's old PIN, right, and still refused
    assert "botox-kiosk set-staff-pin" in str(caught.value)
    assert "UPKmEuxo" not in str(caught.value)


def test_a_fullscreen_kiosk_refuses_a_pin_shorter_than_six_digits(
    stored: str, stored_long: str
) -> None:
    problem = stored_pin_problem(stored, kiosk_mode=True)
    assert problem is not None and "shorter than 6 digits" in problem
    assert "botox-kiosk set-staff-pin" in problem
    with pytest.raises(ValueError, match="shorter than 6 digits"):
        verify_pin(PIN, stored, kiosk_mode=True)  # the right PIN, and still refused
    assert stored_pin_problem(stored, kiosk_mode=False) is None
    assert stored_pin_problem(stored_long, kiosk_mode=True) is None
    assert verify_pin(LONG_PIN, stored_long, kiosk_mode=True)
    assert not verify_pin("2468", stored_long, kiosk_mode=True)  # a short try: simply wrong


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


@pytest.mark.parametrize("pin", ["1234", "12345"])
def test_a_fullscreen_kiosk_needs_six_digits(pin: str) -> None:
    assert check_pin_format(pin) is None
    assert check_pin_format(pin, kiosk_mode=True) == (
        "The PIN is too short for a fullscreen kiosk: use at least 6 digits."
    )
    assert check_pin_format("123456", kiosk_mode=True) is None
    assert check_pin_format("", kiosk_mode=True) == "The PIN is empty: enter 6 to 12 digits."


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

    def spy(pin: str, stored_hash: str, *, kiosk_mode: bool) -> bool:
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


def test_the_default_clock_is_the_wall_clock() -> None:
    """A lock kept on disk must mean the same after a restart: not a monotonic clock's
    time since boot."""
    assert PinLock().locked_for() == 0
    assert PinLock()._clock is staff.time.time


# --- the lockout kept on disk -----------------------------------------------------------------


def locked_out(path: Path, clock: FakeClock, stored: str) -> PinLock:
    """A lock on the real file ``path``, five wrong PINs in."""
    lock = PinLock(clock=clock, store=LockFile(path))
    for _ in range(5):
        lock.try_pin(WRONG, stored)
    assert lock.locked_for() == 300
    return lock


def test_a_restart_keeps_the_lock(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "data" / "staff-pin.lockout"
    clock = FakeClock()
    locked_out(path, clock, stored)
    clock.advance(100)
    again = PinLock(clock=clock, store=LockFile(path))  # the kiosk, started again
    assert again.locked_for() == pytest.approx(200)
    assert again.try_pin(PIN, stored).outcome is Outcome.LOCKED  # the right PIN too
    clock.advance(200)
    assert again.try_pin(PIN, stored).ok
    assert json.loads(path.read_text()) == {"failures": 0, "locked_until": None}


def test_a_restart_keeps_the_count_of_wrong_pins(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "staff-pin.lockout"
    clock = FakeClock()
    first = PinLock(clock=clock, store=LockFile(path))
    for _ in range(3):
        first.try_pin(WRONG, stored)
    again = PinLock(clock=clock, store=LockFile(path))
    assert again.failures_left == 2
    assert again.try_pin(WRONG, stored).failures_left == 1
    assert again.try_pin(WRONG, stored).outcome is Outcome.LOCKED


def test_a_new_process_finds_the_lock(tmp_path: Path, stored: str) -> None:
    """The real restart: another Python process reads the file this one wrote."""
    path = tmp_path / "staff-pin.lockout"
    locked_out(path, FakeClock(start=time.time()), stored)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.core.staff import PinLock; "
            "from kiosk.services.staff_pin import LockFile; "
            "lock = PinLock(store=LockFile(sys.argv[1])); "
            "print(round(lock.locked_for()), lock.try_pin('2468', sys.argv[2]).outcome)",
            str(path),
            stored,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    seconds, outcome = child.stdout.split()
    assert 290 <= int(seconds) <= 300 and outcome == "locked"


@POSIX
def test_the_lock_file_is_private_and_whole(tmp_path: Path, stored: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "staff-pin.lockout"
    path.write_text('{"failures": 1, "locked_until": null}\n')
    path.chmod(0o644)  # as an older version, or a hand, might leave it
    lock = PinLock(clock=FakeClock(), store=LockFile(path))
    assert lock.failures == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened on reading
    lock.try_pin(WRONG, stored)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["staff-pin.lockout"]  # no temp file
    assert json.loads(path.read_text()) == {"failures": 2, "locked_until": None}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        b"\xff\xfe",
        b"[]",
        b'{"failures": 0}',
        b'{"failures": -1, "locked_until": null}',
        b'{"failures": "0", "locked_until": null}',
        b'{"failures": 0, "locked_until": NaN}',
        b'{"failures": 0, "locked_until": "soon"}',
        b'{"failures": 0, "locked_until": null, "extra": 1}',
        b'{"failures": true, "locked_until": null}',
        b"[" * 100_000,
        b" " * 5000,
    ],
    ids=[
        "empty",
        "garbage",
        "not text",
        "a list",
        "a key missing",
        "negative",
        "a string count",
        "NaN",
        "a string time",
        "a key too many",
        "a bool count",
        "nested deep",
        "too long",
    ],
)
def test_a_damaged_lock_file_fails_safe_and_is_replaced(
    tmp_path: Path, stored: str, content: bytes
) -> None:
    path = tmp_path / "staff-pin.lockout"
    path.write_bytes(content)
    clock = FakeClock()
    lock = PinLock(clock=clock, store=LockFile(path))
    assert lock.locked_for() == 300  # locked, not five fresh tries
    assert lock.try_pin(PIN, stored).outcome is Outcome.LOCKED
    kept = json.loads(path.read_text())
    assert kept == {"failures": 5, "locked_until": clock.now + 300}
    clock.advance(300)
    assert lock.try_pin(PIN, stored).ok


def test_an_unreadable_lock_file_locks_and_the_lock_holds_in_memory(
    tmp_path: Path, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "staff-pin.lockout"
    path.mkdir()  # a folder where the file should be: it can be neither read nor replaced
    clock = FakeClock()
    lock = PinLock(clock=clock, store=LockFile(path))
    assert lock.locked_for() == 300
    assert "locked" in caplog.text and "cannot write" in caplog.text
    clock.advance(300)
    assert lock.try_pin(WRONG, stored).failures_left == 4  # counted in memory


def test_a_lock_never_runs_longer_than_its_time(tmp_path: Path, stored: str) -> None:
    """A wall clock turned back (or a hand-edited file) cannot lock the pad for days."""
    path = tmp_path / "staff-pin.lockout"
    clock = FakeClock()
    path.write_text(json.dumps({"failures": 5, "locked_until": clock.now + 86_400}))
    lock = PinLock(clock=clock, store=LockFile(path))
    assert lock.locked_for() == 300
    clock.advance(300)
    assert lock.try_pin(PIN, stored).ok


def test_five_failures_without_a_lock_time_are_a_lock(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "staff-pin.lockout"
    path.write_text(json.dumps({"failures": 9, "locked_until": None}))
    lock = PinLock(clock=FakeClock(), store=LockFile(path))
    assert lock.locked_for() == 300 and lock.failures == 5


def test_the_lock_state_round_trips(tmp_path: Path) -> None:
    store = LockFile(tmp_path / "lockout")
    assert store.load() == LockState()  # none kept yet: a fresh start
    store.save(LockState(3, 1234.5))
    assert store.load() == LockState(3, 1234.5)


@POSIX
def test_reading_the_pin_makes_an_old_readable_pin_file_private(tmp_path: Path) -> None:
    pin_file = tmp_path / "staff-pin"
    pin_file.write_text("pin6$argon2id$...\n")
    os.chmod(pin_file, 0o644)
    assert read_pin(pin_file) == "pin6$argon2id$...\n"
    assert stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    with pytest.raises(OSError, match="no staff PIN file"):
        read_pin(None)
    with pytest.raises(FileNotFoundError):
        read_pin(tmp_path / "none")


def test_the_record_is_base64_without_padding(stored: str) -> None:
    """argon2's own encoding, so other argon2 tools can check it too."""
    salt = _parts(stored)[4]
    assert "=" not in salt and len(base64.b64decode(salt + "==")) == 16
