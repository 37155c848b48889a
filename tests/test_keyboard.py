"""The on-screen keyboard, driven by tapping its keys: layouts, shift and accents, limits of
the field, focus, privacy, and that it never covers the field it types into."""

from __future__ import annotations

import itertools
import string
import unicodedata
from dataclasses import dataclass

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, QRegularExpression, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk import app
from kiosk.core.content import TEXT_KEYS
from kiosk.ui.keyboard import ACCENTS, DEFAULT_TEXTS, DOMAINS, OnScreenKeyboard
from kiosk.ui.widgets import ScrollPage, label

from .helpers import DEMO_CLINIC

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
MIN_TARGET = 64


@pytest.fixture(autouse=True)
def _kiosk_theme(qapp):  # type: ignore[no-untyped-def]
    """The kiosk's style sheet, as the real window has it (its button rules must not leak
    into the keys)."""
    app.application()


@dataclass
class Host:
    """A stand-in for the kiosk window: header, a scrolling page, the keyboard, the footer."""

    window: QWidget
    page: ScrollPage
    field: QLineEdit
    keyboard: OnScreenKeyboard


def make_host(qtbot, size=SIZES["portrait"], filler: int = 200) -> Host:  # type: ignore[no-untyped-def]
    window = QWidget()
    window.setObjectName("central")
    root = QVBoxLayout(window)
    root.setContentsMargins(0, 0, 0, 0)
    root.setSpacing(0)
    header = QWidget()
    header.setFixedHeight(90)
    root.addWidget(header)
    page = ScrollPage()
    page.add(label("Your first name", "h2"))
    spacer = QWidget()
    spacer.setFixedHeight(filler)
    page.add(spacer)
    field = QLineEdit()
    field.setObjectName("first_name")
    field.setAccessibleName("Your first name")
    field.setMaxLength(80)
    field.setMaximumWidth(720)
    page.add(field)
    page.add(label("We use it to greet you on your summary.", "small"))
    page.finish()
    root.addWidget(page, 1)
    keyboard = OnScreenKeyboard()
    root.addWidget(keyboard)
    footer = QWidget()
    footer.setFixedHeight(120)
    root.addWidget(footer)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return Host(window, page, field, keyboard)


@pytest.fixture
def host(qtbot) -> Host:  # type: ignore[no-untyped-def]
    return make_host(qtbot)


