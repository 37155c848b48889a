"""Names and descriptions for assistive technology, in the patient's language.

A kiosk is closed: the patient cannot bring a screen reader, and a switch or keypad user
hears what the kiosk's own speech (or a reader staff install) says of the control in focus.
Every control a patient can reach says what it is (its accessible name, set where it is
made: a button's words, a field's label) and what it does (its accessible description).

Where a control was made without a description, ``describe`` gives it the pack's ``[a11y]``
text for its kind: by its objectName, else its QSS role, else what sort of widget it is.
A description given here is marked as the kiosk's, so the next language's text replaces it;
one set where the control was made (a choice's detail, a step's state) is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLineEdit, QWidget

#: A control's objectName (or the start of it) -> its [a11y] key.
BY_NAME: dict[str, str] = {
    "nav_start": "start",
    "nav_lang": "language_button",
    "nav_back": "back",
    "idle_continue": "carry_on",
    "face_map": "face_map",
}
BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("lang_", "language_choice"),  # the start screen's languages and the chooser's
    ("face_", "face_area"),  # the face map's areas
)
#: A control's QSS role -> its [a11y] key.
BY_ROLE: dict[str, str] = {
    "answer": "answer",
    "choice": "choice",
    "day": "day",
    "char": "key",
    "symbol": "key",
    "domain": "key",
    "action": "key_action",
    "done": "key_done",
}
#: The description this module gave a widget, as "key\ntext": while the widget still says
#: that text, it is the kiosk's and the next language's replaces it.
_OURS = "_kiosk_a11y"


def reachable(widget: QWidget) -> bool:
    """Whether Tab (a keypad, a switch) can reach ``widget``: a control a patient uses."""
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def description_key(widget: QWidget) -> str:
    """The [a11y] key of the description ``widget`` gets when it has none of its own."""
    name = widget.objectName()
    if name in BY_NAME:
        return BY_NAME[name]
    for prefix, key in BY_PREFIX:
        if name.startswith(prefix):
            return key
    role = widget.property("role")
    if isinstance(role, str) and role in BY_ROLE:
        return BY_ROLE[role]
    if isinstance(widget, QLineEdit):
        return "field"
    if isinstance(widget, QAbstractScrollArea):
        return "page_hint"
    return "button"


def set_description(widget: QWidget, texts: Mapping[str, object], key: str) -> None:
    """``widget``'s description is the [a11y] text ``key``, marked as the kiosk's."""
    text = texts[key]
    assert isinstance(text, str)
    widget.setProperty(_OURS, f"{key}\n{text}")
    if widget.accessibleDescription() != text:
        widget.setAccessibleDescription(text)


def _ours(widget: QWidget) -> str | None:
    """The [a11y] key of the description this module gave ``widget``, if it still has it."""
    mark = widget.property(_OURS)
    if not isinstance(mark, str):
        return None
    key, _, text = mark.partition("\n")
    return key if widget.accessibleDescription() == text else None


def describe(root: QWidget, texts: Mapping[str, object]) -> None:
    """Every control in ``root`` (``root`` too) that has no description of its own gets the
    [a11y] one for its kind; a page that scrolls, which Tab reaches to scroll it by the
    arrow keys, is also named (``page``)."""
    for widget in (root, *root.findChildren(QWidget)):
        if not reachable(widget) and widget.objectName() not in BY_NAME:
            continue
        if isinstance(widget, QAbstractScrollArea) and not widget.accessibleName():
            page = texts["page"]
            assert isinstance(page, str)
            widget.setAccessibleName(page)
        key = _ours(widget)
        if key is None and widget.accessibleDescription():
            continue  # its own, set where it was made
        set_description(widget, texts, key or description_key(widget))
