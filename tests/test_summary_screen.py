"""The summary screen, tapped as a patient taps it: the summary first (what you chose, what to
tell the clinician, then get help) in a reading column, then three large choices, Print,
Email and "Take it on your phone", each saying what became of it in its own card; the
address shown back before it is sent; a QR code a phone can scan; the done screen saying
what happens next, and nothing the patient typed surviving it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QFontInfo, QTextLayout
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from kiosk.core.flow import Screen
from kiosk.core.jobs import Kind
from kiosk.ui.widgets import READING_WIDTH

from . import helpers
from .helpers import DEMO_CLINIC, LATER

URL = "https://example.com/aftercare"  # the demo clinic's (resources/demo/config.toml)
ADDRESS = "ana@example.com"
ANA_AT_EXAMPLE = ["a", "n", "a", "at", "e", "x", "a", "m", "p", "l", "e", "dotcom"]
#: About 75 characters a line: a few more for a line of short words.
MAX_LINE = 80
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def to_summary(window) -> None:  # type: ignore[no-untyped-def]
    visit = window.ctx.visit
    visit.session.first_name = "Ana"
    visit.session.toggle_area("frown_lines")
    visit.session.answer("blood_thinners", "yes")
    visit.start()
    while visit.step is not Screen.SUMMARY:
        visit.next()
        QApplication.processEvents()
    assert window.screen_id() == "summary"


def find(window, name: str, kind: type[QWidget] = QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


def tap(window, clock, target: QWidget | str) -> None:  # type: ignore[no-untyped-def]
    """A deliberate tap, past the guard that swallows a repeat."""
    widget = find(window, target) if isinstance(target, str) else target
    assert widget.isVisible(), widget.objectName()
    clock.advance(LATER)
    helpers.tap(window, widget)


def state(window, card: str) -> str:  # type: ignore[no-untyped-def]
    return find(window, f"{card}_state", QLabel).text()


def texts_in(window) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for w in window.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            found.append(w.text())
        found += [w.accessibleName(), w.accessibleDescription()]
    return found


# --- the layout -----------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_summary_then_three_large_choices(qtbot, window, orientation: str) -> None:
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().toTuple() == SIZES[orientation])
    to_summary(window)
    QApplication.processEvents()
    preview = find(window, "summary_preview")
    cards = [find(window, n, QAbstractButton) for n in ("summary_print", "summary_email")]
    cards.append(find(window, "summary_phone", QAbstractButton))
    for card in cards:
        assert card.isVisible() and card.height() >= 120, card.objectName()
        assert card.accessibleName() and card.accessibleDescription()
    first = cards[0].mapTo(window, cards[0].rect().topLeft())
    text_at = preview.mapTo(window, preview.rect().topLeft())
    if orientation == "landscape":  # text on the left, the choices stacked on the right
        assert first.x() >= text_at.x() + preview.width()
        assert first.y() < text_at.y() + preview.height() // 2
    else:  # text on top, the choices below
        assert first.y() >= text_at.y() + preview.height()
    tops = [c.mapTo(window, c.rect().topLeft()).y() for c in cards]
    assert tops == sorted(tops) and len(set(tops)) == 3  # one above the other
    bottom = cards[-1].mapTo(window, cards[-1].rect().bottomLeft()).y()
    assert bottom <= window.footer.mapTo(window, window.footer.rect().topLeft()).y()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_summary_reads_in_short_lines_of_large_text(qtbot, window, orientation) -> None:
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().toTuple() == SIZES[orientation])
    to_summary(window)
    QApplication.processEvents()
    preview = find(window, "summary_preview")
    assert preview.viewport().width() <= READING_WIDTH + 20
    doc = preview.document()
    longest = ""
    block = doc.begin()
    while block.isValid():
        layout: QTextLayout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            text = block.text()[line.textStart() : line.textStart() + line.textLength()]
            longest = max(longest, text.strip(), key=len)
        block = block.next()
    assert 40 < len(longest) <= MAX_LINE, longest
    # the body text: at least 26 px
    body = doc.begin()
    while body.isValid() and "Frown lines" not in body.text():
        body = body.next()
    px = QFontInfo(body.charFormat().font()).pixelSize()
    assert px >= 26, px


def test_what_you_chose_and_tell_your_clinician_come_before_get_help(qtbot, window) -> None:
    to_summary(window)
    text = find(window, "summary_preview").toPlainText()
    t = window.ctx.pack.t
    order = [
        t("summary.areas_title"),
        "Frown lines",
        t("summary.tell_clinician_title"),
        t("summary.help_title"),
        t("summary.aftercare_title"),
    ]
    at = [text.index(x) for x in order]
    assert at == sorted(at), list(zip(order, at, strict=True))


# --- print ---------------------------------------------------------------------------------------
def test_print_says_printing_then_where_to_collect_it_in_its_card(qtbot, window, clock) -> None:
    to_summary(window)
    card = find(window, "summary_print", QAbstractButton)
    assert card.isAncestorOf(find(window, "summary_print_state"))
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000) as done:
        tap(window, clock, card)
        assert state(window, "summary_print") == "Printing your summary…"
        assert not card.isEnabled()
    assert done.args[1].kind is Kind.PRINTED
    assert state(window, "summary_print") == (
        "Your summary is printing. Please collect it from the front desk."
    )
    assert card.accessibleName() == "Print another copy" and card.isEnabled()
    assert state(window, "summary_email") == ""  # each card says only its own


@pytest.mark.config(  # the job itself fails (a printer that takes no jobs: test_printing.py)
    DEMO_CLINIC + '[print]\noutput_dir = "/proc/no-prints-here"\nlocation = "reception desk 2"\n'
)
def test_a_failed_print_says_so_with_a_way_on(qtbot, window, clock) -> None:
    to_summary(window)
    card = find(window, "summary_print", QAbstractButton)
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000):
        tap(window, clock, card)
    assert state(window, "summary_print") == (
        "Sorry, the printer is not working right now. Please ask at reception desk 2 for a copy."
    )
    assert card.isEnabled()  # the patient may try again
    tap(window, clock, window.nav_next)
    assert window.screen_id() == "done"
    assert find(window, "done_next", QLabel).text() == ""  # no printout to collect


# --- email ---------------------------------------------------------------------------------------
def type_keys(window, clock, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        tap(window, clock, window.keyboard().key(key))


def test_the_address_is_shown_back_and_can_be_changed_until_it_is_sent(
    qtbot, window, clock, _private_data_dir: Path
) -> None:
    to_summary(window)
    tap(window, clock, "summary_email")
    field = find(window, "email_address", QLineEdit)
    type_keys(window, clock, ["a", "n", "n", "at", "e", "x", "a", "m", "p", "l", "e", "dotcom"])
    tap(window, clock, "email_consent")
    tap(window, clock, "email_send")
    shown = find(window, "email_confirm_address", QLabel)
    assert shown.isVisible() and not window.keyboard().isVisible()
    assert shown.text().replace("\u200b", "") == "ann@example.com"
    assert QFontInfo(shown.font()).pixelSize() >= 40
    assert not window.ctx.mailer.busy()  # nothing sent yet
    # a typo: back to the form, the address as it was, to correct it
    tap(window, clock, "email_change")
    assert field.isVisible() and field.text() == "ann@example.com"
    assert window.keyboard().isVisible() and window.keyboard().target() is field
    field.setCursorPosition(3)
    type_keys(window, clock, ["backspace"])
    assert field.text() == "an@example.com"
    field.setCursorPosition(2)
    type_keys(window, clock, ["a"])
    tap(window, clock, "email_send")
    assert shown.text().replace("\u200b", "") == ADDRESS
    with qtbot.waitSignal(window.ctx.mailer.reported, check_params_cb=helpers.final, timeout=30000):
        tap(window, clock, "email_confirm")
        assert find(window, "summary_preview").isVisible()
        assert state(window, "summary_email") == "Sending…"
    assert state(window, "summary_email") == "Sent to a***@example.com. Please check your inbox."
    assert not find(window, "summary_email", QAbstractButton).isEnabled()  # one per patient
    (eml,) = (_private_data_dir / "emails").glob("*.eml")
    assert b"To: ana@example.com" in eml.read_bytes()


def test_the_address_is_shown_literally(qtbot, window, clock) -> None:
    """Characters an address may hold that markup would read: shown as typed."""
    to_summary(window)
    tap(window, clock, "summary_email")
    literal = "o'brien&amp{{7*7}}@example.com"  # each character allowed in an address
    field = find(window, "email_address", QLineEdit)
    field.setText(literal)
    tap(window, clock, "email_consent")
    tap(window, clock, "email_send")
    shown = find(window, "email_confirm_address", QLabel)
    assert shown.textFormat().name == "PlainText"
    assert shown.text().replace("\u200b", "") == literal
    field.setText("<b>x</b>@example.com")  # markup itself is refused before it is shown back
    tap(window, clock, "email_change")
    tap(window, clock, "email_send")
    assert find(window, "email_status", QLabel).text() == (
        "That email address does not look right. Please check it."
    )


def test_a_cancelled_email_sends_nothing(qtbot, window, clock) -> None:
    to_summary(window)
    tap(window, clock, "summary_email")
    type_keys(window, clock, ANA_AT_EXAMPLE)
    tap(window, clock, "email_consent")
    tap(window, clock, "email_send")
    tap(window, clock, "email_change")
    tap(window, clock, "email_cancel")
    assert find(window, "summary_preview").isVisible()
    assert state(window, "summary_email") == "" and not window.ctx.mailer.busy()


# --- take it on your phone --------------------------------------------------------------------
def zbarimg() -> str:
    """zbar-tools' decoder (apt-get install zbar-tools; .ci/run installs it);
    KIOSK_REQUIRE_ZBAR=1 turns a skip into a failure."""
    tool = shutil.which("zbarimg")
    if tool is None:
        message = "zbarimg is not installed (apt-get install zbar-tools; see .ci/run)"
        if os.environ.get("KIOSK_REQUIRE_ZBAR") == "1":
            pytest.fail(f"{message}, and KIOSK_REQUIRE_ZBAR=1")
        pytest.skip(message)
    return tool


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_code_on_the_screen_opens_exactly_the_aftercare_page(
    qtbot, window, clock, tmp_path: Path, orientation: str
) -> None:
    tool = zbarimg()
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().toTuple() == SIZES[orientation])
    to_summary(window)
    tap(window, clock, "summary_phone")
    code = find(window, "summary_qr")
    assert code.isVisible() and code.width() >= 300 and code.height() >= 300
    assert find(window, "summary_qr_text", QLabel).isVisible()
    shot = tmp_path / f"summary-qr-{orientation}.png"
    assert window.grab().save(str(shot))
    result = subprocess.run(
        [tool, "--raw", "-q", str(shot)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [URL]  # one code, the page's address, nothing else
    tap(window, clock, "summary_phone_back")
    assert find(window, "summary_preview").isVisible()
    assert state(window, "summary_phone") == "The code is ready. Tap here to see it again."


def test_the_code_is_dark_on_white_with_a_quiet_zone(qtbot, window, clock) -> None:
    to_summary(window)
    tap(window, clock, "summary_phone")
    code = find(window, "summary_qr")
    image = code.grab().toImage()
    margin = 4 * code.module_px
    colours = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(margin)}
    assert colours == {"#ffffff"}
    inside = {image.pixelColor(x, margin + 1).name() for x in range(image.width())}
    assert inside == {"#ffffff", "#000000"}


# --- only what the kiosk offers ---------------------------------------------------------------
@pytest.mark.config(DEMO_CLINIC + "[print]\nenabled = false\n[email]\nenabled = false\n")
def test_nothing_offered_says_so(qtbot, window) -> None:
    to_summary(window)
    for name in ("summary_print", "summary_email", "summary_phone"):
        assert not find(window, name).isVisible(), name
    assert find(window, "summary_unavailable").isVisible()


@pytest.mark.config(
    DEMO_CLINIC + f'aftercare_url = "{URL}"\n[print]\nenabled = false\n[email]\nenabled = false\n'
)
def test_only_the_phone_when_there_is_no_printer_or_email(qtbot, window) -> None:
    to_summary(window)
    assert find(window, "summary_phone").isVisible()
    assert not find(window, "summary_print").isVisible()
    assert not find(window, "summary_email").isVisible()


@pytest.mark.config(DEMO_CLINIC + '[print]\noutput_dir = "{data}/prints"\n')
def test_no_phone_choice_without_an_aftercare_page(qtbot, window) -> None:
    to_summary(window)
    assert find(window, "summary_print").isVisible()
    assert not find(window, "summary_phone").isVisible()
    assert window.findChild(QWidget, "summary_qr") is None


# --- the done screen --------------------------------------------------------------------------
def test_the_done_screen_says_what_happens_next_and_forgets_the_address(
    qtbot, window, clock
) -> None:
    to_summary(window)
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000):
        tap(window, clock, "summary_print")
    tap(window, clock, "summary_email")
    type_keys(window, clock, ANA_AT_EXAMPLE)
    tap(window, clock, "email_consent")
    tap(window, clock, "email_send")
    with qtbot.waitSignal(window.ctx.mailer.reported, check_params_cb=helpers.final, timeout=30000):
        tap(window, clock, "email_confirm")
    tap(window, clock, "summary_phone")
    tap(window, clock, "summary_phone_back")
    assert any("a***@example.com" in t for t in texts_in(window))
    tap(window, clock, window.nav_next)  # Finish
    assert window.screen_id() == "done"
    said = find(window, "done_next", QLabel)
    assert said.isVisible()
    assert said.text().splitlines() == [
        "Collect your printout at the front desk.",
        "Your email is on its way.",
        "The page on your phone has no details about you.",
    ]
    texts = texts_in(window)
    for typed in (ADDRESS, "a***@", "ana@", "Ana"):
        assert not any(typed in t for t in texts), typed
    tap(window, clock, window.nav_next)  # Start again
    assert window.screen_id() == "attract" and said.text() == ""


def test_the_done_screen_says_nothing_of_what_was_not_taken(qtbot, window, clock) -> None:
    to_summary(window)
    tap(window, clock, window.nav_next)
    assert window.screen_id() == "done"
    assert not find(window, "done_next", QLabel).isVisible()
