"""Without touch (issue 14, item 6): a USB keypad or a switch interface, which sends Tab,
Shift+Tab, the arrows, Space and Enter, does a whole visit; every key goes through the
window's QWindow, as a real keypad's do.

- Tab and Shift+Tab go through every enabled control on show, in reading order (header,
  page, footer), round, in English and in Arabic (right to left).
- Enter and Space press the control in focus: the face map's areas, the on-screen keyboard's
  keys, the answers, the choices, Next.
- A focus ring shows around the control in focus while keys are in use, and goes at a tap.
- A pressing key (Enter, Space) within ``KEY_GUARD_MS`` of a screen change is a switch's
  bounce or a tremor, and is dropped: two Enters never skip a page; Tab and the arrows are
  never held.
- The accessibility panel (``nav_access``, on the start screen too) is operated by keys,
  with the ring, and gives the focus back when it closes.
- No control ever shows as a window of its own (one would take the keypad's focus).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QScrollArea, QWidget

from kiosk.core.flow import Screen
from kiosk.ui import theme
from kiosk.ui.taps import KEY_GUARD_MS

from .helpers import LATER, open_kiosk, shown, tap, walk_to
from .test_languages_real import config  # noqa: F401  (a fixture)

K = Qt.Key
SHIFT = Qt.KeyboardModifier.ShiftModifier


def key(window: QWidget, which: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """A key pressed and released on the keypad: through the window's QWindow."""
    QTest.keyClick(window.windowHandle(), which, modifier)


def press(window: QWidget, which: Qt.Key) -> None:
    """Enter or Space, as a patient presses it: not within the bounce guard of the last
    change on screen."""
    window.taps.clock.advance(KEY_GUARD_MS)  # type: ignore[attr-defined]
    key(window, which)


def focus() -> QWidget | None:
    return QApplication.focusWidget()


def tab_to(window: QWidget, wanted: Callable[[QWidget], bool], limit: int = 200) -> QWidget:
    """Press Tab until the control in focus is ``wanted``; fail past ``limit`` presses."""
    for _ in range(limit):
        key(window, K.Key_Tab)
        now = focus()
        if now is not None and wanted(now):
            return now
    raise AssertionError(f"Tab never reached it; stopped on {focus()}")


def named(name: str) -> Callable[[QWidget], bool]:
    return lambda w: w.objectName() == name


