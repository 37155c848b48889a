"""Shared test helpers. Tests import them from here, never from ``conftest`` (which keeps only
fixtures and hooks).

- Configs and the kiosk as a process: ``REPO``, ``DEMO_CLINIC``, ``SIGNED_OFF``,
  ``run_kiosk``, ``settle``.
- Input as a finger delivers it: through the window's ``QWindow``, so Qt's hit-testing (and
  the kiosk's own event filter) decides who gets the tap, never an event sent to a widget.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kiosk.core.jobs import JobEvent
from kiosk.ui.taps import TAP_GUARD_MS

#: The staff PIN that configs find in the data folder by default (the conftest stores it):
#: 6 digits, as a fullscreen kiosk needs (the demo's 2468 is for its windowed kiosk).
KIOSK_PIN = "246813"

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
_touch: list[QPointingDevice] = []

REPO = Path(__file__).resolve().parent.parent

DEMO_CLINIC = """
[clinic]
name = "Test Clinic"
phone = "555-0199"
emergency_number = "112"
"""
#: A clinician's sign-off of the content, which a fullscreen kiosk needs. It opens
#: [content], so a test may add more content keys after it.
SIGNED_OFF = """
[content]
reviewed_by = "Dr A. Test, Medical Director"
reviewed_on = 2026-11-30
"""


def run_kiosk(
    *args: str,
    env: dict[str, str] | None = None,
    drop: Iterable[str] = (),
    timeout: int = 120,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kiosk ARGS`` as its own process; ``drop`` removes variables from its
    environment (e.g. QT_QPA_PLATFORM, to check the command sets it itself)."""
    base = {k: v for k, v in os.environ.items() if k not in set(drop)}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**base, **(env or {})},
        timeout=timeout,
        input=input_text,
    )


def settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Let the work that follows the first paint finish (the other screens, the fonts, the
    staff tools), so a test that times the event loop measures only what it is about."""
    from kiosk.services import fonts

    qtbot.waitUntil(lambda: window.staff is not None, timeout=10000)
    window.build_all()
    fonts.register()
    qtbot.wait(0)


def open_kiosk(qtbot, config: Path, language: str | None = None):  # type: ignore[no-untyped-def]
    """The kiosk of ``config`` as the command line builds it, shown landscape, settled, with
    a tap clock the test moves (``FakeClock``); the test closes it."""
    from kiosk import app

    window = app.build_window(config, language=language)
    qtbot.addWidget(window)
    window.resize(*app.LANDSCAPE)
    window.show()
    qtbot.waitExposed(window)
    settle(qtbot, window)
    window.taps.clock = FakeClock()
    return window


class FakeClock:
    """Time that passes only when the test says so, in whatever unit the clock it stands in
    for uses (milliseconds for the tap guard, seconds for the PIN lock)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, amount: float) -> None:
        self.now += amount


def spot(window: QWidget, target: QWidget | QPoint) -> QPoint:
    """Where ``target`` is in the window's coordinates (a point is taken as it is)."""
    if isinstance(target, QPoint):
        return target
    return target.mapTo(window, target.rect().center())


def tap(window: QWidget, target: QWidget | QPoint) -> None:
    """A mouse click delivered to the window at ``target``."""
    QTest.mouseClick(window.windowHandle(), LEFT, NONE, spot(window, target))


def double_tap(window: QWidget, target: QWidget | QPoint) -> None:
    """A real double click: press, release, press, double-click, release."""
    QTest.mouseDClick(window.windowHandle(), LEFT, NONE, spot(window, target))


def press(window: QWidget, target: QWidget | QPoint) -> None:
    QTest.mousePress(window.windowHandle(), LEFT, NONE, spot(window, target))


def release(window: QWidget, target: QWidget | QPoint) -> None:
    QTest.mouseRelease(window.windowHandle(), LEFT, NONE, spot(window, target))


def touch_device() -> QPointingDevice:
    if not _touch:
        _touch.append(QTest.createTouchDevice())
    return _touch[0]


def touch_down(window: QWidget, target: QWidget | QPoint) -> None:
    QTest.touchEvent(window.windowHandle(), touch_device()).press(0, spot(window, target)).commit()


def touch_up(window: QWidget, target: QWidget | QPoint) -> None:
    QTest.touchEvent(window.windowHandle(), touch_device()).release(
        0, spot(window, target)
    ).commit()


def touch_tap(window: QWidget, target: QWidget | QPoint) -> None:
    """A finger's tap: touch down and up at ``target``."""
    touch_down(window, target)
    touch_up(window, target)


def final(job: int, event: JobEvent) -> bool:
    """For ``qtbot.waitSignal(jobs.reported, check_params_cb=final)``: a job's last word."""
    return event.final


def walk_to(window, page_id: str) -> None:  # type: ignore[no-untyped-def]
    """Step the visit forward (as Next does) until the page ``page_id`` shows."""
    visit = window.ctx.visit
    for _ in range(len(visit.flow.pages)):
        if window.screen_id() == page_id:
            return
        visit.next()
    raise AssertionError(f"no page {page_id!r} ahead in {window.page_ids()}")


#: Past the tap guard: the patient's next, deliberate tap (with the ``clock`` fixture).
LATER = TAP_GUARD_MS + 100


def shown(window: QWidget, name: str) -> QWidget:
    """The widget named ``name``, which must be on show (a finger can only tap those)."""
    widget = window.findChild(QWidget, name)
    assert widget is not None and widget.isVisible(), name
    return widget


_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _waited_for_cpu_ns() -> int:
    """Nanoseconds this thread has spent runnable but waiting for a CPU (Linux schedstat;
    0 where the kernel does not say)."""
    try:
        return int(_SCHEDSTAT.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


@contextmanager
def loop_gaps(interval_ms: int = 5) -> Iterator[list[float]]:
    """The gaps (ms) between turns of the event loop while the block runs, as a 5 ms timer
    sees them, less the time the operating system kept the thread waiting for a CPU: on a
    two-core test machine running two test workers and a child job, being preempted is not
    the kiosk stalling, and blocking the loop still shows in full."""
    gaps: list[float] = []
    last = [time.perf_counter_ns(), _waited_for_cpu_ns()]

    def tick() -> None:
        now, waited = time.perf_counter_ns(), _waited_for_cpu_ns()
        gaps.append(((now - last[0]) - (waited - last[1])) / 1e6)
        last[:] = [now, waited]

    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    try:
        yield gaps
    finally:
        timer.stop()
