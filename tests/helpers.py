"""Input as a finger delivers it: through the window's ``QWindow``, so Qt's hit-testing (and
the kiosk's own event filter) decides who gets the tap, never an event sent to a widget."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kiosk.core.jobs import JobEvent

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
_touch: list[QPointingDevice] = []


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
