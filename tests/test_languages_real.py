"""The real Spanish and Arabic packs on every page of the kiosk: nothing English shows, and
Arabic lays the window out right to left (issue 13).

Each page of the journey is walked in the language (the summary's email form, its address
shown back, and the phone view too) and every widget on show is read: its text, a field's
placeholder, the summary preview's text. The English pack's phrases (three words or more)
and any Latin word that is not one of the language's own pack (a brand name such as BOTOX)
count as English; the clinic's configured name and the patient's typed name are allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QTextBrowser, QWidget

from kiosk import resources

from .helpers import LATER, open_kiosk, shown, tap, walk_to
from .pseudo_packs import english_texts
from .test_outputs_i18n import PLACEHOLDER, english_left, plain

# The real packs' pages read the same on every Python version: CI walks them once (conftest).
pytestmark = pytest.mark.one_python

LANGUAGES = ["es", "ar"]
CLINIC = "Demo Clinic"
#: The email keyboard's domain keys (gmail.com, …): names, in every language.
MAIL_DOMAINS = {"gmail", "outlook", "yahoo", "icloud", "hotmail", "com"}


def english_sentences() -> frozenset[str]:
    """Every sentence or phrase of three words or more of the English pack (split at its
    placeholders and sentence ends): one of them shown means English on screen."""
    parts = (
        " ".join(part.split()).strip(" ,.?!:;")
        for text in english_texts()
        for chunk in PLACEHOLDER.split(text)
        for part in re.split(r"(?<=[.?!:])\s+", chunk)
    )
    return frozenset(p for p in parts if len(p.split()) >= 3)


def english_in(text: str, pack) -> list[str]:  # type: ignore[no-untyped-def]
    flat = " ".join(plain(text).split())
    words = [w for w in english_left(text, pack) if w not in MAIL_DOMAINS]
    return words + sorted(s for s in english_sentences() if s in flat)


def visible_texts(window: QWidget) -> list[str]:
    """What a patient can read on the window now (rich text without its tags)."""
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or not w.isVisibleTo(window):
            continue
        if isinstance(w, QLabel):
            found.append(re.sub(r"<[^>]+>", " ", w.text()))
        elif isinstance(w, QAbstractButton):
            found.append(w.text())
        elif isinstance(w, QLineEdit):
            found += [w.text(), w.placeholderText()]
        elif isinstance(w, QTextBrowser):
            found.append(w.toPlainText())
    return [t for t in found if t.strip()]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    demo = resources.demo_config().read_text(encoding="utf-8")
    demo = demo.replace('languages = ["en"]', 'languages = ["en", "es", "ar"]')
    demo = demo.replace('name = "Demo Aesthetic Clinic"', f'name = "{CLINIC}"')
    demo = demo.replace('logo = "../images/', f'logo = "{resources.path("images")}/')
    demo = demo.replace(
        'staff_pin_file = "staff-pin"', f'staff_pin_file = "{resources.path("demo", "staff-pin")}"'
    )
    path = tmp_path / "kiosk.toml"
    path.write_text(demo, encoding="utf-8")
    return path


def check(window, page: str, found: dict[str, list[str]], allowed: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Every English string on show on ``page`` into ``found``."""
    for text in visible_texts(window):
        if text not in allowed:
            english = english_in(text, window.ctx.pack)
            if english:
                found.setdefault(page, []).extend(english)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_the_language_with_nothing_english(
    qtbot, config: Path, language: str
) -> None:
    window = open_kiosk(qtbot, config, language)
    pack = window.ctx.pack
    assert pack.language == language
    rtl = Qt.LayoutDirection.RightToLeft if language == "ar" else Qt.LayoutDirection.LeftToRight
    assert window.layoutDirection() == rtl
    found: dict[str, list[str]] = {}
    # the start screen names each language in its own words ("English"): not English text
    names = {p.language_name for p in window.ctx.packs.values()}
    check(window, "attract", found, names)
    visit = window.ctx.visit
    visit.start()
    visit.session.first_name = "Ana"
    for page in window.page_ids()[1:]:
        walk_to(window, page)
        qtbot.wait(0)
        check(window, page, found, set())
        if page == "summary":  # its other views: the email form, and the phone's QR code
            for card, back in (
                ("summary_email", "email_cancel"),
                ("summary_phone", "summary_phone_back"),
            ):
                window.taps.clock.advance(LATER)
                tap(window, shown(window, card))
                check(window, f"summary/{card}", found, set())
                window.taps.clock.advance(LATER)
                tap(window, shown(window, back))
    assert found == {}
    assert window.layoutDirection() == rtl
    window.close()


