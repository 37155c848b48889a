"""The kiosk's own on-screen keyboard (Qt Virtual Keyboard is GPLv3 and is not used).

Two layouts: ``"name"`` (QWERTY, shift / caps lock, space, hyphen, apostrophe and a page of
accented letters, ñ á é í ó ú ü among them; in Arabic, a page of Arabic letters first, with a
key to the Latin ones) and ``"email"`` (digits, lower-case letters, ``@ . - _ +``, ``.com`` and the
common mail domains).

How it is meant to be used:

- Put one keyboard at the bottom of the window's vertical layout, under the screens, never
  floating over them. It starts hidden; ``attach(field, layout)`` shows it and types into
  ``field``; ``detach()`` (or the Done key, which also emits ``done``) hides it again. When the
  field lives in a QScrollArea, the page is scrolled so the field sits above the keyboard.
- A tap on a key never takes the focus: the field keeps its text cursor, and a physical
  keyboard keeps working beside the on-screen one.
- Without touch (a USB keypad, a switch sending Tab, Space and Enter): Tab into a bound field
  brings the keyboard up, Tab reaches every key (``Qt.TabFocus``: keys take the focus from
  keys, never from a tap), the arrow keys move to the nearest key that way, Space or Enter
  types the key in focus (the focus stays on the keys, so the next letter is a few arrows
  away), and Done puts the focus back in the field.
- Typing goes through ``QLineEdit.insert`` and ``backspace``, so the field's maxLength and
  validator apply and ``textEdited`` is emitted as for typed keys.
- Privacy: the keyboard keeps no copy of what is typed (no history, no suggestions, no
  preview of the last key). It only reads the character before the cursor, for the name
  layout's automatic capital letters.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QWidget,
)

from kiosk.core.content import primary_language
from kiosk.ui import theme

LayoutName = Literal["name", "email"]
LAYOUTS: tuple[str, ...] = get_args(LayoutName)
ShiftState = Literal["off", "once", "lock"]

#: Smallest key, in px: the kiosk's 12 mm touch target.
KEY_MIN = 64
#: Height of every key row, in px.
KEY_HEIGHT = 72
#: Space between keys, in px.
KEY_GAP = 8
#: The keys stop growing at this width (landscape); the panel is centred.
MAX_WIDTH = 1280
#: Every row is this many key units wide.
ROW_UNITS = 11.5
#: The focus a patient moves with keys (Tab into a field brings the keyboard up).
TAB = Qt.FocusReason.TabFocusReason
#: Room kept between the field and the edge of the visible page when scrolling it into view.
FIELD_MARGIN = 48

ACCENTS = "áàâäãåæçéèêëíìîïñóòôöõøœúùûüýß"
DOMAINS = ("@gmail.com", "@outlook.com", "@yahoo.com", "@icloud.com", "@hotmail.com")
_QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: The name layout's Arabic page: the letters where an Arabic keyboard has most of them, then
#: the hamza forms names need (أحمد, إبراهيم, آمنة); rows of 10, 11, 10 and 5 keys.
_ARABIC = ("ضصثقفغعهخح", "جدشسيبلاتنم", "كطظزرذوةىء", "أإآؤئ")
#: Languages whose name layout opens on a page of their own letters: code -> that page.
OWN_LETTERS: dict[str, str] = {"ar": "arabic"}
#: The script key's legend while the Latin letters show.
OWN_LEGENDS: dict[str, str] = {"arabic": "أبت"}
#: Shift key legends: outlined arrow; filled arrow (next letter only); filled arrow on a bar.
SHIFT_LEGENDS: dict[str, str] = {"off": "⇧", "once": "⬆", "lock": "⬆\u0332"}

#: Words the keyboard shows or speaks (accessible names). Pass translations as ``texts``.
DEFAULT_TEXTS: dict[str, str] = {
    "keyboard": "on-screen keyboard",
    "done": "Done",
    "space": "space",
    "backspace": "backspace",
    "shift": "shift",
    "shift_once": "shift, on for the next letter",
    "shift_lock": "caps lock, on",
    "accents": "accented letters",
    "letters": "letters",
    "latin_letters": "Latin letters",
    "arabic_letters": "Arabic letters",
    "capital": "capital {letter}",
    "at": "at sign",
    "dot": "dot",
    "dotcom": "dot com",
    "hyphen": "hyphen",
    "apostrophe": "apostrophe",
    "underscore": "underscore",
    "plus": "plus",
}

#: The largest text size the keys take, in percent: their letters are 30-40 px at 100 %, and
#: at 200 % a landscape window would have no room left above the keys for the field and its
#: Send button (tests/test_layout.py); at 150 % they are 45-60 px.
MAX_SCALE = 150

#: Rules the keyboard needs. The keyboard applies them to itself unless ``style_sheet=None``
#: is passed (then add them to kiosk.qss). Widget-level rules beat the theme's
#: ``QPushButton { min-width; padding }``, which would make keys far too wide.
KEYBOARD_QSS = """
QWidget#keyboard { background: @keyboard_ground; border-top: 2px solid @line_strong; }
QWidget#keyboard QPushButton {
    min-width: 60px; min-height: 60px; padding: 0px; margin: 0px;
    border: 2px solid @primary; border-radius: 12px;
    background: @paper; color: @ink;
    font-size: 30px; font-weight: 400;
}
QWidget#keyboard QPushButton:pressed { background: @pressed; }
QWidget#keyboard QPushButton[role="action"] { color: @primary; font-size: 26px; font-weight: 600; }
QWidget#keyboard QPushButton[role="domain"] { color: @primary; font-size: 22px; }
QWidget#keyboard QPushButton[role="symbol"] { font-size: 34px; font-weight: 700; }
QWidget#keyboard QPushButton#key_shift,
QWidget#keyboard QPushButton#key_backspace { font-size: 40px; }
QWidget#keyboard QPushButton[role="action"]:checked { background: @primary; color: @paper; }
QWidget#keyboard QPushButton[role="done"] {
    background: @primary; color: @paper; font-size: 28px; font-weight: 700;
}
QWidget#keyboard QPushButton[role="done"]:pressed { background: @primary_dark; }
"""


@dataclass(frozen=True)
class _Key:
    """One key: where it sits (row, x and width in key units) and what it does."""

    id: str  # the button's objectName is "key_<id>"
    legend: str
    accessible: str
    row: int
    x: float
    w: float = 1.0
    text: str = ""  # what it types; empty for the action keys
    letter: bool = False  # follows shift
    pages: tuple[str, ...] = ()  # shown on these pages ("letters", "accents", "arabic"); () all
    role: str = "char"  # QSS role: char, action, domain, done


def _char_id(ch: str) -> str:
    """The objectName suffix of a letter: "a_acute" for á. Its spoken name is the letter
    itself: a voice reads a single letter by its name, in the patient's language (Unicode's
    names, "a with acute", are English)."""
    if ch.isascii():
        return ch
    name = unicodedata.name(ch)
    if name.startswith("LATIN SMALL LIGATURE "):
        return name.removeprefix("LATIN SMALL LIGATURE ").lower()
    spoken = name.removeprefix("LATIN SMALL LETTER ").lower()
    return spoken.replace(" with ", "_").replace(" ", "_")


def _upper(ch: str) -> str:
    up = ch.upper()
    return up if len(up) == 1 else ch  # ß stays ß (its upper case is two letters)


def _name_keys(t: Mapping[str, str], own: str = "") -> list[_Key]:
    """The name layout; ``own`` is the page of the language's own letters ("arabic"), if any."""
    keys: list[_Key] = []
    starts = (0.0, 0.5, 1.5)
    qwerty, latin = ("letters",), ("letters", "accents")
    for row, (letters, start) in enumerate(zip(_QWERTY, starts, strict=True)):
        for i, ch in enumerate(letters):
            keys.append(_Key(ch, ch, ch, row, start + i, text=ch, letter=True, pages=qwerty))
    for i, ch in enumerate(ACCENTS):
        row, col = divmod(i, 10)
        x = col + (1.5 if row == 2 else 0.0)
        keys.append(_Key(_char_id(ch), ch, ch, row, x, text=ch, letter=True, pages=("accents",)))
    if own == "arabic":
        for row, letters in enumerate(_ARABIC):
            for i, ch in enumerate(letters):
                ident = unicodedata.name(ch).lower().removeprefix("arabic letter ")
                # spoken as the letter itself: an Arabic voice reads it by its name
                ar_id = f"ar_{ident.replace(' ', '_')}"
                keys.append(_Key(ar_id, ch, ch, row, i, text=ch, pages=("arabic",)))
    bottom = 4 if own else 3  # the own letters take a fourth row
    keys += [
        _Key("backspace", "⌫", t["backspace"], 0, 10, 1.5, role="action"),
        _Key("accents", "àé", t["accents"], 1, 10, 1.5, role="action", pages=latin),
        _Key("shift", "⇧", t["shift"], 2, 0, 1.5, role="action", pages=latin),
        _Key(
            "apostrophe", "'", t["apostrophe"], 2, 8.5, 1.5, text="'", role="symbol", pages=qwerty
        ),
        _Key(
            "hyphen", "-", t["hyphen"], 2, 10, 1.5, text="-", role="symbol", pages=("letters", own)
        ),
        _Key("space", "", t["space"], bottom, 0, 7 if own else 8.5, text=" "),
        _Key("done", t["done"], t["done"], bottom, 8.5, 3, role="done"),
    ]
    if own:  # to the Latin letters and back
        keys.append(_Key("script", "abc", t["latin_letters"], bottom, 7, 1.5, role="action"))
    return keys


