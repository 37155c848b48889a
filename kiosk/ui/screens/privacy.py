"""The privacy note, and the first name the summary greets."""

from __future__ import annotations

from kiosk.core.flow import Screen
from kiosk.core.session import NAME_MAX
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import PageScreen
from kiosk.ui.widgets import (
    card,
    label,
    text_field,
)


class PrivacyScreen(PageScreen):
    kind = Screen.PRIVACY

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.picture("privacy")
        self.title("privacy.title")
        box, inner = card("info")
        for para in pack.items("privacy.body"):
            inner.addWidget(label(para))
        self.page.add(box)
        self.page.add(label(pack.t("privacy.name_label"), "h2"))
        self.name = text_field(
            "first_name",
            pack.t("privacy.name_label"),
            pack.t("privacy.name_placeholder"),
            max_length=NAME_MAX,
            max_width=720,
            email=False,
        )
        self.name.textEdited.connect(self._on_name_edited)
        self.page.add(self.name)
        if ctx.keyboard is not None:
            ctx.keyboard().bind(self.name, "name")  # opens when the field is tapped
        self.page.add(label(pack.t("privacy.name_hint"), "small"))
        self.page.finish()

    def _on_name_edited(self, text: str) -> None:
        self.ctx.visit.session.first_name = text

    def enter(self) -> None:
        if self.name.text() != self.ctx.visit.session.first_name:
            self.name.setText(self.ctx.visit.session.first_name)

    def wipe(self) -> None:
        self.name.clear()
        self.name.setText("")  # also leaves nothing in the line edit's undo history
        self.name.setModified(False)
