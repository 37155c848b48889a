"""What every screen shares."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from kiosk import lazy
from kiosk.core.flow import Screen
from kiosk.ui.basics import label
from kiosk.ui.context import UiContext

if TYPE_CHECKING:  # not on the start screen's path: see kiosk.lazy
    from kiosk.ui import widgets
else:
    widgets = lazy.load("kiosk.ui.widgets")


class ScreenBase(QWidget):
    kind: ClassVar[Screen]
    #: What the screen shows changed in place (e.g. the email form over the summary): the
    #: window treats it like a screen change, so a repeated tap does not act on the new view.
    view_changed = Signal()

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
        widgets = sys.modules.get("kiosk.ui.widgets")
        if widgets is None:
            return  # the widget kit is not loaded yet, so nothing responsive exists
        for box in self.findChildren(widgets.ResponsiveBox):
            box.set_landscape(landscape)


class PageScreen(ScreenBase):
    """A screen whose content scrolls under a fixed title."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.page = widgets.ScrollPage()
        lay.addWidget(self.page)

    def title(self, key: str) -> None:
        self.page.add(label(self.ctx.pack.t(key), "title"))
