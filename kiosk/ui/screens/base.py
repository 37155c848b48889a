"""What every screen shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk import lazy
from kiosk.core.flow import Page, Screen
from kiosk.ui.basics import label
from kiosk.ui.context import UiContext

if TYPE_CHECKING:  # not on the start screen's path: see kiosk.lazy
    from kiosk.ui import pictures, widgets
else:
    pictures = lazy.load("kiosk.ui.pictures")
    widgets = lazy.load("kiosk.ui.widgets")


class ScreenBase(QWidget):
    kind: ClassVar[Screen]
    #: What the screen shows changed in place (e.g. the email form over the summary): the
    #: window treats it like a screen change, so a repeated tap does not act on the new view.
    view_changed = Signal()

    def __init__(self, ctx: UiContext, number: int = 0) -> None:
        super().__init__()
        self.ctx = ctx
        self.number = number  # which page of a paged screen (health_2: 2); 0 otherwise
        page_id = Page(self.kind, number).id
        self.setObjectName(f"screen_{page_id}")
        self.setAccessibleName(page_id.replace("_", " "))

    def enter(self) -> None:
        """Show what the session holds now."""

    def leave(self) -> None:
        """The patient moved on to another screen."""

    def wipe(self) -> None:
        """Forget everything the patient typed or chose."""

    def reset_view(self) -> None:
        """The next patient sees the screen from its start (after a wipe)."""

    def set_landscape(self, landscape: bool) -> None:
        """Every part of the screen that lays itself out by orientation (a ResponsiveBox,
        the info pages' grids and picture rows, the timeline chart) follows the window."""
        for part in self.findChildren(QWidget):
            follow = getattr(part, "set_landscape", None)
            if follow is not None:
                follow(landscape)


class PageScreen(ScreenBase):
    """A screen whose content scrolls, with a cue while there is more below."""

    def __init__(self, ctx: UiContext, number: int = 0) -> None:
        super().__init__(ctx, number)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.page = widgets.ScrollPage(cue=ctx.pack.t("ui.scroll_hint"))
        lay.addWidget(self.page)
        self._asides: list[pictures.Picture] = []

    def title(self, key: str) -> None:
        self.page.add(label(self.ctx.pack.t(key), "title"))

    def reset_view(self) -> None:
        self.page.to_top()  # scrolled to the top, its "more below" cue shown again

    def headline(self, title: str, intro: str, picture: str) -> None:
        """The title and its introduction, with the page's picture beside them (both
        orientations): for a page whose content runs in columns of its own."""
        pack = self.ctx.pack
        row = QWidget()
        row.setObjectName("headline")
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(32)
        text = QVBoxLayout()
        text.setSpacing(12)
        for key, role in ((title, "title"), (intro, "subtitle")):
            text.addWidget(widgets.reading_label(pack.t(key), role))
        text.addStretch(1)
        lay.addLayout(text, 1)
        lay.addWidget(self._picture(picture, QSize(400, 300)), 0)
        self.page.add(row)

    def _picture(self, key: str, largest: QSize) -> pictures.Picture:
        return pictures.Picture(
            self.ctx.pack.image(self.ctx.pack.t(f"pictures.{key}")),
            name=f"picture_{key}",
            max_size=largest,
            min_size=QSize(240, 180),
        )

    #: An aside picture's largest size: beside the text in landscape, above it in portrait
    #: (where the height is there to use).
    ASIDE: ClassVar[dict[bool, QSize]] = {True: QSize(520, 390), False: QSize(760, 570)}

    def picture(self, key: str) -> None:
        """The page's picture, the one the pack names as ``pictures.<key>``: beside the text
        in landscape, above it in portrait."""
        self._asides.append(self._picture(key, self.ASIDE[True]))
        self.page.add_aside(self._asides[-1])

    def set_landscape(self, landscape: bool) -> None:
        super().set_landscape(landscape)
        for picture in self._asides:
            picture.set_largest(self.ASIDE[landscape])
