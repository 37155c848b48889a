"""The accessibility button and its four settings (issue 14): on every screen in one place,
taking effect at once, keeping the answers, reset when the session ends; the themes'
contrast; more time. Taps go through the window (tests/helpers.py)."""

from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTextBrowser,
    QWidget,
)

from kiosk.core.access import Access, AccessSettings
from kiosk.core.flow import Screen
from kiosk.ui import theme
from kiosk.ui.keyboard import KEYBOARD_QSS

from . import helpers
from .helpers import LATER, shown, tap, walk_to
from .test_idle import texts_in


def place(window, widget: QWidget) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size()).getRect()


def next_tap(window, clock, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    """A deliberate tap, past the guard of the last change (scrolled into view first, as
    the patient would)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if isinstance(parent, QScrollArea):
        parent.ensureWidgetVisible(widget)
        QApplication.processEvents()
    clock.advance(LATER)
    tap(window, widget)
    QApplication.processEvents()


# --- the pure settings -----------------------------------------------------------------------
def test_settings_tell_their_listeners_and_reset() -> None:
    access = AccessSettings()
    heard: list[tuple[Access, Access]] = []
    access.listen(lambda old, new: heard.append((old, new)))
    access.set(text_scale=150, more_time=True)
    access.set(text_scale=150)  # no change: no news
    assert heard == [(Access(), Access(text_scale=150, more_time=True))]
    with pytest.raises(ValueError):
        access.set(text_scale=175)
    with pytest.raises(TypeError):
        access.set(louder=True)
    access.reset()
    assert access.current == Access() and len(heard) == 2


# --- contrast ----------------------------------------------------------------------------------
def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", [theme.NORMAL, theme.CONTRAST])
def test_every_text_on_its_ground_is_readable(name: str) -> None:
    """Each text/ground pair the kiosk draws, from the theme's own colours: 4.5:1 in the
    normal theme, 7:1 in high contrast (WCAG 1.4.3 / 1.4.6)."""
    palette = theme.PALETTES[name]
    least = theme.LEAST_CONTRAST[name]
    low = {
        f"{text} on {ground}": round(contrast(palette[text], palette[ground]), 2)
        for text, ground in theme.PAIRS
        if contrast(palette[text], palette[ground]) < least
    }
    assert low == {}
    assert set(theme.PALETTES[theme.NORMAL]) == set(palette)  # every role in both


def style_rules(template: str) -> list[tuple[str, str]]:
    return re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", template, flags=re.S))


def test_style_sheets_use_only_the_palette_and_listed_pairs() -> None:
    """The style sheets name roles, never colours, and each rule that sets a text colour on
    a ground is one of ``PAIRS`` (so the contrast test above covers it)."""
    kiosk_qss = theme._templates()
    pairs = set(theme.PAIRS)
    for template in (kiosk_qss, KEYBOARD_QSS):
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", template)
        for selector, body in style_rules(template):
            text = re.search(r"(?<![-\w])color:\s*@(\w+)", body)
            ground = re.search(r"background(?:-color)?:\s*@(\w+)", body)
            if text and ground:
                assert (text.group(1), ground.group(1)) in pairs, selector.strip()
    rendered = theme.fill(kiosk_qss, theme.PALETTES[theme.CONTRAST], 200)
    assert "@" not in re.sub(r"/\*.*?\*/", "", rendered, flags=re.S)
    assert "font-size: 52px" in rendered and "#000000" in rendered


# --- the button and the panel -------------------------------------------------------------------
def test_the_button_is_in_one_place_on_every_screen(qtbot, window) -> None:
    """Start screen included: the same spot, a large target."""
    helpers.settle(qtbot, window)
    QApplication.processEvents()
    button = shown(window, "nav_access")
    places = {window.screen_id(): place(window, button)}
    assert button.width() >= 64 and button.height() >= 64
    window.ctx.visit.start()
    for page in window.page_ids()[1:]:
        walk_to(window, page)
        QApplication.processEvents()
        places[page] = place(window, shown(window, "nav_access"))
    assert len(set(places.values())) == 1, places


def test_a_tap_that_wakes_the_start_screen_only_wakes_it(qtbot, window, clock) -> None:
    clock.advance(window.taps.sleep_ms + 1)
    assert window.taps.asleep()
    tap(window, shown(window, "nav_access"))
    QApplication.processEvents()
    assert window._access_panel is None or not window.access_panel.isVisible()
    next_tap(window, clock, shown(window, "nav_access"))
    assert window.access_panel.isVisible()


def test_settings_take_effect_at_once_keep_the_answers_and_reset(qtbot, window, clock) -> None:
    session = window.ctx.visit.session
    window.ctx.visit.start()
    session.first_name = "Zebedee"
    session.toggle_area("crows_feet")
    walk_to(window, "areas")
    QApplication.processEvents()

    def title_px() -> int:
        """The areas page's title, as built now (a new text size builds the screens anew)."""
        page = window.page("areas")
        title = next(w for w in page.findChildren(QLabel) if w.property("role") == "title")
        return QFontInfo(title.font()).pixelSize()

    before = title_px()
    next_tap(window, clock, shown(window, "nav_access"))
    panel = window.access_panel
    assert panel.isVisible() and panel.geometry() == window.rect()
    next_tap(window, clock, shown(window, "access_size_200"))
    assert window.ctx.access.text_scale == 200
    assert title_px() == 2 * before
    assert shown(window, "access_size_200").text().startswith("✓")  # not colour alone
    next_tap(window, clock, shown(window, "access_contrast"))
    assert window.ctx.access.high_contrast
    contrast_primary = theme.PALETTES[theme.CONTRAST]["primary"]
    assert contrast_primary in QApplication.instance().styleSheet()
    assert window.findChild(QAbstractButton, "access_contrast").isChecked()
    next_tap(window, clock, shown(window, "access_read_aloud"))
    assert window.read_aloud.enabled  # the page reader is on, its bar in the header
    next_tap(window, clock, shown(window, "access_more_time"))
    assert window.ctx.access.read_aloud and window.ctx.access.more_time
    next_tap(window, clock, shown(window, "access_done"))
    assert not panel.isVisible()
    # the answers and the page stay
    assert window.screen_id() == "areas"
    assert session.first_name == "Zebedee" and session.areas == ["crows_feet"]
    assert window.findChild(QAbstractButton, "area_crows_feet").isChecked()
    # the session ends: the next patient finds the kiosk as it was
    window.ctx.visit.walked_away()
    QApplication.processEvents()
    assert window.ctx.access.current == Access()
    assert theme.scale() == 100 and not theme.high_contrast()
    for _ in range(3):  # the screens built anew, the old ones gone
        QApplication.processEvents()
    assert not any("Zebedee" in text for text in texts_in(window))
    assert title_px() == before
    assert contrast_primary not in QApplication.instance().styleSheet()


def test_the_summary_keeps_its_typed_address(qtbot, window, clock) -> None:
    walk_to(window, "summary")
    summary = window.page(Screen.SUMMARY)
    summary.on_email()
    field = window.findChild(QLineEdit, "email_address")
    field.setText("ana@example.com")
    window.keyboard().detach()
    QApplication.processEvents()
    next_tap(window, clock, shown(window, "nav_access"))
    next_tap(window, clock, shown(window, "access_size_150"))
    next_tap(window, clock, shown(window, "access_done"))
    assert window.screen_id() == "summary"
    assert window.findChild(QLineEdit, "email_address").text() == "ana@example.com"


def test_the_summary_preview_is_high_contrast_too(qtbot, window, clock) -> None:
    """The preview is the summary's own document, coloured by its template (teal headings,
    a red "get help" heading at 6.5:1): in high contrast its every text colour is 7:1 or
    more on each ground the template uses (white, the help box's pink, the note's cream)."""
    walk_to(window, "summary")
    next_tap(window, clock, shown(window, "nav_access"))
    next_tap(window, clock, shown(window, "access_contrast"))
    next_tap(window, clock, shown(window, "access_done"))
    html = window.findChild(QTextBrowser, "summary_preview").toHtml()
    colours = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", html))
    assert colours  # the document does set its colours
    grounds = ("#ffffff", "#fdecea", "#fff4e0")
    low = {(c, g) for c in colours for g in grounds if contrast(c, g) < 7}
    assert low == set()
    next_tap(window, clock, shown(window, "nav_access"))
    next_tap(window, clock, shown(window, "access_contrast"))  # off again: the template's own
    next_tap(window, clock, shown(window, "access_done"))
    html = window.findChild(QTextBrowser, "summary_preview").toHtml()
    assert "#1f5f6b" in html.lower()


@pytest.mark.config(helpers.DEMO_CLINIC + '[kiosk]\nlanguages = ["en", "es", "ar"]\n')
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_control_is_named_in_the_patients_language(qtbot, window, language) -> None:
    window.on_language(language)
    window.open_access()
    QApplication.processEvents()
    pack = window.ctx.packs[language]
    controls = [w for w in window.access_panel.findChildren(QAbstractButton) if w.isVisible()] + [
        window.nav_access
    ]
    assert len(controls) == 8
    for control in controls:
        assert control.accessibleName(), control.objectName()
        assert control.accessibleDescription(), control.objectName()
    assert window.nav_access.accessibleName() == pack.t("access.button")
    assert window.findChild(QAbstractButton, "access_done").text() == pack.t("access.done")


# --- more time ------------------------------------------------------------------------------------
def test_more_time_multiplies_the_timeout_and_still_wipes(qtbot, window) -> None:
    """With more time on, no warning at the plain timeout; the warning at factor x timeout,
    and the wipe after it."""
    window.ctx.visit.session.first_name = "Zebedee"
    walk_to(window, "areas")
    guard = window.idle_guard()
    assert guard.more_time_factor == window.ctx.config.accessibility.more_time_factor == 4
    guard.set_timeouts(100, 100)
    window.ctx.access.set(more_time=True)
    started = time.monotonic()
    guard.on_activity()
    assert guard.idle_ms() == 400
    qtbot.waitUntil(guard.overlay.isVisible, timeout=3000)
    assert time.monotonic() - started >= 0.3  # not at the plain 100 ms (coarse timers: 5 %)
    assert window.screen_id() == "areas"
    with qtbot.waitSignal(guard.timed_out, timeout=3000):
        pass
    qtbot.waitUntil(lambda: window.screen_id() == "attract")
    assert window.ctx.visit.session.first_name == ""
    assert window.ctx.access.current == Access()  # and the setting went with the session


def test_the_warnings_more_time_button(qtbot, window, clock) -> None:
    """A tap on "More time" (through the window) turns more time on and carries on; the
    warning's other words still only dismiss it."""
    walk_to(window, "areas")
    guard = window.idle_guard()
    guard.set_timeouts(60_000, 60_000)
    guard._idle.setInterval(1)
    guard._idle.start()
    qtbot.waitUntil(guard.overlay.isVisible)
    more = shown(window, "idle_more_time")
    assert more.height() >= 64 and more.accessibleDescription()
    next_tap(window, clock, more)
    assert window.ctx.access.more_time
    assert not guard.overlay.isVisible()
    assert guard.findChild(QTimer, "idle_timer").interval() == 4 * 60_000
    assert window.screen_id() == "areas"