def test_kiosk_mode_refuses_a_draft_translation(tmp_path: Path) -> None:
    """The shipped Spanish pack is a draft: a fullscreen kiosk offering it does not start
    until the clinic's clinician signs it off (its code in [content] reviewed_languages);
    English signed off alone is not enough."""
    from .helpers import DEMO_CLINIC, SIGNED_OFF, run_kiosk

    base = DEMO_CLINIC + '[kiosk]\nfullscreen = true\nlanguages = ["en", "es"]\n' + SIGNED_OFF
    config = tmp_path / "kiosk.toml"
    config.write_text(base, encoding="utf-8")
    result = run_kiosk("--config", str(config), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert "no sign-off yet for Español (es), a draft translation" in result.stderr
    assert "English" not in result.stderr  # the config's sign-off covers English


@pytest.fixture
def kiosk(qtbot, config: Path):  # type: ignore[no-untyped-def]
    window = open_kiosk(qtbot, config)
    yield window
    window.close()


def press(window, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    window.taps.clock.advance(LATER)
    tap(window, widget)


def test_a_switch_on_the_summary_keeps_the_print_the_address_and_the_view(qtbot, kiosk) -> None:
    """A copy printed, an address typed and consent ticked, then Arabic: the Print card
    still says where to collect it (in Arabic), the form still holds the address."""
    from .test_languages import choose

    visit = kiosk.ctx.visit
    visit.start()
    walk_to(kiosk, "summary")
    with qtbot.waitSignal(kiosk.ctx.printer.reported, timeout=30000):
        press(kiosk, shown(kiosk, "summary_print"))
    qtbot.waitUntil(lambda: visit.print_job is None, timeout=30000)
    press(kiosk, shown(kiosk, "summary_email"))
    for key in ("a", "n", "a", "at", "gmail_com"):
        press(kiosk, kiosk.keyboard().key(key))
    press(kiosk, shown(kiosk, "email_consent"))
    press(kiosk, kiosk.keyboard().key("done"))  # the keyboard down: the header's button shows
    choose(kiosk, "ar")
    assert kiosk.ctx.pack.language == "ar" and kiosk.screen_id() == "summary"
    assert shown(kiosk, "email_address").text() == "ana@gmail.com"
    assert kiosk.findChild(QAbstractButton, "email_consent").isChecked()
    press(kiosk, shown(kiosk, "email_cancel"))
    state = shown(kiosk, "summary_print_state").text()
    assert state.startswith(kiosk.ctx.pack.t("summary.printed", location="x").split("x")[0])
    assert kiosk.ctx.pack.t("summary.front_desk") in state


def test_a_staff_reset_on_the_start_screen_puts_the_default_language_back(kiosk) -> None:
    """Arabic chosen on the start screen, then the staff reset: the next patient gets the
    first language, left to right, throughout."""
    press(kiosk, shown(kiosk, "lang_ar"))
    assert kiosk.layoutDirection() == Qt.LayoutDirection.RightToLeft
    kiosk.reset_session()
    assert kiosk.ctx.pack.language == "en"
    assert kiosk.layoutDirection() == Qt.LayoutDirection.LeftToRight
    kiosk.ctx.visit.start()
    assert shown(kiosk, "nav_next").text() == kiosk.ctx.packs["en"].t("ui.next")


def test_a_translation_that_drops_a_health_question_is_refused(tmp_path: Path) -> None:
    """Every language must ask the same questions and show the same areas and signs as the
    first: a pack that drops one passed check-config, and a switch mid-visit landed on an
    empty page."""
    import shutil

    from .helpers import DEMO_CLINIC, run_kiosk

    content = tmp_path / "content"
    shutil.copytree(resources.content_dir(), content)
    es = content / "es" / "content.toml"
    text = es.read_text(encoding="utf-8")
    start = text.index("[[consultation.screening]]")
    end = text.index("[[consultation.screening]]", start + 1)
    es.write_text(text[:start] + text[end:], encoding="utf-8")  # the first question gone
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC
        + '[kiosk]\nfullscreen = false\nlanguages = ["en", "es"]\n'
        + f'[content]\ndir = "{content}"\n'
        + '[print]\nlocations = { zz = "x" }\n',
        encoding="utf-8",
    )
    result = run_kiosk("check-config", str(config))
    assert result.returncode == 2
    assert f"{es}: consultation.screening: must be the same as the English pack's (missing " in (
        result.stderr
    )
    assert f"{config}: print.locations.zz: is not a language this kiosk offers" in result.stderr
