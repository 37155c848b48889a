"""What every screen shares."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.widgets import (
    ResponsiveBox,
    ScrollPage,
    label,
)


class ScreenBase(QWidget):
    kind: ClassVar[Screen]

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"screen_{self.kind.value}")
        self.setAccessibleName(self.kind.value.replace("_", " "))

    def enter(self) -> None:
        """Show what the session holds now."""

    def leave(self) -> None:
        """The patient moved on to another screen."""

    def wipe(self) -> None:
        """Forget everything the patient typed or chose."""

    def set_landscape(self, landscape: bool) -> None:
        for box in self.findChildren(ResponsiveBox):
            box.set_landscape(landscape)


class PageScreen(ScreenBase):
    """A screen whose content scrolls under a fixed title."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.page = ScrollPage()
        lay.addWidget(self.page)

    def title(self, key: str) -> None:
        self.page.add(label(self.ctx.pack.t(key), "title"))
