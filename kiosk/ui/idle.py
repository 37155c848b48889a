"""The idle timeout: a patient who walks away leaves nothing behind.

The application-wide event filter (``kiosk.ui.taps``) counts activity (touch, mouse press,
key, wheel). After ``idle_timeout`` without any, a "Still there?" overlay covers the whole
window and counts down ``idle_warning``; a tap anywhere on it carries on (and reaches nothing
beneath it), otherwise the session is wiped and the start screen returns. There is no timeout
on the start screen itself. Both times are injectable (tests use milliseconds).

With the patient's "more time" on (``kiosk.core.access``) the timeout is ``more_time_factor``
times longer; the warning's "More time" button turns it on and carries on. The session is
still wiped in the end. The warning lasts at least 20 s because the config allows no less
(``kiosk.idle_warning_s``, WCAG 2.2.1); the guard itself takes any time, for tests.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from kiosk.core.access import Access
from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.taps import TapFilter
from kiosk.ui.widgets import Overlay, button, label

log = logging.getLogger("kiosk.idle")


class StillThere(Overlay):
    """Covers the window: "Still there?", a countdown, a big button to carry on and one to
    carry on with more time."""

    def __init__(self, ctx: UiContext, parent: QWidget) -> None:
        super().__init__(parent, "idle_overlay", max_width=900)
        self.ctx = ctx
        self.title = label("", "title", center=True)
        self.body.addWidget(self.title)
        self.countdown = label("", "subtitle", name="idle_countdown", center=True)
        self.body.addWidget(self.countdown)
        self.carry_on = button("", "primary", name="idle_continue")
        self.body.addWidget(self.carry_on)
        self.more_time = button("", name="idle_more_time")
        self.body.addWidget(self.more_time)

    def cover(self) -> None:
        pack = self.ctx.pack  # the patient's language, whatever it is now
        self.title.setText(pack.t("idle.title"))
        self.carry_on.setText(pack.t("idle.carry_on"))
        self.carry_on.setAccessibleName(pack.t("idle.carry_on"))
        self.more_time.setText(pack.t("access.idle_more_time"))
        self.more_time.setAccessibleName(pack.t("access.idle_more_time"))
        self.more_time.setAccessibleDescription(pack.t("access.idle_more_time_detail"))
        # already on: carrying on is all there is to do
        self.more_time.setVisible(not self.ctx.access.more_time)
        super().cover()


class IdleGuard(QObject):
    """Watches for a walked-away session; ``timed_out`` after the warning ran out."""

    timed_out = Signal()

    def __init__(
        self,
        ctx: UiContext,
        window: QWidget,
        activity: TapFilter,
        timeout_ms: int,
        warning_ms: int,
        more_time_factor: int = 4,
    ) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.overlay = StillThere(ctx, window)
        self.overlay.carry_on.clicked.connect(self.on_activity)
        self.overlay.more_time.clicked.connect(self.on_more_time)
        self.more_time_factor = more_time_factor
        self._idle = QTimer(self)
        self._idle.setObjectName("idle_timer")
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._warn)
        self._tick = QTimer(self)  # the countdown: once a second, only while it shows
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count_down)
        self._left_ms = 0
        self.set_timeouts(timeout_ms, warning_ms)
        activity.activity.connect(self.on_activity)
        activity.dismiss_on_tap.append(self.overlay)
        ctx.visit.listen(lambda _old, new: self._on_screen(new))
        ctx.access.listen(self._on_access)

    def set_timeouts(self, timeout_ms: int, warning_ms: int) -> None:
        self.timeout_ms, self.warning_ms = timeout_ms, warning_ms
        self._idle.setInterval(self.idle_ms())
        self._tick.setInterval(min(1000, warning_ms))

    def idle_ms(self) -> int:
        """How long without a touch before the warning: longer with "more time" on."""
        factor = self.more_time_factor if self.ctx.access.more_time else 1
        return self.timeout_ms * factor

    def _on_access(self, old: Access, new: Access) -> None:
        if old.more_time == new.more_time:
            return
        self._idle.setInterval(self.idle_ms())
        if self._idle.isActive():
            self._idle.start()  # from now, at the new length

    @Slot()
    def on_more_time(self) -> None:
        """The warning's "More time": from now on the kiosk waits longer; carry on."""
        log.info("more time chosen")
        self.ctx.access.set(more_time=True)
        self.on_activity()

    def _on_screen(self, screen: Screen) -> None:
        if screen is Screen.ATTRACT:
            self._stop()  # nothing to protect, and the start screen stays calm
        else:
            self._restart()

    @Slot()
    def on_activity(self) -> None:
        if self.ctx.visit.step is Screen.ATTRACT:
            return
        if self.overlay.isVisible():
            log.info("idle warning dismissed")
        self._restart()

    def _restart(self) -> None:
        self._tick.stop()
        self.overlay.hide()
        self._idle.start()

    def _stop(self) -> None:
        self._idle.stop()
        self._tick.stop()
        self.overlay.hide()

    @Slot()
    def _warn(self) -> None:
        log.info("idle warning")
        self._left_ms = self.warning_ms
        self._show_left()
        self.overlay.cover()
        self._tick.start()

    def _show_left(self) -> None:
        seconds = max(1, -(-self._left_ms // 1000))
        self.overlay.countdown.setText(self.ctx.pack.t("idle.body", seconds=seconds))

    @Slot()
    def _count_down(self) -> None:
        self._left_ms -= self._tick.interval()
        if self._left_ms > 0:
            self._show_left()
            return
        self._stop()
        log.info("idle timeout: session wiped")
        self.timed_out.emit()
