"""The start screen: calm, and one big button."""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
)

from kiosk.core.flow import Screen
from kiosk.ui.basics import (
    button,
    label,
)
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase


class AttractScreen(ScreenBase):
    kind = Screen.ATTRACT
    language_chosen = Signal(str)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.addStretch(2)
        clinic = label(ctx.config.clinic.name, "subtitle", name="attract_clinic", center=True)
        lay.addWidget(clinic)
        title = label(pack.t("attract.title"), "hero", center=True)
        lay.addWidget(title)
        subtitle = label(pack.t("attract.subtitle"), "subtitle", center=True)
        lay.addWidget(subtitle)
        lay.addSpacing(48)
        self.start = button(pack.t("attract.start"), "start", name="nav_start")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start)
        row.addStretch(1)
        lay.addLayout(row)
        if len(ctx.packs) > 1:
            lay.addSpacing(40)
            prompt = label(pack.t("attract.language_prompt"), "body", center=True)
            lay.addWidget(prompt)
            row = QHBoxLayout()
            row.addStretch(1)
            for code, other in ctx.packs.items():
                btn = button(other.language_name, "answer", name=f"lang_{code}", checkable=True)
                btn.setChecked(code == ctx.visit.session.language)
                btn.clicked.connect(functools.partial(self.language_chosen.emit, code))
                row.addWidget(btn)
            row.addStretch(1)
            lay.addLayout(row)
        lay.addStretch(3)
