"""The last screen: thanks, what happens next (collect the printout, the email is on its
way), and a countdown back to the start. It names no address and nothing the patient typed:
the session was wiped as the patient finished."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import (
    READING_WIDTH,
    label,
)


class DoneScreen(ScreenBase):
    kind = Screen.DONE
    timed_out = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        outer = QHBoxLayout(self)
        outer.setContentsMargins(80, 60, 80, 60)
        column = QWidget()  # centred, in lines of about 75 characters
        column.setMaximumWidth(READING_WIDTH)
        outer.addStretch(1)
        outer.addWidget(column, 1000)
        outer.addStretch(1)
        lay = QVBoxLayout(column)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addStretch(2)
        title = label(pack.t("done.title"), "hero", center=True)
        lay.addWidget(title)
        body = label(pack.t("done.body"), "subtitle", center=True)
        lay.addWidget(body)
        lay.addSpacing(24)
        #: What happens next, one line per thing the patient took away.
        self.next_lines = label("", "subtitle", name="done_next", center=True)
        lay.addWidget(self.next_lines)
        lay.addSpacing(30)
        self.countdown = label("", "body", name="done_countdown", center=True)
        lay.addWidget(self.countdown)
        lay.addStretch(3)
        self._left = 0
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def enter(self) -> None:
        self._show_next()
        self._left = self.ctx.config.kiosk.done_return_s
        self._show_left()
        self.timer.start()

    def leave(self) -> None:
        self.timer.stop()

    def wipe(self) -> None:
        self.next_lines.setText("")

    def _show_next(self) -> None:
        pack = self.ctx.pack
        took = self.ctx.visit.finished_with
        lines = []
        if "print" in took:
            config = self.ctx.config
            where = config.print.location_for(
                pack.language, config.kiosk.languages[0], pack.t("summary.front_desk")
            )
            lines.append(pack.t("done.printed", location=where))
        if "email" in took:
            lines.append(pack.t("done.emailed"))
        if "phone" in took:
            lines.append(pack.t("done.phone"))
        self.next_lines.setText("\n".join(lines))
        self.next_lines.setVisible(bool(lines))

    def _show_left(self) -> None:
        self.countdown.setText(self.ctx.pack.t("done.returning", seconds=self._left))

    def _tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.timer.stop()
            self.timed_out.emit()
        else:
            self._show_left()