def test_a_whole_visit_by_keys_alone(qtbot, config: Path) -> None:  # noqa: F811
    window = open_kiosk(qtbot, config)
    visit = window.ctx.visit
    tab_to(window, named("nav_start"))
    press(window, K.Key_Return)
    assert window.screen_id() == "privacy"

    # the name: Tab into the field brings the keyboard up; Tab and the arrows reach keys
    field = tab_to(window, named("first_name"))
    board = window.keyboard()
    assert board.isVisible() and board.target() is field
    tab_to(window, named("key_a"))
    press(window, K.Key_Space)  # a name starts with a capital
    key(window, K.Key_Right)  # to "s"
    assert focus() is board.key("s")
    key(window, K.Key_Up)  # to "w", above it
    assert focus() is board.key("w")
    press(window, K.Key_Return)
    assert field.text() == "Aw"
    tab_to(window, named("key_done"))
    press(window, K.Key_Return)
    assert not board.isVisible() and focus() is field  # back where the keys typed
    assert visit.session.first_name == "Aw"

    tab_to(window, named("nav_next"))
    press(window, K.Key_Return)
    assert window.screen_id() == "consultation"
    press(window, K.Key_Return)  # Next keeps the focus: straight on, after the guard
    assert window.screen_id() == "areas"

    # the face map: Tab reaches its areas, the arrows move between them, Space chooses
    face = shown(window, "face_map")
    first = tab_to(window, lambda w: face.isAncestorOf(w))
    key(window, K.Key_Down)
    second = focus()
    assert second is not first and face.isAncestorOf(second)
    press(window, K.Key_Space)
    area = second.area  # type: ignore[union-attr]
    assert area in visit.session.areas
    assert QAccessible.queryAccessibleInterface(second).state().checked
    assert shown(window, f"area_{area}").isChecked()  # its twin button follows
    key(window, K.Key_Up)
    assert focus() is first
    press(window, K.Key_Return)
    assert first.area in visit.session.areas  # type: ignore[union-attr]
    migraine = tab_to(window, named("area_chronic_migraine"))
    press(window, K.Key_Space)
    assert migraine.isChecked() and "chronic_migraine" in visit.session.areas

    # a health question answered with Enter
    tab_to(window, named("nav_next"))
    press(window, K.Key_Return)
    assert window.screen_id() == "health_1"
    rows = window.page(visit.flow.page).answer_rows
    question, row = next(iter(rows.items()))
    tab_to(window, lambda w: w is row.buttons["no"])
    press(window, K.Key_Return)
    assert visit.session.screening[question] == "no"

    # on to the summary and the end, by Next alone
    tab_to(window, named("nav_next"))
    for _ in range(len(window.page_ids())):
        if window.screen_id() == "done":
            break
        assert focus() is window.nav_next  # Next keeps the focus from page to page
        press(window, K.Key_Return)
    assert window.screen_id() == "done"
    window.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_tab_goes_through_every_control_in_reading_order(
    qtbot,
    config: Path,  # noqa: F811
    language: str,
) -> None:
    window = open_kiosk(qtbot, config, language)
    visit = window.ctx.visit
    for page in ("attract", "privacy", "areas", "health_1", "timeline", "summary"):
        if page != "attract":
            if visit.step is Screen.ATTRACT:
                visit.start()
            walk_to(window, page)
        qtbot.wait(0)
        chain = window.tab_order()
        every = [
            w
            for w in window.findChildren(QWidget)
            if w.isVisible()
            and w.isEnabled()
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not isinstance(w, QLineEdit)  # a field brings up the keyboard: see above
        ]
        assert set(every) <= set(chain), page  # every control is reached
        # reading order: the header's, then the page's, then the footer's (the start
        # screen has no footer); the accessibility button always in the header
        parts = [
            0 if window.header.isAncestorOf(w) else 2 if window.footer.isAncestorOf(w) else 1
            for w in chain
        ]
        assert parts == sorted(parts) and parts[0] == 0, page
        assert parts[-1] == (1 if page == "attract" else 2), page
        assert window.nav_access in chain and parts[chain.index(window.nav_access)] == 0, page
        fields = [w for w in chain if isinstance(w, QLineEdit)]
        if fields:
            continue  # Tab into the name field brings up the keyboard (the whole visit)
        chain[0].setFocus()
        got = []
        for _ in chain:
            got.append(focus())
            key(window, K.Key_Tab)
        assert got == chain, page
        assert focus() is chain[0]  # round
        key(window, K.Key_Tab, SHIFT)
        assert focus() is chain[-1]  # and back
    if language == "ar":  # right to left: the logical order, the header's start on the right
        assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
        back, nxt = window.nav_back, window.nav_next
        assert chain.index(back) < chain.index(nxt)
        assert (
            back.mapTo(window, back.rect().center()).x()
            > nxt.mapTo(window, nxt.rect().center()).x()
        )
    window.close()


def ring_around(window, widget: QWidget) -> bool:  # type: ignore[no-untyped-def]
    ring = window.focus_ring
    inside = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return ring.isVisible() and ring.geometry().contains(inside) and ring.target() is widget