def _email_keys(t: Mapping[str, str]) -> list[_Key]:
    width = ROW_UNITS / len(DOMAINS)
    keys = [
        _Key(
            domain[1:].replace(".", "_"),
            domain,
            # "arroba gmail punto com": the pack's words for @ and ., the names as they are
            f"{t['at']} {domain[1:].replace('.', ' ' + t['dot'] + ' ')}",
            0,
            i * width,
            width,
            text=domain,
            role="domain",
        )
        for i, domain in enumerate(DOMAINS)
    ]
    keys += [_Key(ch, ch, ch, 1, i, text=ch) for i, ch in enumerate("1234567890")]
    for row, (letters, start) in enumerate(zip(_QWERTY, (0.0, 0.5, 1.5), strict=True), 2):
        keys += [_Key(ch, ch, ch, row, start + i, text=ch) for i, ch in enumerate(letters)]
    keys += [
        _Key("backspace", "⌫", t["backspace"], 1, 10, 1.5, role="action"),
        _Key("hyphen", "-", t["hyphen"], 2, 10, 1.5, text="-", role="symbol"),
        _Key("underscore", "_", t["underscore"], 3, 10, 1.5, text="_", role="symbol"),
        _Key("plus", "+", t["plus"], 4, 0, 1.5, text="+", role="symbol"),
        _Key("dotcom", ".com", t["dotcom"], 4, 8.5, 3, text=".com", role="action"),
        _Key("at", "@", t["at"], 5, 0, 4.25, text="@", role="symbol"),
        _Key("dot", ".", t["dot"], 5, 4.25, 4.25, text=".", role="symbol"),
        _Key("done", t["done"], t["done"], 5, 8.5, 3, role="done"),
    ]
    return keys


