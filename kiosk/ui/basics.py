"""The two building blocks the start screen needs, kept apart from the heavier widgets so
the first screen paints before the rest of the kit is loaded (see docs/performance.md)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy


def label(text: str, role: str = "body", *, name: str = "", center: bool = False) -> QLabel:
    """A wrapping label. Its text is never markup: the style sheet sets PlainText."""
    lbl = QLabel(text)
    lbl.setProperty("role", role)
    if center:
        lbl.setProperty("center", True)
    lbl.setWordWrap(True)
    lbl.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if name:
        lbl.setObjectName(name)
    return lbl


def button(text: str, role: str = "", *, name: str = "", checkable: bool = False) -> QPushButton:
    btn = QPushButton(text)
    if role:
        btn.setProperty("role", role)
    if name:
        btn.setObjectName(name)
    btn.setAccessibleName(text)
    btn.setCheckable(checkable)
    return btn
