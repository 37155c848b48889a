"""A clinic day in one process: 200 random sessions through the real window (the full
1,000-session soak is ``benchmarks/soak.py``; its figures are in docs/performance.md)."""

from __future__ import annotations

import sys

import pytest

from benchmarks.soak import IMMORTAL, MAX_REF_FALL, run_soak
from kiosk import runtime

SESSIONS = 200


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and bools are immortal there")
def test_a_binding_that_drops_references_is_caught() -> None:
    assert runtime.binding_drops_references() is None  # the PySide6 that pyproject names
    held = [None] * 500

    def drops_two() -> None:  # as PySide6 6.12.0 did: one reference lost per void call
        held.pop()
        held.pop()

    said = runtime.binding_drops_references(100, call=drops_two)
    assert said is not None and "lost 200 references to None in 100 calls" in said


@pytest.mark.slow
def test_two_hundred_sessions_leave_nothing_behind(qtbot, window) -> None:
    # the warm-up holds one session of each kind, a print and an email among them (the
    # first of those loads what every later one reuses)
    result = run_soak(SESSIONS, seed=8, jobs_every=40, warmup=40, window=window)
    report = result.report()
    assert result.sessions == SESSIONS, report
    assert result.exceptions == [], report
    assert result.qt_warnings == [], report
    assert result.finished + result.walked_away == SESSIONS, report
    assert result.walked_away > 0 and result.printed > 0, report
    # On Python 3.11 None, True and False are mortal: a binding that loses references to
    # them aborts the process after enough sessions. They must not fall from session to
    # session. From 3.12 they are immortal and their counts mean nothing (PySide6, built
    # for the stable ABI of older Pythons, still moves them, harmlessly).
    if not IMMORTAL:
        for name in ("None", "True", "False"):
            assert result.ref_fall(name) <= MAX_REF_FALL, report
    assert result.rss_growth_mb() <= 1.5, report  # see docs/performance.md, the soak
