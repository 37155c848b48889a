"""The summary, rendered from the same template as the printed page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
)

from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import (
    button,
    enable_kinetic_scrolling,
    label,
)


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
        self.email_button = button(pack.t("summary.email"), name="summary_email")
        for b in (self.print_button, self.email_button):
            b.setEnabled(False)  # printing and email arrive in the next releases
            b.setMinimumWidth(220)
            actions.addWidget(b)
        note = label(pack.t("summary.unavailable"), "small")
        note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        actions.addWidget(note, 1)
        lay.addLayout(actions)

    def enter(self) -> None:
        from kiosk.core.summary import build_context

        context = build_context(self.ctx.session, self.ctx.pack, self.ctx.config, screen=True)
        self.preview.setHtml(self.ctx.renderer().html(context))
        self.preview.verticalScrollBar().setValue(0)

    def wipe(self) -> None:
        self.preview.clear()
        self.preview.document().clearUndoRedoStacks()
