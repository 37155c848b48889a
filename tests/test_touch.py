"""A clinic day's taps, delivered as a finger delivers them: through the window's QWindow, so
Qt's hit-testing and the kiosk's one event filter decide where each tap goes.

One tap, one step; staff can always get in by holding the corner; the overlays are modal
and private; one print per intent. Time for the tap guard comes from a fake clock, so no
test waits for half a second to pass.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget

from kiosk.core.flow import Screen
from kiosk.core.jobs import Kind
from kiosk.ui.taps import TAP_GUARD_MS

from . import helpers
from .helpers import LATER, shown

Repeat = Callable[[QWidget, QWidget], None]


def two_taps(window: QWidget, target: QWidget) -> None:
    helpers.tap(window, target)
    helpers.tap(window, target)


def three_taps(window: QWidget, target: QWidget) -> None:
    for _ in range(3):
        helpers.tap(window, target)


def two_touches(window: QWidget, target: QWidget) -> None:
    helpers.touch_tap(window, target)
    helpers.touch_tap(window, target)


REPEATS: dict[str, Repeat] = {
    "double click": helpers.double_tap,
    "two taps": two_taps,
    "three taps": three_taps,
    "two touches": two_touches,
}


@pytest.mark.parametrize("repeat", list(REPEATS))
def test_a_repeated_tap_on_next_advances_exactly_one_screen(qtbot, window, clock, repeat) -> None:
    REPEATS[repeat](window, shown(window, "nav_start"))
    assert window.screen_id() == "privacy"
    for expected in window.page_ids()[2:]:  # consultation ... done: Finish twice shows done
        clock.advance(LATER)
        REPEATS[repeat](window, shown(window, "nav_next"))
        assert window.screen_id() == expected


@pytest.mark.parametrize("repeat", ["double click", "two touches"])
def test_a_repeated_tap_on_back_goes_back_exactly_one_screen(qtbot, window, clock, repeat) -> None:
    helpers.tap(window, shown(window, "nav_start"))
    for _ in range(4):
        clock.advance(LATER)
        helpers.tap(window, shown(window, "nav_next"))
    assert window.screen_id() == "health_2"
    for expected in ("health_1", "areas", "consultation", "privacy", "attract"):
        clock.advance(LATER)
        REPEATS[repeat](window, shown(window, "nav_back"))
        assert window.screen_id() == expected


def test_start_again_on_done_takes_one_tap_and_a_deliberate_second_tap_works(
    qtbot, window, clock
) -> None:
    helpers.tap(window, shown(window, "nav_start"))
    helpers.tap(window, shown(window, "nav_next"))  # 0 ms later: a repeat, ignored
    assert window.screen_id() == "privacy"
    clock.advance(TAP_GUARD_MS - 1)
    helpers.tap(window, shown(window, "nav_next"))  # still within the guard
    assert window.screen_id() == "privacy"
    clock.advance(1)
    helpers.tap(window, shown(window, "nav_next"))  # the guard is over: a new intent
    assert window.screen_id() == "consultation"


def test_a_second_tap_never_lands_on_the_new_screen_in_the_same_place(qtbot, window, clock) -> None:
    """Email opens a form with Cancel under the finger: a double tap must leave it open."""
    helpers.walk_to(window, "summary")
    clock.advance(LATER)
    email = shown(window, "summary_email")
    helpers.double_tap(window, email)
    form = window.findChild(QWidget, "email_form")
    assert form.isVisible()
    cancel = window.findChild(QAbstractButton, "email_cancel")
    clock.advance(LATER)
    helpers.tap(window, cancel)
    assert not form.isVisible()


def test_the_guard_is_announced_when_it_ends(qtbot, window, clock) -> None:
    """Scripts and the end-to-end test wait on this log line, not on a fixed delay."""
    window.taps.guard_ms = 20
    with qtbot.waitSignal(window.taps.settled, timeout=2000):
        window.ctx.visit.flow.go(Screen.PRIVACY)


# --- staff can always get in --------------------------------------------------------------
CORNER = QPoint(30, 30)


def hold_corner(qtbot, window, *, touch: bool) -> None:  # type: ignore[no-untyped-def]
    pad = window.staff.pad
    with qtbot.waitSignal(window.taps.corner_held, timeout=3000):
        (helpers.touch_down if touch else helpers.press)(window, CORNER)
    (helpers.touch_up if touch else helpers.release)(window, CORNER)
    assert pad.isVisible()


@pytest.mark.parametrize("touch", [False, True], ids=["mouse", "touch"])
def test_holding_the_corner_opens_the_pin_pad_on_every_screen(qtbot, window, clock, touch) -> None:
    window.taps.hold_ms = 30
    pad = window.staff.pad
    for n, page in enumerate(window.page_ids()):
        if n:
            window.ctx.visit.next()
        assert window.screen_id() == page
        hold_corner(qtbot, window, touch=touch)
        pad.close_pad()
    assert window.screen_id() == "done"  # the corner's taps reached nothing beneath


def test_holding_the_corner_works_over_every_overlay(qtbot, window, clock) -> None:
    window.taps.hold_ms = 30
    pad, panel = window.staff.pad, window.staff.panel
    window.ctx.visit.flow.go(Screen.PRIVACY)
    guard = window.idle_guard()
    guard.set_timeouts(60_000, 60_000)
    guard._warn()
    assert guard.overlay.isVisible()
    hold_corner(qtbot, window, touch=True)  # over the idle warning
    assert not guard.overlay.isVisible()  # and it counted as the patient being there
    hold_corner(qtbot, window, touch=False)  # over the pad itself
    pad.close_pad()
    panel.open_panel()
    hold_corner(qtbot, window, touch=True)  # over the staff panel
    pad.close_pad()
    panel.hide()


def test_a_short_tap_or_a_slide_in_the_corner_opens_nothing(qtbot, window, clock) -> None:
    window.taps.hold_ms = 30
    helpers.tap(window, CORNER)
    helpers.press(window, CORNER)
    helpers.release(window, QPoint(200, 200))
    from PySide6.QtTest import QTest

    helpers.touch_down(window, CORNER)
    QTest.touchEvent(window.windowHandle(), helpers.touch_device()).move(
        0, QPoint(300, 300)
    ).commit()  # a slide is not a hold
    with qtbot.assertNotEmitted(window.taps.corner_held, wait=100):
        pass
    helpers.touch_up(window, QPoint(300, 300))
    assert not window.staff.pad.isVisible()
    assert window.screen_id() == "attract"


# --- overlays are modal and private --------------------------------------------------------
def to_summary(window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.visit.session.first_name = "Zebedee"
    helpers.walk_to(window, "summary")


def backdrop_hides(window, overlay) -> None:  # type: ignore[no-untyped-def]
    """Outside its card, the overlay is one opaque colour: nothing of the screen shows."""
    image = window.grab().toImage()
    card = QRect(overlay.box.mapTo(window, QPoint(0, 0)), overlay.box.size())
    backdrop = QColor(overlay.backdrop)
    seen = set()
    for x in range(5, image.width(), 37):
        for y in range(5, image.height(), 23):
            if not card.adjusted(-4, -4, 4, 4).contains(x, y):
                seen.add(image.pixelColor(x, y).name())
    assert seen == {backdrop.name()}


def test_the_idle_warning_is_modal_and_private(qtbot, window, clock, tmp_path) -> None:
    to_summary(window)
    summary = window.page(Screen.SUMMARY)
    print_button = shown(window, "summary_print")
    print_at = helpers.spot(window, print_button)
    centre = helpers.spot(window, summary)
    guard = window.idle_guard()
    guard.set_timeouts(60_000, 60_000)
    clock.advance(LATER)

    guard._warn()
    assert guard.overlay.isVisible()
    assert not summary.isAncestorOf(window.childAt(centre))  # the summary is covered
    backdrop_hides(window, guard.overlay)
    helpers.tap(window, print_at)  # a tap where Print is: "I'm still here", nothing more
    assert not guard.overlay.isVisible()
    assert summary.print_button.isEnabled() and not window.ctx.printer.busy()

    # the email form with its keyboard: a tap on a key behind the warning types nothing
    clock.advance(LATER)
    helpers.tap(window, shown(window, "summary_email"))
    key = window.keyboard().key("a")
    field = window.findChild(QLineEdit, "email_address")
    clock.advance(LATER)
    helpers.tap(window, key)
    assert field.text() == "a"  # the key works when nothing covers it
    for finger in (helpers.tap, helpers.touch_tap):
        guard._warn()
        finger(window, key)
        assert field.text() == "a"
    assert not guard.overlay.isVisible()
    assert not window.ctx.printer.busy()  # and nothing was sent to the printer


@pytest.mark.parametrize("which", ["pad", "panel"])
def test_staff_overlays_are_modal_and_private(qtbot, window, clock, which) -> None:
    to_summary(window)
    summary = window.page(Screen.SUMMARY)
    overlay = getattr(window.staff, which)
    overlay.open_pad() if which == "pad" else overlay.open_panel()
    QApplication.processEvents()
    assert not summary.isAncestorOf(window.childAt(helpers.spot(window, summary)))
    backdrop_hides(window, overlay)
    clock.advance(LATER)
    for name in ("summary_print", "nav_next", "nav_back", "summary_email"):
        target = window.findChild(QWidget, name)
        helpers.tap(window, helpers.spot(window, target))
        helpers.touch_tap(window, helpers.spot(window, target))
    assert window.screen_id() == "summary" and overlay.isVisible()
    assert not window.ctx.printer.busy()
    # and the keyboard focus is not left in a field behind it
    assert not isinstance(QApplication.focusWidget(), QLineEdit)


# --- one print per intent -------------------------------------------------------------------
def test_print_once_per_tap_then_another_copy_up_to_the_limit(
    qtbot, window, clock, _private_data_dir
) -> None:
    to_summary(window)
    summary = window.page(Screen.SUMMARY)
    printer = window.ctx.printer
    done: list[bool] = []
    printer.reported.connect(
        lambda job, event: done.append(event.kind is Kind.PRINTED) if event.final else None
    )
    clock.advance(LATER)
    button = shown(window, "summary_print")
    for _ in range(4):  # four eager taps
        helpers.tap(window, button)
    assert not button.isEnabled()
    qtbot.waitUntil(lambda: len(done) == 1, timeout=30000)
    assert done == [True]
    assert button.isEnabled() and button.title() == "Print another copy"
    assert button.accessibleName() == "Print another copy"
    for _ in range(3):
        helpers.tap(window, button)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=30000)
    assert done == [True, True]
    assert not button.isEnabled()  # print.max_copies = 2 by default
    assert "as many copies as this kiosk prints" in summary.print_button.state.text()
    helpers.tap(window, button)
    assert not printer.busy()
    assert len(list((_private_data_dir / "prints").glob("*.pdf"))) == 2
    assert window.ctx.visit.counters.day()["print_jobs"] == 2  # jobs, not taps
    clock.advance(LATER)
    helpers.tap(window, shown(window, "nav_next"))  # finish
    assert window.ctx.visit.counters.day()["outcome"]["print"] == 1
    # the next patient starts with a fresh Print button
    assert button.title() == "Print" and button.isEnabled()
    assert summary.print_button.state.text() == ""


@pytest.mark.config(
    '[clinic]\nname = "T"\nphone = "1"\nemergency_number = "112"\n'
    '[print]\noutput_dir = "{data}/prints"\nmax_copies = 1\n'
)
def test_one_copy_when_the_clinic_says_so(qtbot, window, clock) -> None:
    to_summary(window)
    done: list[bool] = []
    window.ctx.printer.reported.connect(
        lambda job, event: done.append(event.kind is Kind.PRINTED) if event.final else None
    )
    clock.advance(LATER)
    button = shown(window, "summary_print")
    helpers.tap(window, button)
    qtbot.waitUntil(lambda: done == [True], timeout=30000)
    assert not button.isEnabled()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_a_double_tap_on_the_keyboards_done_key_moves_nothing_on(
    qtbot, window, clock, orientation
) -> None:
    """In portrait Done sits where Next comes back when the keyboard goes."""
    window.resize(*{"landscape": (1920, 1080), "portrait": (1080, 1920)}[orientation])
    qtbot.waitUntil(lambda: window.width() < 1500 if orientation == "portrait" else True)
    helpers.tap(window, shown(window, "nav_start"))
    clock.advance(LATER)
    helpers.tap(window, window.findChild(QLineEdit, "first_name"))
    done = window.keyboard().key("done")
    assert done.isVisible()
    clock.advance(LATER)
    helpers.double_tap(window, done)
    assert not window.keyboard().isVisible()
    assert window.screen_id() == "privacy"
    clock.advance(LATER)
    helpers.touch_tap(window, shown(window, "nav_next"))
    assert window.screen_id() == "consultation"


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_corner_in_both_orientations(qtbot, window, clock, orientation) -> None:
    window.resize(*{"landscape": (1920, 1080), "portrait": (1080, 1920)}[orientation])
    window.taps.hold_ms = 30
    window.ctx.visit.flow.go(Screen.PRIVACY)
    hold_corner(qtbot, window, touch=True)
    assert window.screen_id() == "privacy"


def test_a_lost_release_does_not_cost_the_next_tap(qtbot, window, clock) -> None:
    """A press that was held back and whose release never came (the finger slid off the
    glass): the next real tap still works."""
    helpers.tap(window, shown(window, "nav_start"))
    helpers.press(window, shown(window, "nav_next"))  # held back (a repeat), no release
    clock.advance(LATER)
    helpers.tap(window, shown(window, "nav_next"))
    assert window.screen_id() == "consultation"


def test_the_tap_that_wakes_the_start_screen_only_wakes_it_even_doubled(
    qtbot, window, clock
) -> None:
    window.taps.sleep_ms = 1000
    clock.advance(5000)  # the start screen has been alone a while
    with qtbot.waitSignal(window.taps.woke, timeout=1000):
        helpers.double_tap(window, shown(window, "nav_start"))
    assert window.screen_id() == "attract"
    clock.advance(LATER)
    helpers.touch_tap(window, shown(window, "nav_start"))
    assert window.screen_id() == "privacy"
