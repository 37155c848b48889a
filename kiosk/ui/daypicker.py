"""The appointment day, chosen by touch: "Your treatment day: Tuesday 1 December 2026" with
large "‹ Day before" and "Day after ›" buttons and a "Today" button to go back.

The widget only shows a day and says which way the patient asked to move it; the visit
keeps the day within its bounds (``kiosk.core.visit.Visit.set_appointment_date``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui.basics import button
from kiosk.ui.widgets import FitRow, reading_label

#: The buttons' height: a large touch target (the kiosk's rule is at least 72 px).
BUTTON_HEIGHT = 88


class DayPicker(QWidget):
    """One day, moved a day at a time. ``moved`` carries -1 or +1; ``today`` a tap on Today.

    ``texts``: the buttons' ``earlier``, ``later``, ``today`` and their accessible names
    ``earlier_name``, ``later_name``, ``today_name``."""

    moved = Signal(int)
    today = Signal()

    def __init__(self, texts: Mapping[str, str]) -> None:
        super().__init__()
        self.setObjectName("day_picker")
        self._texts = dict(texts)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.day_label = reading_label("", "h2", name="day_label")
        lay.addWidget(self.day_label)
        row = FitRow(20)  # one above the other when larger text would cut them
        self.earlier = self._button("earlier", "day_earlier")
        self.today_button = self._button("today", "day_today")
        self.later = self._button("later", "day_later")
        for btn in (self.earlier, self.later, self.today_button):
            row.box.addWidget(btn)
        row.box.addStretch(1)
        lay.addWidget(row)
        self.earlier.clicked.connect(lambda *_: self.moved.emit(-1))
        self.later.clicked.connect(lambda *_: self.moved.emit(1))
        self.today_button.clicked.connect(lambda *_: self.today.emit())

    def _button(self, key: str, name: str) -> QPushButton:
        btn = button(self._texts[key], "day", name=name)
        btn.setAccessibleName(self._texts[f"{key}_name"])
        btn.setMinimumHeight(BUTTON_HEIGHT)
        btn.setMinimumWidth(200)
        btn.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        return btn

    def show_day(self, text: str, day: dt.date, first: dt.date, last: dt.date) -> None:
        """Show ``day`` (``text`` says it); a button that cannot move it further is disabled."""
        self.day_label.setText(text)
        self.day_label.setAccessibleName(self.day_label.text())
        self.earlier.setEnabled(day > first)
        self.later.setEnabled(day < last)
        self.today_button.setEnabled(day != first)

    def clear(self) -> None:
        """Forget the day shown (the session it belonged to is wiped)."""
        self.day_label.setText("")
        self.day_label.setAccessibleName("")
