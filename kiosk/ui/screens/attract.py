"""The start screen: seen from across the room, calm, and one big button.

The clinic's logo and name at the top; a large calm illustration beside the words in
landscape, above them in portrait; "Tap to start"; the languages when there is more than one.
Behind the illustration a soft glow "breathes" in small steps, one a second or slower, so an
idle kiosk stays near zero CPU (no 60 fps animation: DESIGN.md, the idle start screen).

The pictures (kiosk.ui.attract_art: QtSvg and QPainter, about 40 ms to load) would cost more
than the start-up budget allows before the first paint: the screen paints its words first
and adds the pictures just after. So this module names no Qt enum class it does not need.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk import lazy
from kiosk.core.flow import Screen
from kiosk.ui import theme
from kiosk.ui.basics import (
    button,
    label,
)
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase

if TYPE_CHECKING:  # just after the first paint, see the module's docstring
    from kiosk.ui import attract_art, pictures
else:
    attract_art = lazy.load("kiosk.ui.attract_art")

#: The logo's height (attract_art.LOGO_SIZE), which the clinic's name matches.
LOGO_HEIGHT = 112
#: The words' column: no line over about 75 characters.
TEXT_WIDTH = 900


class AttractScreen(ScreenBase):
    kind = Screen.ATTRACT
    language_chosen = Signal(str)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.picture: pictures.Picture | None = None
        self.logo: QWidget | None = None
        self.glow: attract_art.Breathing | None = None
        self._pictures_queued = False

        lay = self._root = QVBoxLayout(self)
        lay.setContentsMargins(64, 40, 64, 40)
        lay.setSpacing(24)

        # The clinic: its logo (added after the first paint) and its name.
        brand = QHBoxLayout()
        brand.setSpacing(24)
        brand.addStretch(1)
        self._logo_slot = QHBoxLayout()
        self._logo_slot.setContentsMargins(0, 0, 0, 0)
        brand.addLayout(self._logo_slot)
        self.clinic = label(ctx.config.clinic.name, "subtitle", name="attract_clinic")
        self.clinic.setMinimumHeight(LOGO_HEIGHT)
        brand.addWidget(self.clinic)
        brand.addStretch(1)
        lay.addLayout(brand)

        # The illustration and the words: side by side in landscape, stacked in portrait.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(48)
        lay.addStretch(0)  # portrait: room above the picture and the words...
        lay.addLayout(self.body, 1)
        lay.addStretch(0)  # ...and below them, so they stay together in the middle

        self.art = QWidget()
        self.art.setObjectName("attract_art")
        self.art.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.art.setMinimumSize(240, 180)
        self._art_lay = QVBoxLayout(self.art)
        self._art_lay.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.art, 5)

        words = self.words = QWidget()
        words.setObjectName("attract_words")
        words.setMaximumWidth(TEXT_WIDTH)
        column = QVBoxLayout(words)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(20)
        column.addStretch(1)
        column.addWidget(label(pack.t("attract.title"), "hero", name="attract_title", center=True))
        subtitle = label(
            pack.t("attract.subtitle"), "subtitle", name="attract_subtitle", center=True
        )
        column.addWidget(subtitle)
        column.addSpacing(32)
        self.start = button(pack.t("attract.start"), "start", name="nav_start")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start)
        row.addStretch(1)
        column.addLayout(row)
        if len(ctx.packs) > 1:
            column.addSpacing(32)
            prompt = label(pack.t("attract.language_prompt"), "body", center=True)
            column.addWidget(prompt)
            row = QHBoxLayout()
            row.setSpacing(16)
            row.addStretch(1)
            for code, other in ctx.packs.items():
                btn = button(other.language_name, "answer", name=f"lang_{code}", checkable=True)
                btn.setChecked(code == ctx.visit.session.language)
                btn.clicked.connect(functools.partial(self.language_chosen.emit, code))
                row.addWidget(btn)
            row.addStretch(1)
            column.addLayout(row)
        column.addStretch(1)
        self.body.addWidget(words, 5)
        self.restyle()

    # --- orientation ----------------------------------------------------------------------
    def set_landscape(self, landscape: bool) -> None:
        direction = (
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        if self.body.direction() != direction:
            self.body.setDirection(direction)
            # Landscape: the picture and the words share the width. Portrait: they keep
            # together in the middle of the height, the picture as wide as the page allows.
            self.body.setStretch(0, 5 if landscape else 0)
            self.body.setStretch(1, 5 if landscape else 0)
            self._root.setStretch(1, 0 if landscape else 1)
            self._root.setStretch(2, 1 if landscape else 0)
            self._root.setStretch(3, 0 if landscape else 1)
        super().set_landscape(landscape)

    def restyle(self) -> None:
        """Larger text: the words take the picture's room (the window calls this when the
        patient's text size changes)."""
        self.art.setVisible(theme.scale() == 100)
        self.words.setMaximumWidth(TEXT_WIDTH if theme.scale() == 100 else (1 << 24) - 1)

    # --- the pictures, just after the first paint -----------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._pictures_queued:
            self._pictures_queued = True
            QTimer.singleShot(0, self, self.add_pictures)

    def add_pictures(self) -> None:
        """The logo and the illustration (QtSvg loads here, after the words are on screen)."""
        if self.picture is not None:
            return
        path = self.ctx.config.clinic.logo
        if path is not None and path.is_file():
            self.logo = attract_art.logo(
                path, self.ctx.config.clinic.name, self.devicePixelRatioF()
            )
            self._logo_slot.addWidget(self.logo)
        self.glow, self.picture = attract_art.illustration(self.ctx.pack.t("attract.picture"))
        self._art_lay.addWidget(self.glow)
        # On the glass in this frame, not a frame later: lay out and draw them now.
        for widget in (self.logo, self.glow):
            if widget is not None:
                widget.show()
        self._art_lay.activate()
        self._root.activate()
        self.repaint()
