"""The accessibility panel: the header's accessibility button (``nav_access``) opens it over
the page, on every screen, the start screen included.

Four settings (``kiosk.core.access``): the text size (100, 150, 200 %), high contrast, read
aloud and more time. Each takes effect at once and keeps the answers and the page; they go
back to the defaults when the session ends. A chosen setting shows a ticked box or a tick and
a heavy border, never colour alone. The panel is a modal card (``Overlay``): Tab stays on it
and a tap beside the card reaches nothing beneath.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.access import TEXT_SCALES, Access
from kiosk.ui.context import UiContext
from kiosk.ui.widgets import (
    ChoiceButton,
    FitRow,
    Overlay,
    button,
    enable_kinetic_scrolling,
    label,
)

#: The on/off settings: objectName -> the ``Access`` field it sets.
SWITCHES = {
    "access_contrast": "high_contrast",
    "access_read_aloud": "read_aloud",
    "access_more_time": "more_time",
}


class AccessPanel(Overlay):
    """The four settings and Done; changes go straight to ``ctx.access``."""

    TICK = "✓ "

    def __init__(self, ctx: UiContext, parent: QWidget) -> None:
        super().__init__(parent, "access_panel", max_width=1400)
        self.ctx = ctx
        self.title = label("", "title", name="access_title", center=True)
        self.body.addWidget(self.title)
        # the settings scroll when large text makes them taller than the window; the title
        # and Done stay in view
        area = QScrollArea()
        area.setObjectName("access_settings")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # not a Tab stop of its own: Tab goes to its settings (the area scrolls each into view)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget()
        settings = QVBoxLayout(inner)
        settings.setContentsMargins(0, 0, 0, 0)
        settings.setSpacing(12)
        area.setWidget(inner)
        enable_kinetic_scrolling(area)
        self.body.addWidget(area, 1)
        self._area = area
        self.size_label = label("", "h2", name="access_size_label")
        settings.addWidget(self.size_label)
        row = FitRow(16, widest_text=self.TICK)
        sizes = row.box
        self.sizes: dict[int, QPushButton] = {}
        for scale in TEXT_SCALES:
            size = button(f"{scale} %", "answer", name=f"access_size_{scale}", checkable=True)
            size.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            size.clicked.connect(functools.partial(self._set_size, scale))
            sizes.addWidget(size, 1)
            self.sizes[scale] = size
        settings.addWidget(row)
        self.switches: dict[str, ChoiceButton] = {}
        for name, setting in SWITCHES.items():
            switch = ChoiceButton("", "", name=name)
            switch.clicked.connect(functools.partial(self._toggle, setting))
            settings.addWidget(switch)
            self.switches[setting] = switch
        self.done = button("", "primary", name="access_done")
        self.done.clicked.connect(self.hide)
        self.body.addWidget(self.done)
        ctx.access.listen(lambda _old, new: self._show_state(new))

    def open_panel(self) -> None:
        """Cover the window with the settings, in the patient's language."""
        self._retext()
        self._show_state(self.ctx.access.current)
        self.cover()

    def _retext(self) -> None:
        t = self.ctx.pack.t
        self.title.setText(t("access.title"))
        self.size_label.setText(t("access.text_size"))
        for scale, size in self.sizes.items():
            size.setAccessibleName(f"{t('access.text_size')}: {scale} %")
            size.setAccessibleDescription(t("access.text_size_detail"))
        for setting, switch in self.switches.items():
            switch.set_texts(t(f"access.{setting}"), t(f"access.{setting}_detail"))
        self.done.setText(t("access.done"))
        self.done.setAccessibleName(t("access.done"))
        self.done.setAccessibleDescription(t("access.done_detail"))

    def _show_state(self, now: Access) -> None:
        """Which size is chosen (a tick) and which switches are on (a ticked box)."""
        for scale, size in self.sizes.items():
            chosen = scale == now.text_scale
            size.setChecked(chosen)
            size.setText(f"{self.TICK if chosen else ''}{scale} %")
        for setting, switch in self.switches.items():
            switch.setChecked(getattr(now, setting))

    def _fit_settings(self) -> None:
        """As tall as the settings need, while the window has the room (a scroll area asks
        for little, and the card would scroll on a tall portrait screen)."""
        inner = self._area.widget()
        if inner is None:
            return
        width = self._area.viewport().width()
        if inner.hasHeightForWidth():
            need = inner.heightForWidth(width)
        else:
            need = inner.sizeHint().height()
        room = self.height() // 2  # the title, Done and the margins keep the rest
        height = max(0, min(need, room))
        if self._area.minimumHeight() != height:
            self._area.setMinimumHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_settings()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._fit_settings)  # once laid out at the window's size

    def _set_size(self, scale: int, *_: object) -> None:
        self.ctx.access.set(text_scale=scale)
        self._show_state(self.ctx.access.current)  # a tap on the chosen size keeps it

    def _toggle(self, setting: str, *_: object) -> None:
        self.ctx.access.set(**{setting: not getattr(self.ctx.access.current, setting)})
