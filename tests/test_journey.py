"""The journey redesigned for touch, tapped through the window's QWindow: named progress a
patient can go back with, answers that look chosen (and cards that do not), and the cue
that says there is more below."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.core.flow import Section

from . import helpers
from .helpers import LATER, shown, walk_to


def tap_named(window, clock, name: str) -> None:  # type: ignore[no-untyped-def]
    clock.advance(LATER)
    helpers.tap(window, shown(window, name))


def test_a_step_already_seen_takes_the_patient_back_and_one_ahead_does_not(
    qtbot, window, clock
) -> None:
    tap_named(window, clock, "nav_start")
    while window.screen_id() != "health_2":
        tap_named(window, clock, "nav_next")
    assert window.step_label.text() == f"Page 2 of {len(window.ctx.pack.health_pages())}"
    tap_named(window, clock, "progress_treatment")  # still to come: not tappable
    assert window.screen_id() == "health_2"
    tap_named(window, clock, "progress_areas")
    assert window.screen_id() == "areas"
    assert window.sections.tabs[Section.AREAS].state == "current"
    assert window.sections.tabs[Section.HEALTH].state == "seen"
    tap_named(window, clock, "progress_health")  # and forward again, to its first page
    assert window.screen_id() == "health_1"
    assert window.step_label.text().startswith("Page 1 of")


def test_progress_shows_where_the_patient_is_in_both_orientations(qtbot, window, clock) -> None:
    tap_named(window, clock, "nav_start")
    walk_to(window, "treatment")
    for size in ((1920, 1080), (1080, 1920)):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: window.size().toTuple() == size)
        QApplication.processEvents()
        tabs = window.sections.tabs
        assert [(t.isVisible(), t.height()) for t in tabs.values()] == [(True, 72)] * 7
        ordered = sorted(tabs.values(), key=lambda tab: tab.mapTo(window, QPoint()).x())
        assert [tab.section for tab in ordered] == list(Section)
        assert [tab.state for tab in ordered] == ["seen"] * 3 + ["current"] + ["ahead"] * 3


def grab(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def test_a_chosen_answer_shows_a_tick_and_never_looks_like_next(qtbot, window, clock) -> None:
    tap_named(window, clock, "nav_start")
    walk_to(window, "health_1")
    QApplication.processEvents()
    question = window.ctx.pack.screening[0]
    row = window.findChild(QWidget, f"screening_{question.id}")
    untouched = grab(row.buttons["yes"])
    clock.advance(LATER)
    helpers.tap(window, row.buttons["no"])
    assert window.ctx.visit.session.screening == {question.id: "no"}
    chosen = row.buttons["no"]
    assert chosen.text().startswith("✓") and not row.buttons["yes"].text().startswith("✓")
    # a chosen answer is a light card with a dark outline; Next is a solid dark fill
    fill = grab(chosen).pixelColor(chosen.width() // 2, 12)
    next_fill = grab(window.nav_next).pixelColor(window.nav_next.width() // 2, 12)
    assert fill.lightness() > 180 and next_fill.lightness() < 120, (fill.name(), next_fill.name())
    # the answer beside it, touched by the finger on its way, shows nothing of it
    QTest.mouseMove(window.windowHandle(), helpers.spot(window, row.buttons["yes"]))
    QApplication.processEvents()
    assert grab(row.buttons["yes"]) == untouched


def test_a_card_tapped_twice_looks_as_it_did_before(qtbot, window, clock) -> None:
    """No hover or focus tint stays on the last card touched: it would look half chosen."""
    tap_named(window, clock, "nav_start")
    walk_to(window, "questions")
    QApplication.processEvents()
    card = window.findChild(QAbstractButton, "question_risks")
    before = grab(card)
    tap_named(window, clock, "question_risks")
    assert card.isChecked() and grab(card) != before
    tap_named(window, clock, "question_risks")
    assert not card.isChecked()
    QApplication.processEvents()
    assert grab(card) == before


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_the_cue_stays_until_the_end_has_been_seen(qtbot, window, clock, size) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    tap_named(window, clock, "nav_start")
    walk_to(window, "side_effects")
    QApplication.processEvents()
    scroll = window.page("side_effects").page
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the side effects run past one screen at this size"
    assert scroll.more_below() and scroll.cue.isVisible()
    bar.setValue(bar.maximum() // 2)
    assert scroll.more_below()  # half way: still more below
    bar.setValue(bar.maximum())
    assert not scroll.more_below()
    bar.setValue(0)
    assert not scroll.more_below()  # the end has been seen: no cue going back up
    walk_to(window, "summary")
    window.ctx.visit.finish()  # the next patient sees it again
    tap_named(window, clock, "nav_start")
    walk_to(window, "side_effects")
    QApplication.processEvents()
    assert scroll.more_below()
