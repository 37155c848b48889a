"""The named progress bar: Consultation · Areas · Your health · … · Summary.

Each step is a tab with a bar on top and its name under it: the current one dark and on a
light ground, the ones already seen in the theme's colour (a tap goes back to them), the
ones still to come grey and not tappable. Names wrap at spaces when the window is narrow.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QRect, QSize, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QSizePolicy, QWidget

from kiosk.core.flow import Section

#: state -> (bar, text, ground, bar height): contrast of each text on its ground >= 4.5:1
LOOKS: dict[str, tuple[str, str, str, int]] = {
    "current": ("#16323a", "#16323a", "#d3e9ed", 10),
    "seen": ("#1f5f6b", "#1f5f6b", "#ffffff", 6),
    "ahead": ("#b9c7cb", "#5b6b70", "#ffffff", 6),
}
TEXT_PX = 22
MIN_HEIGHT = 72  # a touch target


class SectionTab(QAbstractButton):
    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.state = "ahead"
        self.setObjectName(f"progress_{section.value}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._font = QFont(self.font())
        self._font.setPixelSize(TEXT_PX)
        self._bold = QFont(self._font)
        self._bold.setBold(True)

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
        return QSize(self._min_text_width() + 12, MIN_HEIGHT)

    def sizeHint(self) -> QSize:
        width = QFontMetrics(self._bold).horizontalAdvance(self.text()) + 28
        return QSize(width, MIN_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        bar, text, ground, bar_px = LOOKS[self.state]
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(ground))
        painter.fillRect(QRect(0, 0, self.width(), bar_px), QColor(bar))
        painter.setPen(QColor(text))
        painter.setFont(self._bold if self.state == "current" else self._font)
        area = self.rect().adjusted(4, bar_px + 2, -4, -2)
        flags = QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self.text())
        painter.end()


class SectionBar(QWidget):
    """The row of section tabs; ``chosen`` says which seen section was tapped."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.tabs: dict[Section, SectionTab] = {}
        for section in Section:
            tab = SectionTab(section, self)
            tab.clicked.connect(lambda _=False, s=section: self.chosen.emit(s.value))
            lay.addWidget(tab, 1)
            self.tabs[section] = tab

    def show_states(self, states: list[tuple[Section, str]], names: dict[str, str]) -> None:
        """``states`` from ``Flow.sections()``; ``names`` the pack's ``progress`` texts."""
        present = dict(states)
        for section, tab in self.tabs.items():
            state = present.get(section)
            tab.setVisible(state is not None)
            if state is not None:
                tab.set_state(names[section.value], state, names[state])
