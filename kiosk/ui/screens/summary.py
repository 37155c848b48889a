"""The summary, rendered from the same template as the printed page, with print and email."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
)

from kiosk.core.flow import Screen
from kiosk.core.summary import build_context
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import button, enable_kinetic_scrolling, label


class SummaryScreen(ScreenBase):
    kind = Screen.SUMMARY

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 28, 48, 20)
        lay.setSpacing(16)
        lay.addWidget(label(pack.t("summary.title"), "title"))
        self.preview = QTextBrowser()
        self.preview.setObjectName("summary_preview")
        self.preview.setAccessibleName(pack.t("summary.title"))
        self.preview.setOpenLinks(False)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        enable_kinetic_scrolling(self.preview)
        lay.addWidget(self.preview, 1)

        actions = QHBoxLayout()
        actions.setSpacing(20)
        self.print_button = button(pack.t("summary.print"), name="summary_print")
        self.print_button.clicked.connect(self.on_print)
        self.email_button = button(pack.t("summary.email"), name="summary_email")
        self.email_button.setEnabled(False)  # email arrives with the outbox (issue 4)
        for b in (self.print_button, self.email_button):
            b.setMinimumWidth(220)
            actions.addWidget(b)
        self.status = label("", "body", name="summary_status")
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        actions.addWidget(self.status, 1)
        lay.addLayout(actions)
        self._job: int | None = None
        self._print_offered = ctx.printer is not None
        self.print_button.setVisible(self._print_offered)
        self.email_button.setVisible(ctx.config.email.enabled)
        if ctx.printer is not None:
            ctx.printer.finished.connect(self.on_print_finished)
        self._idle_status()

    def _idle_status(self) -> None:
        offered = self._print_offered or self.ctx.config.email.enabled
        self.status.setText("" if offered else self.ctx.pack.t("summary.unavailable"))

    def _location(self) -> str:
        location: str = self.ctx.config.print.location
        return location

    def enter(self) -> None:
        context = build_context(self.ctx.session, self.ctx.pack, self.ctx.config, screen=True)
        self.preview.setHtml(self.ctx.renderer().html(context))
        self.preview.verticalScrollBar().setValue(0)

    @Slot()
    def on_print(self) -> None:
        printer = self.ctx.printer
        if printer is None or self._job is not None:
            return
        pack = self.ctx.pack
        context = build_context(self.ctx.session, pack, self.ctx.config)
        html = self.ctx.renderer().html(context)
        self.print_button.setEnabled(False)
        self.status.setText(pack.t("summary.printing"))
        self._job = printer.submit(html, title=context["title"], footer=pack.t("summary.footer"))

    @Slot(int, bool, str)
    def on_print_finished(self, job: int, ok: bool, detail: str) -> None:
        if job != self._job:
            return  # a job from a session that has since been wiped
        self._job = None
        pack = self.ctx.pack
        if ok:
            self.status.setText(pack.t("summary.printed", location=self._location()))
        else:
            key = (
                "summary.print_failed_email"
                if self.ctx.config.email.enabled
                else "summary.print_failed"
            )
            self.status.setText(pack.t(key, location=self._location()))
        self.print_button.setEnabled(True)

    def wipe(self) -> None:
        self.preview.clear()
        self.preview.document().clearUndoRedoStacks()
        self._job = None
        self.print_button.setEnabled(True)
        self._idle_status()