def test_the_focus_ring_shows_for_keys_and_goes_at_a_tap(
    qtbot,
    config: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = open_kiosk(qtbot, config)
    visit = window.ctx.visit
    visit.start()
    walk_to(window, "areas")
    qtbot.wait(0)
    assert not window.focus_ring.isVisible()
    area = tab_to(window, lambda w: w.objectName().startswith("face_"))
    qtbot.wait(0)
    assert ring_around(window, area)
    grab = window.grab()
    grab.save(str(tmp_path / "areas-focus.png"))
    # the ring's two bands: dark outside, light inside, on the page's light ground
    ring = window.focus_ring.geometry()
    image = grab.toImage()
    scale = image.width() / window.width()
    mid_y = ring.center().y()
    outer = image.pixelColor(int((ring.left() + 1) * scale), int(mid_y * scale))
    inner = image.pixelColor(
        int((ring.left() + window.focus_ring.band + 1) * scale), int(mid_y * scale)
    )
    assert outer.lightness() < 40 and inner.lightness() > 215
    nxt = tab_to(window, named("nav_next"))
    qtbot.wait(0)
    assert ring_around(window, nxt)
    window.taps.clock.advance(LATER)
    tap(window, shown(window, "area_neck_bands"))  # a finger: no ring
    qtbot.wait(0)
    assert not window.focus_ring.isVisible()
    window.close()


def test_overlays_take_keys_and_give_the_focus_back(qtbot, config: Path) -> None:  # noqa: F811
    """The idle warning and the language chooser: the focus goes to their first control
    (Enter answers at once), Tab stays on them, and the focus comes back afterwards."""
    window = open_kiosk(qtbot, config)
    window.ctx.visit.start()
    walk_to(window, "summary")
    qtbot.wait(0)
    card = tab_to(window, named("summary_email"))
    guard = window.idle_guard()
    guard._warn()
    carry_on = shown(window, "idle_continue")
    assert focus() is carry_on
    press(window, K.Key_Return)  # "I'm still here": and nothing more
    assert not guard.overlay.isVisible() and focus() is card
    assert window.page(window.ctx.visit.flow.page).views.currentIndex() == 0  # not pressed
    lang = tab_to(window, named("nav_lang"))
    press(window, K.Key_Space)
    chooser = window.language_chooser
    assert chooser.isVisible() and focus() is shown(window, "lang_choice_en")
    for _ in range(4):  # round the chooser's buttons, never behind it
        key(window, K.Key_Tab)
        assert chooser.isAncestorOf(focus())
    tab_to(window, named("lang_choice_es"))
    press(window, K.Key_Return)
    assert window.ctx.pack.language == "es" and not chooser.isVisible()
    assert lang.isVisible()
    window.close()


def test_the_accessibility_panel_by_keys_alone(qtbot, config: Path) -> None:  # noqa: F811
    """From the start screen: Tab reaches the accessibility button, Enter opens the panel
    with the focus on its first setting and the ring around it, Tab goes round the panel's
    controls only, Space and Enter set them, and Done gives the focus back to the button."""
    window = open_kiosk(qtbot, config)
    tab_to(window, named("nav_access"), limit=len(window.tab_order()) + 1)
    qtbot.wait(0)
    assert ring_around(window, window.nav_access)
    press(window, K.Key_Return)
    panel = window.access_panel
    assert panel.isVisible() and focus() is panel.sizes[100]
    qtbot.wait(0)
    assert ring_around(window, focus())
    chain = panel.tab_order()
    assert [w.objectName() for w in chain] == [
        "access_size_100",
        "access_size_150",
        "access_size_200",
        "access_contrast",
        "access_read_aloud",
        "access_more_time",
        "access_done",
    ]
    seen = []
    for _ in chain:
        key(window, K.Key_Tab)
        assert panel.isAncestorOf(focus())  # never behind the card
        seen.append(focus())
    assert seen == [*chain[1:], chain[0]]  # in order, round
    more = tab_to(window, named("access_more_time"))
    press(window, K.Key_Space)
    assert window.ctx.access.current.more_time and more.isChecked()
    qtbot.wait(0)
    assert ring_around(window, more)  # the ring follows into the panel's scrolling list
    key(window, K.Key_Tab, SHIFT)
    assert panel.isAncestorOf(focus())
    larger = tab_to(window, named("access_size_150"))
    press(window, K.Key_Return)  # the screens are built anew at the new size
    for _ in range(3):
        qtbot.wait(1)
    assert window.ctx.access.text_scale == 150 and larger.isChecked()
    assert focus() is larger and ring_around(window, larger)  # the patient stays where they were
    tab_to(window, named("access_done"))
    press(window, K.Key_Return)
    assert not panel.isVisible() and focus() is window.nav_access
    qtbot.wait(0)
    assert ring_around(window, window.nav_access)
    window.close()


def test_no_control_ever_shows_as_a_window_of_its_own(qtbot, config: Path) -> None:  # noqa: F811
    """A widget shown before it has a parent is a window of its own for a moment: on a
    real display it flashes up and takes the focus, and the keypad's keys go nowhere."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QGuiApplication, QWindow

    class Windows(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.shown: list[str] = []

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Show and isinstance(watched, QWindow):
                self.shown.append(watched.objectName())
            return False

    windows = Windows()
    app = QApplication.instance()
    app.installEventFilter(windows)
    try:
        window = open_kiosk(qtbot, config)
        window.open_access()
        window.access_panel.hide()
        window.ctx.visit.start()
        walk_to(window, "summary")
        qtbot.wait(0)
    finally:
        app.removeEventFilter(windows)
    assert windows.shown == [window.windowHandle().objectName()]
    assert QGuiApplication.focusWindow() is window.windowHandle()
    window.close()


def test_a_bounced_enter_never_skips_a_page(qtbot, config: Path) -> None:  # noqa: F811
    window = open_kiosk(qtbot, config)
    clock = window.taps.clock
    window.ctx.visit.start()
    walk_to(window, "privacy")
    field = tab_to(window, named("first_name"))  # the keyboard comes up: a view change
    key(window, K.Key_A)
    key(window, K.Key_Space)  # typed on a physical keyboard: a space in a name, not a press
    assert field.text() == "a "
    field.clear()
    walk_to(window, "consultation")
    tab_to(window, named("nav_next"))
    press(window, K.Key_Return)
    assert window.screen_id() == "areas" and focus() is window.nav_next
    key(window, K.Key_Return)  # the switch bounced: the same instant
    key(window, K.Key_Enter)  # the keypad's Enter
    key(window, K.Key_Space)  # press and release: a button clicks on Space's release
    assert window.screen_id() == "areas"
    clock.advance(KEY_GUARD_MS - 1)
    key(window, K.Key_Return)  # a tremor, just inside the guard
    assert window.screen_id() == "areas"
    key(window, K.Key_Tab, SHIFT)  # moving is never held
    assert focus() is not window.nav_next
    key(window, K.Key_Tab)
    assert focus() is window.nav_next
    clock.advance(1)
    key(window, K.Key_Return)  # a deliberate press, after the guard
    assert window.screen_id() == "health_1"
    clock.advance(KEY_GUARD_MS)
    key(window, K.Key_Space)  # Space after the guard presses too
    assert window.screen_id() == "health_2"
    window.close()


def test_a_tab_press_looks_only_at_what_is_on_show(qtbot, config: Path) -> None:  # noqa: F811
    """Each Tab press asks for the tab order: it looks through the header, the page on show,
    the keyboard and the footer, not every prebuilt page (over 800 widgets, 8 ms a press
    before), and what it keeps follows the view."""
    window = open_kiosk(qtbot, config)
    window.ctx.visit.start()
    walk_to(window, "privacy")
    qtbot.wait(0)
    chain = window.tab_order()
    times = []
    for _ in range(50):
        start = time.perf_counter()
        assert window.tab_order() == chain
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001, times
    # it follows what shows: the keyboard's keys come and go with it, a control hidden
    # or disabled goes from the order at once
    assert not any(w.objectName().startswith("key_") for w in chain)
    window.taps.clock.advance(LATER)
    tap(window, shown(window, "first_name"))
    keys = window.keyboard().key_buttons()
    assert set(w for w in keys if w.isVisible()) <= set(window.tab_order())
    window.taps.clock.advance(LATER)
    tap(window, window.keyboard().key("done"))
    assert window.tab_order() == chain
    window.nav_back.setEnabled(False)
    assert window.nav_back not in window.tab_order()
    window.nav_back.setEnabled(True)
    assert window.tab_order() == chain
    walk_to(window, "areas")
    privacy = window.page("privacy")
    assert not any(privacy.isAncestorOf(w) for w in window.tab_order())
    assert any(window.page("areas").isAncestorOf(w) for w in window.tab_order())
    window.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_face_maps_arrows_follow_the_reading_direction(
    qtbot,
    config: Path,  # noqa: F811
    language: str,
) -> None:
    """Up and Down go up and down the face in every language; Left and Right go with the
    reading: onward is Right in English and Left in Arabic (the face is never mirrored)."""
    window = open_kiosk(qtbot, config, language)
    window.ctx.visit.start()
    walk_to(window, "areas")
    face = shown(window, "face_map")
    order = list(face.targets.values())
    assert [t.area for t in order] == ["forehead_lines", "frown_lines", "crows_feet", "neck_bands"]
    first = tab_to(window, lambda w: face.isAncestorOf(w))
    assert first is order[0]
    onward, back = (K.Key_Left, K.Key_Right) if language == "ar" else (K.Key_Right, K.Key_Left)
    key(window, onward)
    assert focus() is order[1]
    key(window, K.Key_Down)
    assert focus() is order[2]
    key(window, back)
    assert focus() is order[1]
    key(window, K.Key_Up)
    assert focus() is order[0]
    key(window, back)  # round
    assert focus() is order[-1]
    window.close()


def test_the_ring_stays_inside_the_window_at_its_edge(
    qtbot,
    config: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A control in the window's corner (the accessibility button, the header's margins
    gone): the ring's two bands go inside its edge there, whole, not cut off."""
    window = open_kiosk(qtbot, config)
    window._head_rows.setContentsMargins(0, 0, 0, 0)
    button = window.nav_access
    right = window.width() - 1
    qtbot.waitUntil(lambda: button.mapTo(window, button.rect().topRight()).toTuple() == (right, 0))
    tab_to(window, named("nav_access"), limit=len(window.tab_order()) + 1)
    qtbot.wait(0)
    ring = window.focus_ring
    assert ring.isVisible() and window.rect().contains(ring.geometry())
    image = window.grab().toImage()
    image.save(str(tmp_path / "corner-focus.png"))
    scale = image.width() / window.width()
    band = ring.band

    def at(x: int, y: int) -> int:
        return image.pixelColor(int(x * scale), int(y * scale)).lightness()

    mid_x = button.mapTo(window, button.rect().center()).x()
    mid_y = button.mapTo(window, button.rect().center()).y()
    # dark band outermost, light band inside it, at the top edge and at the right edge
    assert at(mid_x, 1) < 40 and at(mid_x, band + 1) > 215
    assert at(right - 1, mid_y) < 40 and at(right - band - 1, mid_y) > 215
    # and outside the control on its open sides, as ever
    left = button.mapTo(window, button.rect().topLeft()).x()
    assert at(left - 2 * band + 1, mid_y) < 40
    window.close()


def ring_shows(window) -> bool:  # type: ignore[no-untyped-def]
    """The ring's two bands as the window draws them: dark outside, light inside, half-way
    down the left side of its first part."""
    ring = window.focus_ring
    image = window.grab(ring.geometry()).toImage()  # only where the ring is: quick
    part = ring._parts[0]
    scale = image.width() / ring.width()
    y = int(part.center().y() * scale)
    outer = image.pixelColor(int((part.left() + 1) * scale), y)
    inner = image.pixelColor(int((part.left() + ring.band + 1) * scale), y)
    return outer.lightness() < 40 and inner.lightness() > 215


def test_keys_at_200_percent_in_high_contrast(qtbot, config: Path) -> None:  # noqa: F811
    """The largest text and the high-contrast theme: every control on the areas page and in
    the accessibility panel is still a large target, reached by Tab in order, with the ring
    around it and both its bands showing."""
    from .test_layout import MIN_TARGET, problems_in

    window = open_kiosk(qtbot, config)
    window.ctx.access.set(text_scale=200, high_contrast=True)  # on the start screen
    contrast = theme.PALETTES[theme.CONTRAST]["primary"]
    qtbot.waitUntil(lambda: contrast in QApplication.instance().styleSheet())  # a turn later
    window.ctx.visit.start()
    walk_to(window, "areas")
    for _ in range(3):  # the header's rows, then the window, laid out anew
        QApplication.processEvents()
    page = window.page("areas")
    assert problems_in(window, [page, window.header, window.footer]) == []
    chain = window.tab_order()
    assert window.nav_access in chain and window.nav_next in chain
    chain[-1].setFocus()
    for expected in chain:
        key(window, K.Key_Tab)
        assert focus() is expected
        qtbot.wait(0)
        assert window.focus_ring.target() is expected
        assert ring_shows(window), expected.objectName()
        if not expected.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents):
            assert min(expected.width(), expected.height()) >= MIN_TARGET, expected.objectName()
    tab_to(window, named("nav_access"))
    press(window, K.Key_Return)
    panel = window.access_panel
    assert panel.isVisible() and panel.sizes[200].isChecked()
    assert problems_in(window, [panel]) == []
    for _ in panel.tab_order():
        qtbot.wait(0)
        assert window.focus_ring.target() is focus() and panel.isAncestorOf(focus())
        assert ring_shows(window), focus().objectName()
        key(window, K.Key_Tab)
    # portrait: the settings scroll (half the window at most); Tab scrolls each into view
    window.resize(1080, 1920)
    settings = panel.findChild(QScrollArea, "access_settings")
    qtbot.waitUntil(lambda: settings.verticalScrollBar().maximum() > 0)
    last = tab_to(window, named("access_more_time"))
    qtbot.wait(0)
    view = settings.viewport()
    where = QRect(last.mapTo(view, last.rect().topLeft()), last.size())
    assert view.rect().contains(where) and settings.verticalScrollBar().value() > 0
    assert ring_around(window, last) and ring_shows(window)
    window.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_headers_order_follows_its_rows(qtbot, config: Path, language: str) -> None:  # noqa: F811
    """A wide window has the header in one row (the steps, then the language and
    accessibility buttons): Tab takes them in that order; a narrow one puts the steps on a
    row of their own under the buttons, and Tab follows."""
    window = open_kiosk(qtbot, config, language)
    window.ctx.visit.start()
    walk_to(window, "areas")
    qtbot.wait(0)
    steps = [w for w in window.sections.findChildren(QWidget) if w in window.tab_order()]
    buttons = [window.nav_lang, window.nav_access]
    header = [w for w in window.tab_order() if window.header.isAncestorOf(w)]
    assert window._wide_header and header == [*steps, *buttons]
    ahead = 1 if language == "en" else -1  # the reading direction, across the screen
    xs = [ahead * w.mapTo(window, w.rect().center()).x() for w in header]
    assert xs == sorted(xs)
    window.resize(1080, 1920)
    qtbot.waitUntil(lambda: not window._wide_header)
    header = [w for w in window.tab_order() if window.header.isAncestorOf(w)]
    assert header == [*buttons, *steps]
    ys = [w.mapTo(window, w.rect().topLeft()).y() for w in header]
    assert max(ys[:2]) < min(ys[2:])  # the buttons' row above the steps'
    window.close()
