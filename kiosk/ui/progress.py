"""The named progress bar: Consultation · Areas · Your health · … · Summary.

Each step is a tab with a bar on top and its name under it: the current one dark and on a
light ground, the ones already seen in the theme's colour (a tap goes back to them), the
ones still to come grey and not tappable. Names wrap at spaces when the window is narrow.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QRect, QSize, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractButton, QGridLayout, QSizePolicy, QWidget

from kiosk.core.flow import Section
from kiosk.ui import theme

#: state -> (bar, text, ground, bar height), as theme roles (kiosk/ui/theme.py PAIRS)
LOOKS: dict[str, tuple[str, str, str, int]] = {
    "current": ("ink", "ink", "primary_light", 10),
    "seen": ("primary", "primary", "paper", 6),
    "ahead": ("ahead", "disabled_text", "paper", 6),
}
TEXT_PX = 22  # at 100 %: it grows with the patient's text size
MIN_HEIGHT = 72  # a touch target


class SectionTab(QAbstractButton):
    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.state = "ahead"
        self.setObjectName(f"progress_{section.value}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._font = QFont(self.font())
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self.restyle()

    def restyle(self) -> None:
        """The text size changed (``kiosk.ui.theme``): the words and the tab grow."""
        for font in (self._font, self._bold):
            font.setPixelSize(theme.px(TEXT_PX))
        self.updateGeometry()
        self.update()

    def set_state(self, name: str, state: str, described: str) -> None:
        changed = (name, state) != (self.text(), self.state)
        self.setText(name)
        self.state = state
        self.setEnabled(state != "ahead")
        self.setAccessibleName(name)
        self.setAccessibleDescription(described)
        if changed:
            self.updateGeometry()
            self.update()

    def _min_text_width(self) -> int:
        metrics = QFontMetrics(self._bold)
        return max((metrics.horizontalAdvance(w) for w in self.text().split()), default=0)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._min_text_width() + 12, self._height())

    def sizeHint(self) -> QSize:
        width = QFontMetrics(self._bold).horizontalAdvance(self.text()) + 28
        return QSize(width, self._height())

    def _height(self) -> int:
        lines = QFontMetrics(self._bold).lineSpacing() * (1 + (theme.scale() > 100))
        return max(MIN_HEIGHT, lines + 16)

    def paintEvent(self, event: QPaintEvent) -> None:
        bar, text, ground, bar_px = LOOKS[self.state]
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.colour(ground)))
        painter.fillRect(QRect(0, 0, self.width(), bar_px), QColor(theme.colour(bar)))
        painter.setPen(QColor(theme.colour(text)))
        painter.setFont(self._bold if self.state == "current" else self._font)
        area = self.rect().adjusted(4, bar_px + 2, -4, -2)
        flags = QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self.text())
        painter.end()


class SectionBar(QWidget):
    """The row of section tabs; ``chosen`` says which seen section was tapped. When larger
    text leaves a tab too narrow for its longest word, the tabs go on two or more rows."""

    chosen = Signal(str)
    SPACING = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(self.SPACING)
        self._columns = 0
        self.tabs: dict[Section, SectionTab] = {}
        for section in Section:
            tab = SectionTab(section, self)
            tab.clicked.connect(lambda _=False, s=section: self.chosen.emit(s.value))
            self.tabs[section] = tab
        self._place(len(self.tabs))

    def show_states(self, states: list[tuple[Section, str]], names: dict[str, str]) -> None:
        """``states`` from ``Flow.sections()``; ``names`` the pack's ``progress`` texts."""
        present = dict(states)
        for section, tab in self.tabs.items():
            state = present.get(section)
            tab.setVisible(state is not None)
            if state is not None:
                tab.set_state(names[section.value], state, names[state])
        self._fit(force=True)

    def restyle(self) -> None:
        """The text size changed: the tabs may need more rows (or fewer)."""
        self._fit(force=True)

    def _fit(self, force: bool = False) -> None:
        shown = [tab for tab in self.tabs.values() if not tab.isHidden()]
        if not shown or not self.testAttribute(QtCore.Qt.WidgetAttribute.WA_Resized):
            return  # not laid out yet: its width is not the one it will get
        mins = [tab.minimumSizeHint().width() for tab in shown]
        if sum(mins) + self.SPACING * (len(shown) - 1) <= self.width():
            columns = len(shown)  # one row, each tab as wide as its words need
        else:
            fits = (self.width() + self.SPACING) // (max(mins) + self.SPACING)
            columns = max(1, min(len(shown), fits))
        if force or columns != self._columns:
            self._place(columns)

    def _place(self, columns: int) -> None:
        """The tabs on show, ``columns`` to a row, in the steps' order."""
        self._columns = columns
        for tab in self.tabs.values():
            self._grid.removeWidget(tab)
        shown = [tab for tab in self.tabs.values() if not tab.isHidden()]
        shown = shown or list(self.tabs.values())
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        for n, tab in enumerate(shown):
            self._grid.addWidget(tab, n // columns, n % columns)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
