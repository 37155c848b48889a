"""The kiosk in more than one language: the header's language button, a switch that keeps the
answers and the page, right to left for Arabic (the face map not mirrored), the keyboard's
Arabic letters, mixed text isolated, and fonts that shape Arabic.

The packs here are the English one copied under other codes ("xx", and "ar" with a few
Arabic words): they prove the mechanism; the real packs have tests of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextLayout
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget

from kiosk import app
from kiosk.core.content import FSI, LRI, NBSP, PDI
from kiosk.services import fonts

from .helpers import DEMO_CLINIC, LATER, open_kiosk, tap, walk_to
from .test_layout import problems_on_screen

ARABIC_WORDS = {"back": "رجوع", "next": "التالي"}


def pseudo_pack(content: Path, code: str, name: str, words: dict[str, str]) -> None:
    """A copy of the English pack as language ``code``, with some of its ui words replaced."""
    text = (content / "en" / "content.toml").read_text(encoding="utf-8")
    text = text.replace('language = "en"', f'language = "{code}"', 1)
    text = text.replace('language_name = "English"', f'language_name = "{name}"', 1)
    for key, word in words.items():
        english = {"back": 'back = "Back"', "next": 'next = "Next"'}[key]
        text = text.replace(english, f'{key} = "{word}"', 1)
    (content / code).mkdir(exist_ok=True)  # over a real pack of that language
    (content / code / "content.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def three_config(content_copy, write_config) -> Path:
    """A kiosk offering English, a pseudo Spanish ("xx") and a pseudo Arabic ("ar")."""
    pseudo_pack(content_copy, "xx", "Testish", {"next": "«xx» Next"})
    pseudo_pack(content_copy, "ar", "العربية", ARABIC_WORDS)
    return write_config(
        DEMO_CLINIC
        + f'[kiosk]\nlanguages = ["en", "xx", "ar"]\n[content]\ndir = "{content_copy}"\n'
    )


@pytest.fixture
def three(qtbot, three_config):  # type: ignore[no-untyped-def]
    """The kiosk of ``three_config``, shown, settled, with a tap clock the test moves."""
    win = open_kiosk(qtbot, three_config)
    yield win
    win.close()


def choose(window, code: str) -> None:  # type: ignore[no-untyped-def]
    """Tap the header's language button, then the language, as a finger would."""
    clock = window.taps.clock
    clock.advance(LATER)
    tap(window, window.nav_lang)
    chooser = window.language_chooser
    assert chooser.isVisible()
    clock.advance(LATER)
    tap(window, chooser.findChild(QAbstractButton, f"lang_choice_{code}"))
    assert not chooser.isVisible()


def x_of(window, widget: QWidget) -> int:  # type: ignore[no-untyped-def]
    return widget.mapTo(window, QPoint(0, 0)).x()


def test_the_language_button_is_on_every_page_in_one_place(three) -> None:
    window = three
    window.ctx.visit.start()
    places = set()
    for page_id in window.page_ids()[1:]:
        walk_to(window, page_id)
        button = window.nav_lang
        assert button.isVisible() and button.text() == "English", page_id
        assert button.width() >= 64 and button.height() >= 64
        places.add((button.mapTo(window, QPoint(0, 0)).x(), button.mapTo(window, QPoint(0, 0)).y()))
    assert len(places) == 1, places


def test_a_switch_keeps_every_answer_and_the_page(three) -> None:
    window = three
    visit = window.ctx.visit
    visit.start()
    session = visit.session
    session.first_name = "Ana"
    session.areas = ["frown_lines", "crows_feet"]
    first_question = window.ctx.pack.screening[0].id
    session.screening = {first_question: "yes"}
    walk_to(window, "areas")
    choose(window, "xx")
    assert window.screen_id() == "areas"
    assert session.language == "xx" and window.ctx.pack.language == "xx"
    assert window.nav_next.text() == "«xx» Next" and window.nav_lang.text() == "Testish"
    assert (session.first_name, session.areas) == ("Ana", ["frown_lines", "crows_feet"])
    assert session.screening == {first_question: "yes"}
    face = window.findChild(QWidget, "face_map")
    assert face.isVisible() and face.selected() == {"frown_lines", "crows_feet"}
    while window.screen_id() != "privacy":  # the rebuilt pages show the answers
        visit.back()
    name = window.page("privacy").findChild(QLineEdit)
    assert name is not None and name.text() == "Ana"