class _KeyGrid(QWidget):
    """Places its keys on rows of ``ROW_UNITS`` units: every key unit is the same width."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows
        self.keys: list[tuple[QPushButton, _Key]] = []
        self.setMaximumWidth(MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def height_px(self) -> int:
        return self.rows * KEY_HEIGHT + (self.rows - 1) * KEY_GAP

    def sizeHint(self) -> QSize:
        return QSize(MAX_WIDTH, self.height_px())

    def minimumSizeHint(self) -> QSize:
        # the narrowest key is one unit: at least KEY_MIN wide
        return QSize(round(ROW_UNITS * (KEY_MIN + KEY_GAP)) - KEY_GAP, self.height_px())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.place()

    def place(self) -> None:
        pitch = (self.width() + KEY_GAP) / ROW_UNITS
        for button, key in self.keys:
            if button.isHidden():
                continue
            left = round(key.x * pitch)
            right = round((key.x + key.w) * pitch) - KEY_GAP
            top = key.row * (KEY_HEIGHT + KEY_GAP)
            button.setGeometry(left, top, right - left, KEY_HEIGHT)


def _flush_layouts() -> None:
    """Apply pending layout changes now (say, the keyboard has just been shown)."""
    for _ in range(3):  # a layout pass may ask its parent for one more
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def ensure_field_visible(
    scroll_area: QScrollArea, field: QWidget, margin: int = FIELD_MARGIN
) -> bool:
    """Scroll ``scroll_area`` so the whole of ``field`` is in view, ``margin`` px clear of
    the edges where there is room. Layout changes still pending (the keyboard has just
    appeared and taken the bottom of the window) are applied first. Returns whether the
    field is now fully visible.

    (QScrollArea.ensureWidgetVisible is not enough: for a line edit it only brings the text
    cursor into view, and the bottom of the field may stay hidden.)"""
    page = scroll_area.widget()
    if page is None or not page.isAncestorOf(field):
        return False
    _flush_layouts()
    viewport = scroll_area.viewport()
    origin = field.mapTo(page, QPoint(0, 0))
    for bar, start, length, room in (
        (scroll_area.verticalScrollBar(), origin.y(), field.height(), viewport.height()),
        (scroll_area.horizontalScrollBar(), origin.x(), field.width(), viewport.width()),
    ):
        value = bar.value()
        if start + length + margin > value + room:
            value = start + length + margin - room
        if start - margin < value:  # the top (or left) edge wins when both cannot show
            value = start - margin
        bar.setValue(max(bar.minimum(), min(value, bar.maximum())))
    shown = QRect(field.mapTo(viewport, QPoint(0, 0)), field.size())
    return viewport.rect().contains(shown)


def scroll_area_of(field: QWidget) -> QScrollArea | None:
    """The nearest QScrollArea whose page holds ``field``."""
    parent = field.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            page = parent.widget()
            if page is not None and page.isAncestorOf(field):
                return parent
        parent = parent.parentWidget()
    return None


class OnScreenKeyboard(QWidget):
    """A touch keyboard that types into one QLineEdit at a time; see the module docstring."""

    done = Signal()
    visibility_changed = Signal(bool)

    _LAYOUT_PROPERTY = "_kiosk_keyboard_layout"

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        texts: Mapping[str, str] | None = None,
        language: str = "en",
        style_sheet: str | None = KEYBOARD_QSS,
    ) -> None:
        super().__init__(parent)
        self._texts = dict(DEFAULT_TEXTS)
        self._layout: LayoutName | None = None
        self._own = ""  # the page of the language's own letters: see OWN_LETTERS
        self.set_texts(texts or {}, language=language)
        self.setObjectName("keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._style = style_sheet
        self.restyle()
        self._box = QHBoxLayout(self)
        self._box.setContentsMargins(16, 14, 16, 16)
        self._grid: _KeyGrid | None = None
        self._buttons: dict[str, QPushButton] = {}
        self._keys: dict[str, _Key] = {}
        self._target: QLineEdit | None = None
        self._reveal: QWidget | None = None  # what to keep in view: the field, or its block
        self._scroll: QScrollArea | None = None
        self._shift: ShiftState = "off"
        self._page = "letters"
        self.hide()

    # --- API ------------------------------------------------------------------------------
    def restyle(self) -> None:
        """Its style sheet in the running theme and text size (``kiosk.ui.theme``), the
        size at most ``MAX_SCALE``."""
        if self._style:
            scale = min(theme.scale(), MAX_SCALE)
            self.setStyleSheet(theme.fill(self._style, theme.palette(), scale))

    def attach(
        self, target: QLineEdit, layout: LayoutName, *, reveal: QWidget | None = None
    ) -> None:
        """Type into ``target`` with ``layout``; show the keyboard and keep the field in view
        (or all of ``reveal``, a block that holds the field and what the patient taps next,
        as far as it fits: its top, the field, first)."""
        if layout not in LAYOUTS:
            raise ValueError(f"keyboard layout must be one of {LAYOUTS}, not {layout!r}")
        if self._target is not None and self._target is not target:
            self._release_target()
        if layout != self._layout:
            self._build(layout)
        if self._target is not target:
            self._target = target
            target.cursorPositionChanged.connect(self._on_cursor_moved)
            target.destroyed.connect(self._on_target_destroyed)
            target.installEventFilter(self)
            self._scroll = scroll_area_of(target)
            if self._scroll is not None:
                self._scroll.installEventFilter(self)
        self._reveal = reveal if reveal is not None and reveal.isAncestorOf(target) else target
        self._set_page(self._home())
        self._shift = "off"
        self._sync_auto_shift()
        self._apply_shift()
        was_hidden = self.isHidden()
        self.show()
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.keep_field_visible()
        if was_hidden:
            self.visibility_changed.emit(True)

    def detach(self) -> None:
        """Stop typing into the field and hide."""
        self._release_target()
        self._shift = "off"
        if self._grid is not None:
            self._set_page(self._home())
            self._apply_shift()
        if not self.isHidden():
            self.hide()
            self.visibility_changed.emit(False)

    def target(self) -> QLineEdit | None:
        return self._target

    def keyboard_layout(self) -> LayoutName | None:
        """The layout last attached with: "name", "email", or None before the first attach."""
        return self._layout

    def bind(self, field: QLineEdit, layout: LayoutName) -> None:
        """Attach to ``field`` whenever it is tapped."""
        if layout not in LAYOUTS:
            raise ValueError(f"keyboard layout must be one of {LAYOUTS}, not {layout!r}")
        field.setProperty(self._LAYOUT_PROPERTY, layout)
        field.installEventFilter(self)

    def key(self, key_id: str) -> QPushButton:
        """The button of the current layout whose objectName is ``key_<key_id>``."""
        return self._buttons[key_id]

    def key_buttons(self) -> list[QPushButton]:
        """Every key of the current layout, on every page."""
        return list(self._buttons.values())

    def shift_state(self) -> ShiftState:
        return self._shift

    def set_texts(self, texts: Mapping[str, str], *, language: str = "en") -> None:
        """The keyboard's words in another language (keys not given stay English), and that
        language's own letters for names (OWN_LETTERS): the keys are labelled anew the next
        time the keyboard comes up."""
        unknown = set(texts) - set(DEFAULT_TEXTS)
        if unknown:
            raise ValueError(f"unknown keyboard texts: {', '.join(sorted(unknown))}")
        self._texts = {**DEFAULT_TEXTS, **texts}
        self._own = OWN_LETTERS.get(primary_language(language), "")
        self.setAccessibleName(self._texts["keyboard"])
        self._layout = None  # rebuilt with the new words on the next attach

    def page(self) -> str:
        """Which keys show: "letters", "accents" (the name layout's accented letters), or
        the language's own letters ("arabic")."""
        return self._page

    def _home(self) -> str:
        """The page a name starts on: the language's own letters, else the Latin ones."""
        return self._own if self._layout == "name" and self._own else "letters"

    def keep_field_visible(self) -> bool:
        """Scroll the page holding the field so the field shows above the keyboard."""
        if self._target is None or self._scroll is None:
            return False
        return ensure_field_visible(self._scroll, self._reveal or self._target)

    # --- building -------------------------------------------------------------------------
    def _build(self, layout: LayoutName) -> None:
        if self._grid is not None:
            self._box.removeWidget(self._grid)
            self._grid.hide()
            for button, _key in self._grid.keys:
                button.setObjectName("")  # findChild finds only the new keys from now on
            self._grid.deleteLater()
        keys = _name_keys(self._texts, self._own) if layout == "name" else _email_keys(self._texts)
        grid = _KeyGrid(rows=max(k.row for k in keys) + 1)
        self._buttons.clear()
        self._keys.clear()
        for key in keys:
            button = QPushButton(key.legend, grid)
            button.setObjectName(f"key_{key.id}")
            button.setAccessibleName(key.accessible)
            button.setProperty("role", key.role)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keys, never a tap: see above
            button.installEventFilter(self)  # the arrow keys
            button.setMinimumSize(KEY_MIN, KEY_MIN)
            button.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            if key.id == "backspace":
                button.setAutoRepeat(True)
                button.setAutoRepeatDelay(500)
                button.setAutoRepeatInterval(100)
            elif key.id == "shift":
                button.setCheckable(True)
            button.clicked.connect(functools.partial(self._on_key, key.id))
            self._buttons[key.id] = button
            self._keys[key.id] = key
            grid.keys.append((button, key))
        self._grid = grid
        self._layout = layout
        self._box.addWidget(grid, 0, Qt.AlignmentFlag.AlignHCenter)
        self._page = ""
        self._set_page(self._home())
        grid.show()

    # --- keys -----------------------------------------------------------------------------
    def _on_key(self, key_id: str, *_: object) -> None:
        # PySide may call a partial slot without the signal's argument; ignore it.
        key = self._keys.get(key_id)
        if key is None:
            return
        if key_id == "done":
            target, keyed = self._target, self._keys_in_focus()
            self.detach()
            if keyed and target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)  # back where the keys typed
            self.done.emit()
            return
        if key_id == "shift":
            following: dict[ShiftState, ShiftState] = {
                "off": "once",
                "once": "lock",
                "lock": "off",
            }
            self._shift = following[self._shift]
            self._apply_shift()
            return
        if key_id == "accents":
            self._set_page("letters" if self._page == "accents" else "accents")
            return
        if key_id == "script":
            self._set_page("letters" if self._page == self._own else self._own)
            return
        target = self._target
        if target is None or not target.isEnabled() or target.isReadOnly():
            return
        if not target.hasFocus() and not self._keys_in_focus():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        if key_id == "backspace":
            target.backspace()
            return
        text = key.text
        if key.letter and self._shift != "off":
            text = _upper(text)
        if len(text) > 1 and text[0] in "@." and self._char_before_cursor() == text[0]:
            text = text[1:]  # "ana@" + "@gmail.com" gives "ana@gmail.com"
        self._insert(target, text)
        if key.letter:
            if self._shift == "once":
                self._shift = "off"
                self._apply_shift()
            if "accents" in key.pages:
                self._set_page("letters")

    def _keys_in_focus(self) -> bool:
        """Whether a key has the focus: the patient types with a keypad or a switch."""
        focus = QApplication.focusWidget()
        return focus is not None and focus is not self and self.isAncestorOf(focus)

    def _arrow(self, button: QPushButton, key: int) -> bool:
        """Move the focus to the nearest key on show in the arrow's direction."""
        step = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }.get(Qt.Key(key))
        if step is None or self._grid is None:
            return False
        here = button.geometry().center()
        best: tuple[int, QPushButton] | None = None
        for other, _key in self._grid.keys:
            if other is button or not other.isVisibleTo(self._grid):
                continue
            there = other.geometry().center()
            along = (there.x() - here.x()) * step[0] + (there.y() - here.y()) * step[1]
            across = abs((there.x() - here.x()) * step[1]) + abs((there.y() - here.y()) * step[0])
            if along > 0 and (best is None or along + 3 * across < best[0]):
                best = (along + 3 * across, other)
        if best is not None:
            best[1].setFocus(Qt.FocusReason.TabFocusReason)
        return True  # at the edge the focus stays on the keys

    @staticmethod
    def _insert(target: QLineEdit, text: str) -> None:
        """Type ``text`` at the cursor, all of it or (past maxLength) none of it.
        QLineEdit.insert checks the validator and emits textEdited."""
        kept = len(target.text()) - len(target.selectedText())
        if kept + len(text) > target.maxLength():
            return
        target.insert(text)

    def _char_before_cursor(self) -> str:
        target = self._target
        if target is None:
            return ""
        pos = target.selectionStart() if target.hasSelectedText() else target.cursorPosition()
        return target.text()[pos - 1 : pos] if pos > 0 else ""

    # --- shift and pages ------------------------------------------------------------------
    def _sync_auto_shift(self) -> None:
        """Name layout: a capital letter at the start, and after a space or a hyphen."""
        if self._layout != "name" or self._shift == "lock" or self._target is None:
            return
        before = self._char_before_cursor()
        self._shift = "once" if before in ("", " ", "-") else "off"

    def _apply_shift(self) -> None:
        shifted = self._shift != "off"
        for key_id, key in self._keys.items():
            if not key.letter:
                continue
            button = self._buttons[key_id]
            button.setText(_upper(key.legend) if shifted else key.legend)
            if shifted and _upper(key.legend) != key.legend:
                spoken = key.accessible[:1].upper() + key.accessible[1:]
                button.setAccessibleName(self._texts["capital"].format(letter=spoken))
            else:
                button.setAccessibleName(key.accessible)
        shift = self._buttons.get("shift")
        if shift is not None:
            shift.setChecked(shifted)
            shift.setText(SHIFT_LEGENDS[self._shift])
            shift.setAccessibleDescription(
                {"off": "", "once": self._texts["shift_once"], "lock": self._texts["shift_lock"]}[
                    self._shift
                ]
            )

    def _set_page(self, page: str) -> None:
        if page == self._page or self._grid is None:
            return
        self._page = page
        for button, key in self._grid.keys:
            if key.pages:
                button.setVisible(page in key.pages)
        toggle = self._buttons.get("accents")
        if toggle is not None:
            toggle.setText("abc" if page == "accents" else "àé")
            toggle.setAccessibleName(self._texts["letters" if page == "accents" else "accents"])
        script = self._buttons.get("script")
        if script is not None:  # the other script's first letters, and its name
            own = page == self._own
            script.setText("abc" if own else OWN_LEGENDS[self._own])
            script.setAccessibleName(
                self._texts["latin_letters" if own else f"{self._own}_letters"]
            )
        self._grid.place()

    # --- the field ------------------------------------------------------------------------
    @Slot()
    def _on_cursor_moved(self) -> None:
        if self._shift != "lock" and self._layout == "name":
            was = self._shift
            self._sync_auto_shift()
            if self._shift != was:
                self._apply_shift()

    @Slot()
    def _on_target_destroyed(self) -> None:
        self._target = None  # nothing left to disconnect from
        self.detach()

    def _release_target(self) -> None:
        self._reveal = None
        target, self._target = self._target, None
        scroll, self._scroll = self._scroll, None
        if scroll is not None:
            # A page deleted with its field (the window closing, the screens rebuilt): its
            # children go after it, so the page may be gone by the time the field's
            # ``destroyed`` brings us here; its event filters went with it.
            with contextlib.suppress(RuntimeError):
                scroll.removeEventFilter(self)
        if target is None:
            return
        target.removeEventFilter(self)
        for signal, slot in (
            (target.cursorPositionChanged, self._on_cursor_moved),
            (target.destroyed, self._on_target_destroyed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                signal.disconnect(slot)
        if target.property(self._LAYOUT_PROPERTY) is not None:
            target.installEventFilter(self)  # still bound: keep watching for taps

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(watched, QPushButton):
            assert isinstance(event, QKeyEvent)
            return self._arrow(watched, event.key())
        if kind == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            assert isinstance(event, QFocusEvent)
            layout = watched.property(self._LAYOUT_PROPERTY)
            keyed = event.reason() in (TAB, Qt.FocusReason.BacktabFocusReason)
            if keyed and layout in LAYOUTS and (watched is not self._target or self.isHidden()):
                self.attach(watched, layout)  # Tab into the field: the keys come up
            return False
        if watched is self._target:
            if kind == QEvent.Type.Hide and not event.spontaneous():
                self.detach()  # the screen holding the field went away
                return False
        elif watched is self._scroll:
            if kind == QEvent.Type.Resize:
                # the window turned, or the keyboard changed height: once the scroll area has
                # laid itself out, bring the field back into view
                QTimer.singleShot(0, self, self.keep_field_visible)
            return False
        if kind == QEvent.Type.MouseButtonPress and isinstance(watched, QLineEdit):
            layout = watched.property(self._LAYOUT_PROPERTY)
            if layout in LAYOUTS and (watched is not self._target or self.isHidden()):
                self.attach(watched, layout)
        return False
