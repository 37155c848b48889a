"""The screens, driven by clicking their real buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QScroller,
    QTextBrowser,
    QWidget,
)

from kiosk.core.flow import JOURNEY, Screen, Section
from kiosk.ui.widgets import ChoiceButton

from .helpers import DEMO_CLINIC, walk_to


def click(qtbot, window, name: str) -> None:
    button = window.findChild(QAbstractButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_starts_on_attract_without_chrome(window) -> None:
    """No navigation and no steps; the header holds only the accessibility button."""
    assert window.screen_id() == "attract"
    assert not window.footer.isVisible()
    shown = [w.objectName() for w in window.header.findChildren(QWidget) if w.isVisible()]
    assert shown == ["nav_access"]
    assert window.findChild(QWidget, "screen_attract").isVisible()


def test_full_walk_from_attract_to_done_and_back_to_start(qtbot, window) -> None:
    seen = [window.screen_id()]
    window.screen_changed.connect(seen.append)
    click(qtbot, window, "nav_start")
    pages = window.page_ids()
    assert pages[:5] == ["attract", "privacy", "consultation", "areas", "health_1"]
    assert pages[-6:] == ["treatment", "aftercare", "timeline", "side_effects", "summary", "done"]
    for _ in range(len(pages) - 2):
        assert window.nav_next.isEnabled()  # no question is mandatory
        click(qtbot, window, "nav_next")
    assert seen == pages
    for page in pages:
        assert window.findChild(QWidget, f"screen_{page}") is not None
    click(qtbot, window, "nav_next")  # "Start again" on the done screen
    assert window.screen_id() == "attract"


def test_progress_names_the_steps_and_counts_the_health_pages(qtbot, window) -> None:
    click(qtbot, window, "nav_start")
    click(qtbot, window, "nav_next")
    click(qtbot, window, "nav_next")
    tabs = window.sections.tabs
    assert [t.text() for t in tabs.values()] == [
        "Consultation", "Areas", "Your health", "Treatment", "Aftercare", "Side effects", "Summary"
    ]  # fmt: skip
    health = len(window.ctx.pack.health_pages())
    labels = []
    while window.screen_id() != "questions":
        click(qtbot, window, "nav_next")
        labels.append(window.step_label.text())
    assert labels == [f"Page {n} of {health}" for n in range(1, health + 1)] + [""]
    assert tabs[Section.HEALTH].state == "current"
    assert tabs[Section.AREAS].state == "seen" and tabs[Section.AREAS].isEnabled()
    assert tabs[Section.TREATMENT].state == "ahead" and not tabs[Section.TREATMENT].isEnabled()


def test_back_on_every_step_but_not_after_the_finish(qtbot, window) -> None:
    click(qtbot, window, "nav_start")
    while window.screen_id() != "done":
        assert window.nav_back.isVisible(), window.screen_id()
        click(qtbot, window, "nav_next")
    assert not window.nav_back.isVisible()  # the answers are gone: nothing to go back to
    window.ctx.visit.flow.reset()
    click(qtbot, window, "nav_start")
    while window.screen_id() != "summary":
        click(qtbot, window, "nav_next")
    while window.screen_id() != "privacy":
        click(qtbot, window, "nav_back")
    click(qtbot, window, "nav_back")
    assert window.screen_id() == "attract"


def test_back_keeps_answers(qtbot, window) -> None:
    click(qtbot, window, "nav_start")
    name = window.findChild(QLineEdit, "first_name")
    qtbot.keyClicks(name, "Ana")
    click(qtbot, window, "nav_next")
    click(qtbot, window, "nav_next")
    click(qtbot, window, "area_neck_bands")
    click(qtbot, window, "nav_next")
    qid = window.ctx.pack.screening[0].id
    answer = window.findChild(QWidget, f"screening_{qid}")
    qtbot.mouseClick(answer.buttons["unsure"], Qt.MouseButton.LeftButton)
    while window.screen_id() != "questions":
        click(qtbot, window, "nav_next")
    click(qtbot, window, "question_risks")
    click(qtbot, window, "nav_next")
    while window.screen_id() != "privacy":
        click(qtbot, window, "nav_back")
    assert name.text() == "Ana"
    while window.screen_id() != "questions":
        click(qtbot, window, "nav_next")
    assert window.findChild(ChoiceButton, "area_neck_bands").isChecked()
    assert window.findChild(ChoiceButton, "question_risks").isChecked()
    assert answer.value() == "unsure"
    assert window.ctx.visit.session.to_dict()["screening"] == {qid: "unsure"}


def test_answer_tapped_again_is_cleared(qtbot, window) -> None:
    walk_to(window, "health_1")
    qid = window.ctx.pack.screening[1].id
    row = window.findChild(QWidget, f"screening_{qid}")
    qtbot.mouseClick(row.buttons["yes"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(row.buttons["no"], Qt.MouseButton.LeftButton)
    assert window.ctx.visit.session.screening == {qid: "no"}
    assert [b.isChecked() for b in row.buttons.values()] == [False, True, False]
    qtbot.mouseClick(row.buttons["no"], Qt.MouseButton.LeftButton)
    assert window.ctx.visit.session.screening == {}


@pytest.mark.parametrize("area", ["forehead_lines", "frown_lines", "crows_feet", "neck_bands"])
def test_face_map_toggles_areas(qtbot, window, area) -> None:
    walk_to(window, "areas")
    face = window.page(Screen.AREAS).face
    rect = face.area_rects(area)[-1]  # the right-hand crow's foot counts as well
    point = rect.center().toPoint()
    assert face.area_at(rect.center()) == area
    qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=point)
    assert window.ctx.visit.session.areas == [area]
    assert face.selected() == {area}
    assert window.findChild(ChoiceButton, f"area_{area}").isChecked()
    qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=point)
    assert window.ctx.visit.session.areas == []
    assert not window.findChild(ChoiceButton, f"area_{area}").isChecked()


def test_tap_outside_any_area_chooses_nothing(qtbot, window) -> None:
    walk_to(window, "areas")
    face = window.page(Screen.AREAS).face
    qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert window.ctx.visit.session.areas == []


def test_area_buttons_and_other_uses(qtbot, window) -> None:
    walk_to(window, "areas")
    click(qtbot, window, "area_chronic_migraine")
    click(qtbot, window, "area_crows_feet")
    assert window.ctx.visit.session.areas == ["crows_feet", "chronic_migraine"]
    assert window.page(Screen.AREAS).face.selected() == {"crows_feet"}


def test_aftercare_timeline_shows_real_dates(qtbot, window) -> None:
    window.ctx.visit.flow.next()
    window.ctx.visit.session.appointment_date = dt.date(2026, 12, 1)
    window.ctx.visit.session.toggle_area("underarm_sweating")
    walk_to(window, "timeline")
    screen = window.page(Screen.TIMELINE)
    assert "Tuesday 1 December 2026" in screen.day.day_label.text()
    # underarm sweating: the check-up the demo clinic offers, and sweating coming back in
    # 3 to 6 months; not the first-changes and full-effect days of lines and bands
    assert screen.timeline_labels == [
        "Tuesday 1 December 2026",
        "Tuesday 15 December 2026",
        "Monday 1 March 2027 – Sunday 30 May 2027",
    ]
    assert [e.when for e in screen.chart.entries] == [
        "1 December",
        "15 December",
        "1 March – 30 May",
    ]


def test_side_effects_show_clinic_numbers(window) -> None:
    walk_to(window, "side_effects")
    emergency = window.findChild(QWidget, "help_emergency")
    texts = [w.text() for w in emergency.findChildren(QWidget) if hasattr(w, "text")]
    assert any("911" in t for t in texts)


def test_summary_preview_shows_answers_literally(qtbot, window) -> None:
    session = window.ctx.visit.session
    session.first_name = "<b>x</b>{{7*7}}"
    session.toggle_area("frown_lines")
    session.answer(window.ctx.pack.screening[0].id, "yes")
    session.set_question(window.ctx.pack.questions[0].id, True)
    walk_to(window, "summary")
    preview = window.findChild(QTextBrowser, "summary_preview")
    text = preview.toPlainText()
    assert "Hello <b>x</b>{{7*7}}," in text
    assert "49" not in text
    assert "Frown lines" in text
    assert window.ctx.pack.screening[0].question in text
    assert window.ctx.pack.questions[0].text in text
    assert "Call 911 now" in text
    assert "Demo Aesthetic Clinic" in text
    assert window.findChild(QAbstractButton, "summary_print").isEnabled()
    assert window.nav_next.text() == "Finish" and window.nav_next.isEnabled()


def test_finish_wipes_every_answer(qtbot, window) -> None:
    click(qtbot, window, "nav_start")
    qtbot.keyClicks(window.findChild(QLineEdit, "first_name"), "Zebedee")
    click(qtbot, window, "nav_next")
    click(qtbot, window, "nav_next")
    click(qtbot, window, "area_frown_lines")
    while window.screen_id() != "done":
        click(qtbot, window, "nav_next")
    # wiped as the patient finishes, not only when the kiosk returns to the start
    assert window.ctx.visit.session.first_name == "" and window.ctx.visit.session.areas == []
    click(qtbot, window, "nav_next")
    assert window.screen_id() == "attract"
    for widget in window.findChildren(QLineEdit):
        assert widget.text() == ""
        widget.undo()  # nothing to bring back either
        assert widget.text() == ""
    assert "Zebedee" not in window.findChild(QTextBrowser, "summary_preview").toPlainText()
    assert not any(b.isChecked() for b in window.findChildren(ChoiceButton))


@pytest.mark.config(DEMO_CLINIC + "[kiosk]\ndone_return_s = 1\n")
def test_done_returns_to_attract_by_itself(qtbot, window) -> None:
    window.ctx.visit.session.first_name = "Ana"
    walk_to(window, "done")
    with qtbot.waitSignal(window.screen_changed, timeout=3000) as blocker:
        pass
    assert blocker.args == ["attract"]
    assert window.ctx.visit.session.first_name == ""


def test_every_interactive_widget_has_an_accessible_name(window) -> None:
    window.build_all()
    for widget in window.findChildren(QWidget):
        if isinstance(widget, QAbstractButton | QLineEdit) or widget.objectName() == "face_map":
            assert widget.accessibleName(), f"{type(widget).__name__} {widget.objectName()!r}"


def test_pages_scroll_by_touch_drag(window) -> None:
    window.build_all()
    for screen in JOURNEY:
        page = getattr(window.page(screen), "page", None)
        if page is not None:
            assert QScroller.hasScroller(page.viewport()), screen
    preview = window.findChild(QTextBrowser, "summary_preview")
    assert QScroller.hasScroller(preview.viewport())


def test_labels_never_render_markup(window) -> None:
    """A clinic's or patient's "<b>" is shown as typed: every label is plain text."""
    window.build_all()
    labels = window.findChildren(QLabel)
    assert len(labels) > 100
    for lbl in labels:
        lbl.ensurePolished()
        assert lbl.textFormat() == Qt.TextFormat.PlainText, lbl.text()


def test_a_new_patient_is_dated_today(qtbot, window) -> None:
    window.ctx.visit.session.appointment_date = dt.date(2020, 1, 1)  # the kiosk idled past midnight
    click(qtbot, window, "nav_start")
    assert window.ctx.visit.session.appointment_date == dt.date.today()


def test_the_next_patient_starts_in_the_default_language(qtbot, content_copy, write_config) -> None:
    from kiosk import app

    second = content_copy / "xx"
    second.mkdir()
    text = (content_copy / "en" / "content.toml").read_text(encoding="utf-8")
    text = (
        text.replace('language = "en"', 'language = "xx"')
        .replace('language_name = "English"', 'language_name = "Testish"')
        .replace('start = "Tap to start"', 'start = "Tap to begin (xx)"')
    )
    (second / "content.toml").write_text(text, encoding="utf-8")
    config = write_config(
        DEMO_CLINIC + f'[kiosk]\nlanguages = ["en", "xx"]\n[content]\ndir = "{content_copy}"\n'
    )
    win = app.build_window(config)
    qtbot.addWidget(win)
    win.show()
    click(qtbot, win, "lang_xx")
    assert win.page(Screen.ATTRACT).start.text() == "Tap to begin (xx)"
    qtbot.mouseClick(win.page(Screen.ATTRACT).start, Qt.MouseButton.LeftButton)
    assert win.screen_id() == "privacy"
    win.ctx.visit.flow.reset()  # the patient leaves
    assert win.ctx.visit.session.language == "en"
    assert win.page(Screen.ATTRACT).start.text() == "Tap to start"
    win.close()