def test_arabic_lays_the_window_out_right_to_left(three) -> None:
    window = three
    visit = window.ctx.visit
    visit.start()
    walk_to(window, "areas")
    face = window.findChild(QWidget, "face_map")
    before = {area: face.area_rects(area) for area in ("frown_lines", "crows_feet")}
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert x_of(window, window.nav_back) < x_of(window, window.nav_next)
    choose(window, "ar")
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.nav_next.text() == ARABIC_WORDS["next"]
    assert x_of(window, window.nav_next) < x_of(window, window.nav_back)  # Next on the left
    steps = [b for b in window.sections.findChildren(QAbstractButton) if b.isVisible()]
    xs = [x_of(window, b) for b in steps]
    assert xs == sorted(xs, reverse=True)  # the first step on the right
    face = window.findChild(QWidget, "face_map")
    assert face.layoutDirection() == Qt.LayoutDirection.RightToLeft
    # the patient's right stays their right: the areas are where they were in the face
    assert {area: face.area_rects(area) for area in before} == before
    # staff read English, left to right; an email address reads left to right
    assert window.staff.panel.layoutDirection() == Qt.LayoutDirection.LeftToRight
    walk_to(window, "summary")
    address = window.findChild(QLineEdit, "email_address")
    assert address.layoutDirection() == Qt.LayoutDirection.LeftToRight
    choose(window, "en")
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight


@pytest.mark.parametrize("size", [app.LANDSCAPE, tuple(reversed(app.LANDSCAPE))])
def test_every_page_in_arabic_is_right_to_left_and_nothing_is_clipped(qtbot, three, size) -> None:
    window = three
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    window.on_language("ar")
    window.ctx.visit.start()
    for page_id in window.page_ids()[1:]:
        walk_to(window, page_id)
        QApplication.processEvents()
        page = window.page(page_id)
        assert page.layoutDirection() == Qt.LayoutDirection.RightToLeft, page_id
        assert problems_on_screen(window, page_id) == [], page_id


def test_the_name_keyboard_opens_on_arabic_letters_with_a_key_to_latin(three) -> None:
    window = three
    window.ctx.visit.start()
    walk_to(window, "privacy")
    choose(window, "ar")
    field = window.page("privacy").findChild(QLineEdit)
    keyboard = window.keyboard()
    keyboard.attach(field, "name")
    assert keyboard.page() == "arabic"
    assert keyboard.layoutDirection() == Qt.LayoutDirection.LeftToRight  # keys where they are
    QApplication.processEvents()
    board = QRect(keyboard.mapTo(window, QPoint(0, 0)), keyboard.size())
    rows: dict[int, int] = {}
    for key in [k for k in keyboard.key_buttons() if k.isVisible()]:
        rect = QRect(key.mapTo(window, QPoint(0, 0)), key.size())
        assert rect.width() >= 64 and rect.height() >= 64, key.objectName()
        assert board.contains(rect), key.objectName()
        rows[rect.top()] = rows.get(rect.top(), 0) + 1
    assert sum(rows.values()) == 36 + 5  # the letters; backspace, hyphen, space, abc, done
    for key in ("ar_alef_with_hamza_above", "ar_meem", "ar_hah"):
        keyboard.key(key).click()
    assert field.text() == "أمح"
    assert not keyboard.key("a").isVisible() and not keyboard.key("shift").isVisible()
    keyboard.key("script").click()
    assert keyboard.page() == "letters" and keyboard.key("a").isVisible()
    assert keyboard.key("script").accessibleName() == "Arabic letters"
    keyboard.key("accents").click()
    keyboard.key("n_tilde").click()  # the Spanish letters are there too
    assert field.text().endswith("ñ")
    keyboard.key("done").click()
    # an email address is typed in Latin letters in every language
    keyboard.attach(field, "email")
    assert keyboard.page() == "letters" and keyboard.key("at").isVisible()
    keyboard.detach()