def tap(qtbot, button: QAbstractButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tap_char(qtbot, kbd: OnScreenKeyboard, ch: str) -> None:  # type: ignore[no-untyped-def]
    """Type one character as a patient would: shift and the accents page as needed, then
    the key that shows the character."""
    if ch == " ":
        tap(qtbot, kbd.key("space"))
        return
    if ch.isalpha() and kbd.keyboard_layout() == "name":
        while (ch != ch.lower()) != (kbd.shift_state() != "off"):
            tap(qtbot, kbd.key("shift"))
        on_letters = ch.lower() in string.ascii_lowercase
        if (kbd.page() == "letters") != on_letters:
            tap(qtbot, kbd.key("accents"))
    shown = [b for b in kbd.key_buttons() if b.isVisible() and b.text() == ch]
    assert len(shown) == 1, f"no single key shows {ch!r}"
    tap(qtbot, shown[0])


def tap_text(qtbot, kbd: OnScreenKeyboard, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        tap_char(qtbot, kbd, ch)


def window_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


# --- typing --------------------------------------------------------------------------------
def test_name_layout_types_a_name_with_accents(qtbot, host) -> None:
    kbd = host.keyboard
    edited: list[str] = []
    host.field.textEdited.connect(edited.append)
    kbd.attach(host.field, "name")
    tap_text(qtbot, kbd, "Zoë O'Brien-Ødegård")
    assert host.field.text() == "Zoë O'Brien-Ødegård"
    assert edited[-1] == "Zoë O'Brien-Ødegård"  # the screens listen to textEdited
    assert kbd.page() == "letters"  # the accents page goes back after one accented letter


def test_shift_auto_capitals_and_caps_lock(qtbot, host) -> None:
    kbd = host.keyboard
    kbd.attach(host.field, "name")
    assert kbd.shift_state() == "once"  # a name starts with a capital
    assert kbd.key("a").text() == "A" and kbd.key("a").accessibleName() == "capital A"
    tap(qtbot, kbd.key("a"))
    assert kbd.shift_state() == "off" and kbd.key("a").text() == "a"
    tap(qtbot, kbd.key("shift"))
    tap(qtbot, kbd.key("accents"))
    assert kbd.key("e_acute").text() == "É"  # accented letters follow shift too
    # spoken as the letter itself: Unicode's "E with acute" is English on any page
    assert kbd.key("e_acute").accessibleName() == "capital É"
    assert kbd.key("sharp_s").text() == "ß"
    tap(qtbot, kbd.key("e_acute"))
    tap(qtbot, kbd.key("shift"))
    tap(qtbot, kbd.key("shift"))
    assert kbd.shift_state() == "lock" and kbd.key("shift").isChecked()
    tap_text(qtbot, kbd, "BC")
    assert kbd.shift_state() == "lock"
    tap(qtbot, kbd.key("shift"))
    assert kbd.shift_state() == "off"
    tap(qtbot, kbd.key("d"))
    tap(qtbot, kbd.key("space"))
    assert kbd.shift_state() == "once"  # a capital after a space
    tap(qtbot, kbd.key("d"))
    tap(qtbot, kbd.key("hyphen"))
    assert kbd.shift_state() == "once"  # and after a hyphen
    tap(qtbot, kbd.key("e"))
    tap(qtbot, kbd.key("apostrophe"))
    assert kbd.shift_state() == "off"  # not after an apostrophe: d'Arcy, O'Brien
    assert host.field.text() == "AÉBCd D-E'"
    host.field.setCursorPosition(1)
    assert kbd.shift_state() == "off"
    host.field.home(False)
    assert kbd.shift_state() == "once"


def test_email_layout_domains_and_dot_com(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    kbd.attach(field, "email")
    assert kbd.findChild(QPushButton, "key_space") is None
    assert kbd.findChild(QPushButton, "key_shift") is None
    tap_text(qtbot, kbd, "ana")
    tap(qtbot, kbd.key("gmail_com"))
    assert field.text() == "ana@gmail.com"
    field.clear()
    tap_text(qtbot, kbd, "bo_2+x")
    tap(qtbot, kbd.key("at"))
    tap_text(qtbot, kbd, "example")
    tap(qtbot, kbd.key("dotcom"))
    assert field.text() == "bo_2+x@example.com"
    field.setText("ana@")
    tap(qtbot, kbd.key("hotmail_com"))  # no second "@"
    assert field.text() == "ana@hotmail.com"
    field.setText("ana@clinic.")
    tap(qtbot, kbd.key("dotcom"))  # no second "."
    assert field.text() == "ana@clinic.com"
    field.setText("a")
    tap_text(qtbot, kbd, "-.")
    assert field.text() == "a-."


def test_typing_goes_in_at_the_cursor_and_backspace_deletes_before_it(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    kbd.attach(field, "email")
    tap_text(qtbot, kbd, "abc")
    tap(qtbot, kbd.key("backspace"))
    assert field.text() == "ab"
    field.setCursorPosition(1)
    tap(qtbot, kbd.key("x"))
    assert field.text() == "axb" and field.cursorPosition() == 2
    tap(qtbot, kbd.key("backspace"))
    tap(qtbot, kbd.key("backspace"))
    assert field.text() == "b"
    tap(qtbot, kbd.key("backspace"))  # at the start: nothing to delete
    assert field.text() == "b"
    field.selectAll()
    tap(qtbot, kbd.key("z"))  # replaces the selection, like a typed key
    assert field.text() == "z"
    assert kbd.key("backspace").autoRepeat()


def test_done_hides_the_keyboard_and_emits_done(qtbot, host) -> None:
    kbd = host.keyboard
    kbd.attach(host.field, "name")
    assert kbd.isVisible() and kbd.target() is host.field
    with (
        qtbot.waitSignal(kbd.done, timeout=1000),
        qtbot.waitSignal(kbd.visibility_changed, timeout=1000) as shown,
    ):
        tap(qtbot, kbd.key("done"))
    assert shown.args == [False]
    assert not kbd.isVisible() and kbd.target() is None
    kbd.key("a").click()  # a stray tap on a hidden key types nothing
    assert host.field.text() == ""


def test_max_length_and_validator_are_respected(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    field.setMaxLength(13)
    kbd.attach(field, "email")
    tap_text(qtbot, kbd, "ana")
    tap(qtbot, kbd.key("hotmail_com"))  # 15 characters: all or nothing, never "ana@hotmail."
    assert field.text() == "ana"
    tap(qtbot, kbd.key("gmail_com"))  # 13: just fits
    assert field.text() == "ana@gmail.com"
    tap(qtbot, kbd.key("m"))
    assert field.text() == "ana@gmail.com"

    field.setMaxLength(80)
    field.setText("")
    field.setValidator(QRegularExpressionValidator(QRegularExpression(r"[A-Za-z ]*"), field))
    kbd.attach(field, "name")
    tap_text(qtbot, kbd, "Al")
    tap(qtbot, kbd.key("hyphen"))
    tap(qtbot, kbd.key("apostrophe"))
    assert field.text() == "Al"


def test_read_only_field_takes_nothing(qtbot, host) -> None:
    host.field.setReadOnly(True)
    host.keyboard.attach(host.field, "name")
    tap(qtbot, host.keyboard.key("q"))
    assert host.field.text() == ""


def test_physical_keyboard_keeps_working_and_field_keeps_focus(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    kbd.attach(field, "name")
    assert host.window.focusWidget() is field
    qtbot.keyClicks(field, "Ana")
    assert field.text() == "Ana"
    tap(qtbot, kbd.key("s"))
    qtbot.keyClicks(field, "tasia")
    assert field.text() == "Anastasia"
    assert kbd.isVisible()
    assert host.window.focusWidget() is field  # taps on keys never took the focus
    # keys take the focus from Tab and the arrows (a keypad, a switch), never from a tap
    assert all(k.focusPolicy() == Qt.FocusPolicy.TabFocus for k in kbd.key_buttons())
    assert kbd.focusPolicy() == Qt.FocusPolicy.NoFocus


# --- never covers the field -------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["name", "email"])
@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("page_kind", ["field_below_the_fold", "field_at_the_bottom"])
def test_keyboard_never_covers_its_field(qtbot, orientation, layout, page_kind) -> None:
    width, height = SIZES[orientation]
    # below the fold: the page must scroll to show the field at all; at the bottom: the field
    # shows before the keyboard opens, where the keyboard then goes
    filler = 2 * height if page_kind == "field_below_the_fold" else height - 520
    host = make_host(qtbot, (width, height), filler)
    kbd, field, viewport = host.keyboard, host.field, host.page.viewport()
    before = window_rect(field)
    if page_kind == "field_below_the_fold":
        assert not window_rect(viewport).contains(before)
    else:
        assert window_rect(viewport).contains(before)
        assert before.bottom() > height - 120 - 300  # where the keyboard (300+ px) goes

    kbd.attach(field, layout)

    keyboard_rect = window_rect(kbd)
    field_rect = window_rect(field)
    assert kbd.isVisible() and keyboard_rect.height() >= kbd.sizeHint().height()
    assert not field_rect.intersects(keyboard_rect), (field_rect, keyboard_rect)
    assert window_rect(viewport).contains(field_rect)  # fully in view, not clipped
    assert field_rect.bottom() < keyboard_rect.top()


def test_field_stays_in_view_when_the_window_turns(qtbot) -> None:
    host = make_host(qtbot, SIZES["portrait"], filler=1500)
    kbd, field = host.keyboard, host.field
    kbd.attach(field, "email")
    host.window.resize(*SIZES["landscape"])

    def in_view() -> None:
        assert window_rect(host.page.viewport()).contains(window_rect(field))
        assert not window_rect(field).intersects(window_rect(kbd))

    qtbot.waitUntil(in_view, timeout=2000)


def test_bound_field_attaches_on_tap_and_detaches_when_its_screen_goes(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    kbd.bind(field, "email")
    assert kbd.isHidden()
    with qtbot.waitSignal(kbd.visibility_changed, timeout=1000) as shown:
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    assert shown.args == [True]
    assert kbd.target() is field and kbd.keyboard_layout() == "email"
    tap(qtbot, kbd.key("done"))
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)  # still bound after Done
    assert kbd.isVisible()
    host.page.hide()  # the screen changed
    assert kbd.isHidden() and kbd.target() is None


def test_field_deleted_while_attached(qtbot, host) -> None:
    kbd = host.keyboard
    kbd.attach(host.field, "name")
    shiboken6.delete(host.field)
    assert kbd.target() is None and kbd.isHidden()


def test_switching_layouts_leaves_one_set_of_keys(qtbot, host) -> None:
    kbd = host.keyboard
    kbd.attach(host.field, "name")
    kbd.attach(host.field, "email")
    assert kbd.keyboard_layout() == "email"
    assert kbd.findChild(QPushButton, "key_a") is kbd.key("a")
    assert len(kbd.findChildren(QPushButton, "key_a")) == 1
    assert kbd.findChild(QPushButton, "key_shift") is None
    tap_text(qtbot, kbd, "a1")
    assert host.field.text() == "a1"


def test_texts_can_be_translated(qtbot, host) -> None:
    kbd = OnScreenKeyboard(texts={"done": "Fertig", "backspace": "Rücktaste"})
    host.window.layout().addWidget(kbd)
    kbd.attach(host.field, "name")
    assert kbd.key("done").text() == "Fertig" and kbd.key("done").accessibleName() == "Fertig"
    assert kbd.key("backspace").accessibleName() == "Rücktaste"
    with pytest.raises(ValueError, match="unknown keyboard texts: dnoe"):
        OnScreenKeyboard(texts={"dnoe": "Fertig"})


def test_new_words_label_the_keys_the_next_time_it_comes_up(qtbot, host) -> None:
    kbd = OnScreenKeyboard()
    host.window.layout().addWidget(kbd)
    kbd.attach(host.field, "email")
    kbd.detach()
    kbd.set_texts({"done": "Listo", "at": "arroba"})
    assert kbd.accessibleName() == "on-screen keyboard"  # what was not given stays English
    kbd.attach(host.field, "email")
    assert kbd.key("done").text() == "Listo" and kbd.key("at").accessibleName() == "arroba"
    with pytest.raises(ValueError, match="unknown keyboard texts: hecho"):
        kbd.set_texts({"hecho": "Listo"})


def test_every_content_pack_words_every_key() -> None:
    """A pack must give every word the keyboard shows or speaks, and no other."""
    plain, lists = TEXT_KEYS["keyboard"]
    assert plain == set(DEFAULT_TEXTS) and not lists


def test_the_kiosk_keyboard_speaks_the_patients_language(qtbot, content_copy, write_config) -> None:
    pack = content_copy / "en" / "content.toml"
    pack.write_text(
        pack.read_text(encoding="utf-8").replace('done = "Done"', 'done = "Finished typing"'),
        encoding="utf-8",
    )
    window = app.build_window(write_config(DEMO_CLINIC + f'[content]\ndir = "{content_copy}"\n'))
    qtbot.addWidget(window)
    keyboard = window.keyboard()
    keyboard.attach(window.page("privacy").name, "name")
    assert keyboard.key("done").text() == "Finished typing"
    assert keyboard.key("backspace").accessibleName() == "backspace"
    window.close()  # with the keyboard still up: closing must not raise


def test_unknown_layout_is_an_error(host) -> None:
    with pytest.raises(ValueError, match="layout"):
        host.keyboard.attach(host.field, "phone")  # type: ignore[arg-type]


# --- size, names, privacy ---------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["name", "email"])
@pytest.mark.parametrize("orientation", list(SIZES))
def test_keys_are_big_enough_and_fit(qtbot, orientation, layout) -> None:
    width, _ = SIZES[orientation]
    host = make_host(qtbot, SIZES[orientation])
    kbd = host.keyboard
    kbd.attach(host.field, layout)
    pages = ["letters", "accents"] if layout == "name" else ["letters"]
    for page in pages:
        if kbd.page() != page:
            tap(qtbot, kbd.key("accents"))
        keys = [k for k in kbd.key_buttons() if k.isVisible()]
        assert window_rect(kbd).width() <= width
        rows: dict[int, int] = {}
        for key in keys:
            rect = window_rect(key)
            assert rect.width() >= MIN_TARGET and rect.height() >= MIN_TARGET, key.objectName()
            assert window_rect(kbd).contains(rect), key.objectName()
            assert QFontMetrics(key.font()).horizontalAdvance(key.text()) + 16 <= rect.width()
            assert QFontInfo(key.font()).pixelSize() >= 22, key.objectName()
            rows[rect.top()] = rows.get(rect.top(), 0) + 1
        assert max(rows.values()) <= 11
        for a, b in itertools.combinations(keys, 2):
            assert not a.geometry().intersects(b.geometry()), (a.objectName(), b.objectName())


@pytest.mark.parametrize("layout", ["name", "email"])
def test_every_key_has_a_name_and_an_accessible_name(host, layout) -> None:
    kbd = host.keyboard
    assert kbd.objectName() == "keyboard" and kbd.accessibleName()
    kbd.attach(host.field, layout)
    names = [k.objectName() for k in kbd.key_buttons()]
    assert len(names) == len(set(names))
    for key in kbd.key_buttons():
        assert key.objectName().startswith("key_")
        assert key.accessibleName(), key.objectName()
        assert key.minimumWidth() >= MIN_TARGET and key.minimumHeight() >= MIN_TARGET
    spoken = {k.objectName(): k.accessibleName() for k in kbd.key_buttons()}
    assert spoken["key_backspace"] == "backspace" and spoken["key_done"] == "Done"
    if layout == "name":
        assert spoken["key_space"] == "space" and spoken["key_hyphen"] == "hyphen"
        assert spoken["key_apostrophe"] == "apostrophe" and spoken["key_shift"] == "shift"
        assert spoken["key_o_stroke"] == "capital Ø"  # shifted at the start
        legends = {k.text().lower() for k in kbd.key_buttons()} | {
            k.text() for k in kbd.key_buttons()
        }
        for ch in ACCENTS:
            assert ch in legends, unicodedata.name(ch)
    else:
        assert spoken["key_at"] == "at sign" and spoken["key_dotcom"] == "dot com"
        assert spoken["key_gmail_com"] == "at sign gmail dot com"
        assert {k.text() for k in kbd.key_buttons()} >= set(DOMAINS) | set("@.-_+0123456789")


def test_keeps_no_copy_of_what_was_typed(qtbot, host) -> None:
    kbd, field = host.keyboard, host.field
    kbd.attach(field, "name")
    tap_text(qtbot, kbd, "Zebedée")
    qtbot.keyClicks(field, "Quux")
    assert field.text() == "ZebedéeQuux"
    kbd.detach()
    assert kbd.target() is None
    for widget in kbd.findChildren(QLabel) + kbd.findChildren(QPushButton):
        for typed in ("Zebedée", "Quux", "Ze", "Qu"):
            assert typed not in widget.text(), widget.objectName()
            assert typed not in widget.accessibleName(), widget.objectName()
    assert not any(
        isinstance(v, str) and len(v) > 1 and v in "ZebedéeQuux" for v in vars(kbd).values()
    )
