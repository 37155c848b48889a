"""The one application-wide event filter: what a finger does, before any widget sees it.

It decides at the window (the ``QWindow`` every real tap, touch or click comes through, before
Qt's hit-testing picks a widget), so what it lets through or holds back is what the patient's
finger really did:

- **Activity**: touch, mouse press, key, wheel restart the idle timeout (``activity``).
- **Waking**: after ``sleep_ms`` on the start screen (the display may have blanked) the next
  tap only wakes the kiosk (``woke``); it does not also start a session.
- **One tap, one step**: a tap within ``guard_ms`` of a screen change (or of a change of view
  inside a screen, see ``hold_taps``) is dropped whole, press to release, so a double or
  triple tap on Next advances one screen and a second tap never lands on whatever the new
  screen has in the same place. ``settled`` says when taps are taken again (on the start
  screen a little later, after a second: it runs no timer under a second).
- **Staff corner**: a press held ``hold_ms`` in the top-left ``corner_px`` of the window
  opens the staff PIN pad (``corner_held``), on every screen and over every overlay. The
  corner's taps never reach what is under them.
- **Modal warnings**: while a tap-to-dismiss overlay (the idle warning) shows, a tap anywhere
  means "I'm still here": it counts as activity and reaches nothing beneath. A tap on one of
  the overlay's own buttons (carry on, more time) goes to that button, which acts itself.
- **Keys**: a key (a USB keypad, a switch sending Tab, Space, Enter) is activity. Keys that
  move (Tab, the arrows) are never held back. A key that presses (Enter, Return, Space)
  within ``key_guard_ms`` of a screen or view change is dropped, press and release: Next
  keeps the focus from page to page, and a switch's bounce or a hand's tremor would
  otherwise press it again on the new page (two Enters, a page skipped unread). The key
  guard is shorter than a tap's: a deliberate second press comes sooner than a second
  tap's aim. Over a modal warning, a key is "I'm still here", as a tap is, and reaches
  nothing beneath. ``keyed`` says when the patient turns from a finger to keys and back
  (the focus ring shows only for keys).

Events sent straight to a widget (not through the window) count as activity and can wake the
start screen, nothing more. A touch that is held back is accepted, so Qt does not make a
mouse click of it either: a touch and its synthesized mouse event are never both handled.

Times are injectable: ``clock`` (milliseconds, monotonic) and the four durations.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QInputEvent, QKeyEvent, QMouseEvent, QTouchEvent, QWindow
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget

from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext

log = logging.getLogger("kiosk.taps")

#: A second tap this soon after a screen change is a repeat, not a new intent.
TAP_GUARD_MS = 500
#: A pressing key (Enter, Space) this soon after a screen change is a bounce, not a new intent.
KEY_GUARD_MS = 300
#: The keys that press the control in focus (a keypad's and a switch's "select").
PRESS_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space})
#: How long staff hold the corner.
LONG_PRESS_MS = 3000
#: The staff corner's size, in px from the window's top-left.
CORNER_PX = 96
#: A finger that slides further than this is not holding still.
HOLD_SLOP_PX = 40
#: ``settled`` comes this much after the guard ends, never before it.
SETTLE_MARGIN_MS = 25
#: The start screen sleeps after this long without a tap.
SLEEP_MS = 120_000

_T = QEvent.Type
PRESSES = frozenset({_T.MouseButtonPress, _T.MouseButtonDblClick, _T.TouchBegin})
ENDS = frozenset({_T.MouseButtonRelease, _T.TouchEnd, _T.TouchCancel})
MOVES = frozenset({_T.MouseMove, _T.TouchUpdate})
ACTIVITY = frozenset({_T.TouchBegin, _T.TouchUpdate, _T.MouseButtonPress, _T.KeyPress, _T.Wheel})
WATCHED = PRESSES | ENDS | MOVES | ACTIVITY | {_T.KeyRelease}


def monotonic_ms() -> float:
    return time.monotonic() * 1000.0


def _position(event: QEvent) -> QPointF | None:
    """Where a mouse or touch event is, in the coordinates of the object it was sent to."""
    if isinstance(event, QMouseEvent):
        return event.position()
    if isinstance(event, QTouchEvent) and event.points():
        return event.points()[0].position()
    return None


class TapFilter(QObject):
    activity = Signal()
    woke = Signal()
    corner_held = Signal()
    settled = Signal()
    keyed = Signal(bool)  # keys in use (True) or a finger (False): each change

    def __init__(
        self,
        ctx: UiContext,
        window: QWidget,
        *,
        sleep_ms: int = SLEEP_MS,
        guard_ms: int = TAP_GUARD_MS,
        key_guard_ms: int = KEY_GUARD_MS,
        hold_ms: int = LONG_PRESS_MS,
        corner_px: int = CORNER_PX,
        clock: Callable[[], float] = monotonic_ms,
    ) -> None:
        super().__init__(window)
        self.ctx = ctx
        self._window = window
        self.sleep_ms = sleep_ms
        self.guard_ms = guard_ms
        self.key_guard_ms = key_guard_ms
        self.corner_px = corner_px
        self._clock = clock
        #: Overlays that a tap anywhere dismisses (as activity), reaching nothing beneath.
        self.dismiss_on_tap: list[QWidget] = []
        self._last_activity = clock()
        self._changed_at = -math.inf
        self._swallowing = False  # the rest of a tap whose press was held back
        self.keys_in_use = False  # the patient's last press was a key, not a finger
        self._dropped_keys: set[int] = set()  # pressed during the key guard: their releases
        self._press_at: QPointF | None = None
        self._button_press = False  # a press let through to a warning's own button
        self._hold = QTimer(self)
        self._hold.setObjectName("staff_corner_hold")
        self._hold.setSingleShot(True)
        self._hold.setInterval(hold_ms)
        self._hold.timeout.connect(self._on_held)
        self._settle = QTimer(self)  # one shot after a change: no ticking timer
        self._settle.setObjectName("tap_guard")
        self._settle.setSingleShot(True)
        # precise, and a little late: "ready" must never be said while taps are still dropped
        self._settle.setTimerType(Qt.TimerType.PreciseTimer)
        self._settle.setInterval(guard_ms + SETTLE_MARGIN_MS)
        self._settle.timeout.connect(self.settled)
        ctx.visit.listen(self._on_flow)

    # --- what the window and the screens call ------------------------------------------------
    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        """A new clock (tests): the last activity is now, in its time."""
        self._clock = clock
        self._last_activity = clock()
        self._changed_at = -math.inf

    @property
    def hold_ms(self) -> int:
        return self._hold.interval()

    @hold_ms.setter
    def hold_ms(self, ms: int) -> None:
        self._hold.setInterval(ms)

    @Slot()
    def hold_taps(self) -> None:
        """What is under the finger just changed: the next ``guard_ms`` of taps are repeats."""
        self._changed_at = self.clock()
        self._settle.setInterval(self.guard_ms + SETTLE_MARGIN_MS)
        self._settle.start()

    def asleep(self) -> bool:
        idle = self.clock() - self._last_activity
        return self.ctx.visit.step is Screen.ATTRACT and idle >= self.sleep_ms

    def settling(self) -> bool:
        return self.clock() - self._changed_at < self.guard_ms

    def _on_flow(self, _old: Screen, new: Screen) -> None:
        self.hold_taps()
        if new is Screen.ATTRACT:
            # the start screen runs no timer under a second: it says so a little later
            self._settle.setInterval(max(self.guard_ms, 1000))
            self._settle.start()

    # --- the filter ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application passes here (about a thousand per screen change):
        # the isinstance test is four times cheaper than reading the type's enum.
        if not isinstance(event, QInputEvent):
            return False
        kind = event.type()
        if kind not in WATCHED:
            return False
        if kind == _T.KeyRelease:
            return isinstance(watched, QWindow) and self._release_dropped(event)
        if isinstance(watched, QWindow) and (kind == _T.KeyPress or kind in PRESSES):
            self._input_kind(kind == _T.KeyPress)
            if kind == _T.KeyPress and any(o.isVisible() for o in self.dismiss_on_tap):
                self._touched()  # "I'm still here" by key: the warning goes, the key too
                return True
            if kind == _T.KeyPress and self._key_bounced(event):
                self._touched()
                return True
        if self._swallowing:
            if kind in MOVES:
                self._follow(kind, event)
                return True
            if kind in ENDS:
                self._swallowing = False
                self._hold.stop()
                return True
            if kind == _T.MouseButtonDblClick:
                return True  # the second press's double-click twin: the same tap
            # a new press while the last was held back: its release was lost; start afresh
            self._swallowing = False
            self._hold.stop()
        if kind in PRESSES:
            if isinstance(watched, QWindow):
                return self._on_window_press(watched, kind, event)
            return self._on_widget_press()
        if kind in ACTIVITY:
            self._touched()
        return False

    def _key_bounced(self, event: QEvent) -> bool:
        """A pressing key within ``key_guard_ms`` of a change: dropped, its release too."""
        if not isinstance(event, QKeyEvent) or event.key() not in PRESS_KEYS:
            return False
        if event.key() == Qt.Key.Key_Space and isinstance(QApplication.focusWidget(), QLineEdit):
            return False  # a space typed in a name, not a press
        if event.isAutoRepeat():  # held down: as its first press went
            return event.key() in self._dropped_keys
        since = self.clock() - self._changed_at
        if since >= self.key_guard_ms:
            self._dropped_keys.discard(event.key())  # its release was lost: a new press
            return False
        log.info("key ignored: the screen changed %.0f ms ago", since)
        self._dropped_keys.add(event.key())
        return True

    def _release_dropped(self, event: QEvent) -> bool:
        """The release of a key whose press was dropped: it must not click (Space clicks a
        button on its release)."""
        if not isinstance(event, QKeyEvent) or event.key() not in self._dropped_keys:
            return False
        if not event.isAutoRepeat():
            self._dropped_keys.discard(event.key())
        return True

    def _input_kind(self, keyed: bool) -> None:
        if keyed != self.keys_in_use:
            self.keys_in_use = keyed
            self.keyed.emit(keyed)

    def _touched(self) -> None:
        self._last_activity = self.clock()
        self.activity.emit()

    def _swallow(self, event: QEvent) -> bool:
        self._swallowing = True
        self._press_at = _position(event)
        event.accept()  # a held-back touch must not come back as a synthesized click
        return True

    def _on_widget_press(self) -> bool:
        """A press sent straight to a widget, or the widget's copy of a press the window
        let through: activity, and waking the start screen."""
        if self.asleep():
            return self._wake()
        if self._button_press:  # the warning's button acts itself; the warning stays till then
            self._button_press = False
            return False
        self._touched()
        return False

    def _wake(self) -> bool:
        self._last_activity = self.clock()
        self._swallowing = True
        self.hold_taps()  # the second tap of a double tap must not start a session either
        log.info("start screen woken")
        self.woke.emit()
        return True

    def _on_window_press(self, window: QWindow, kind: QEvent.Type, event: QEvent) -> bool:
        pos = _position(event)
        if pos is not None and self._in_corner(window, pos):
            self._touched()
            if kind != _T.MouseButtonDblClick:
                self._hold.start()
            return self._swallow(event)
        if self.asleep():
            return self._wake()
        if any(overlay.isVisible() for overlay in self.dismiss_on_tap):
            if pos is not None and self._on_warning_button(pos):
                self._button_press = True
                return False
            self._touched()  # "I'm still here": the warning goes, the tap goes nowhere
            return self._swallow(event)
        if self.settling():
            log.info("tap ignored: the screen changed %.0f ms ago", self.clock() - self._changed_at)
            self._touched()
            return self._swallow(event)
        if kind in ACTIVITY:
            self._touched()
        return False

    def _on_warning_button(self, pos: QPointF) -> bool:
        """Whether ``pos`` (in the window) is on a button of a tap-to-dismiss overlay."""
        for overlay in self.dismiss_on_tap:
            if not overlay.isVisible():
                continue
            hit = overlay.childAt(overlay.mapFrom(self._window, pos.toPoint()))
            while hit is not None and hit is not overlay:
                if isinstance(hit, QAbstractButton):
                    return True
                hit = hit.parentWidget()
        return False

    def _in_corner(self, window: QWindow, pos: QPointF) -> bool:
        own = self._window.windowHandle()
        return window is own and 0 <= pos.x() < self.corner_px and 0 <= pos.y() < self.corner_px

    def _follow(self, kind: QEvent.Type, event: QEvent) -> None:
        """A finger on the move during a held-back tap: a slide is not a hold."""
        if kind == _T.TouchUpdate:
            self._touched()
        pos = _position(event)
        if self._hold.isActive() and pos is not None and self._press_at is not None:
            moved = pos - self._press_at
            if math.hypot(moved.x(), moved.y()) > HOLD_SLOP_PX:
                self._hold.stop()

    @Slot()
    def _on_held(self) -> None:
        log.info("staff corner held")
        self.corner_held.emit()