def test_a_value_filled_into_arabic_keeps_its_own_direction(three) -> None:
    pack = three.ctx.packs["ar"]
    english = three.ctx.packs["en"]
    assert pack.rtl and not english.rtl
    sent = pack.t("done.printed", location="ana@example.com")
    assert f"{FSI}ana@example.com{PDI}" in sent
    assert english.t("done.printed", location="ana@example.com").count(FSI) == 0
    # the clinic's phone, bound when the kiosk starts, too: a number is left to right
    # outright (LRI) and kept on one line
    phone = three.ctx.config.clinic.phone
    assert f"{LRI}{phone.replace(' ', NBSP)}{PDI}" in pack.t("summary.contact")
    assert LRI not in english.t("summary.contact") and phone in english.t("summary.contact")


def test_the_shipped_fonts_shape_arabic(qapp) -> None:
    """DejaVu Sans has Arabic: its letters join (the joined word is narrower than its
    letters apart, drawn with contextual forms), so no other font is shipped for it."""
    assert fonts.FAMILY in fonts.register()
    font = QFont(fonts.FAMILY, 24)
    word = "عربي"
    metrics = QFontMetricsF(font)
    assert metrics.horizontalAdvance(word) < sum(metrics.horizontalAdvance(c) for c in word) - 5
    layout = QTextLayout(word, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    assert [run.rawFont().familyName() for run in runs] == [fonts.FAMILY]
    joined = list(runs[0].glyphIndexes())
    alone = [runs[0].rawFont().glyphIndexesForString(c)[0] for c in word]
    assert 0 not in alone and sorted(joined) != sorted(alone)  # contextual forms, no tofu


def test_the_timeline_runs_from_the_right_in_arabic(three) -> None:
    window = three
    visit = window.ctx.visit
    visit.start()
    visit.session.areas = ["frown_lines"]
    walk_to(window, "timeline")
    QApplication.processEvents()
    chart = window.page("timeline").chart
    lanes = [lane for lane in chart.lanes if lane.isVisible()]
    # (the bars: an entry's words may be moved back to stay inside the lane)
    ltr = [lane.start_x() for lane in lanes]
    assert ltr == sorted(ltr) and ltr[0] < ltr[-1]  # later entries further right
    choose(window, "ar")
    QApplication.processEvents()
    chart = window.page("timeline").chart
    lanes = [lane for lane in chart.lanes if lane.isVisible()]
    rtl = [lane.start_x() for lane in lanes]
    assert rtl == sorted(rtl, reverse=True) and rtl[0] > rtl[-1]  # later ones further left
    assert chart.text_fits()
    # the treatment day's bar and words at the right end
    assert rtl[0] > lanes[0].width() * 0.9
    assert lanes[0].words_rect().right() > lanes[0].width() * 0.9


def test_lang_ar_starts_right_to_left_and_the_next_patient_in_the_default(
    qtbot, three_config
) -> None:
    window = app.build_window(three_config, language="ar")
    qtbot.addWidget(window)
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    attract = window.page("attract")
    own_names = {
        b.objectName(): b.text() for b in attract.findChildren(QAbstractButton) if b.isCheckable()
    }
    assert own_names == {"lang_en": "English", "lang_xx": "Testish", "lang_ar": "العربية"}
    window.on_language("en")
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight
    window.ctx.visit.start()
    window.on_language("ar")
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    window.ctx.visit.walked_away()  # the next patient starts in the first language offered
    assert window.screen_id() == "attract" and window.ctx.pack.language == "en"
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight
    window.close()
