"""The language chooser: the header's language button opens it over the screen, with one
large button per language the kiosk offers, each in its own name (English, Español, العربية).

It is an overlay inside the window, never a native dialog. A tap outside its panel closes
it without a change. Choosing a language keeps every answer and the page on show: the window
re-texts its screens (kiosk.ui.window.MainWindow.on_language).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.basics import button, label


def direction(rtl: bool) -> Qt.LayoutDirection:
    """The layout direction of a pack's language."""
    return Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight


class LanguageChooser(QWidget):
    """A scrim over the window with a panel of language buttons (objectName
    ``lang_choice_<code>``); emits ``chosen(code)`` and closes."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("language_chooser")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self._outer = QVBoxLayout(self)
        self._outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.panel: QFrame | None = None
        self.hide()

    def open(self, prompt: str, names: Mapping[str, str], current: str) -> None:
        """Show the languages ``names`` (code -> its own name), ``current`` checked."""
        if self.panel is not None:
            self._outer.removeWidget(self.panel)
            self.panel.deleteLater()
        panel = self.panel = QFrame()
        panel.setObjectName("language_panel")
        lay = QVBoxLayout(panel)
        lay.setContentsMargins(48, 40, 48, 40)
        lay.setSpacing(24)
        lay.addWidget(label(prompt, "subtitle", center=True))
        row = QHBoxLayout()
        row.setSpacing(16)
        chosen = None
        for code, name in names.items():
            btn = button(name, "answer", name=f"lang_choice_{code}", checkable=True)
            btn.setChecked(code == current)
            btn.clicked.connect(functools.partial(self._choose, code))
            row.addWidget(btn)
            chosen = btn if code == current else chosen
        lay.addLayout(row)
        self._outer.addWidget(panel)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        if chosen is not None:  # a keypad's Tab goes on from the language in use
            chosen.setFocus(Qt.FocusReason.PopupFocusReason)

    def _choose(self, code: str, *_: object) -> None:
        self.hide()
        self.chosen.emit(code)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A tap beside the panel closes the chooser and changes nothing."""
        panel = self.panel
        if panel is None or not panel.geometry().contains(event.position().toPoint()):
            self.hide()
        event.accept()
