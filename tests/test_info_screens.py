"""The treatment, aftercare, timeline and side-effects pages (issue 11, items 3, 5 and 9):
a picture for every step, piece of advice and help level, named by the content pack; a drawn
timeline that follows the appointment day the patient chooses; pages that fit in about one
and a half screens in both orientations, with text at 26 px or more in lines of a readable
length."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import icalendar
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk import app, cli
from kiosk.core.content import load_pack
from kiosk.core.errors import ProblemsError
from kiosk.core.flow import Screen
from kiosk.core.message import compose
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer
from kiosk.core.visit import APPOINTMENT_DAYS_AHEAD
from kiosk.ui.pictures import Picture
from kiosk.ui.widgets import READING_WIDTH

from . import helpers
from .helpers import DEMO_CLINIC

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
PAGES = (Screen.TREATMENT, Screen.AFTERCARE, Screen.TIMELINE, Screen.SIDE_EFFECTS)
#: The areas with the most timeline entries between them (eight with the check-up).
MANY_AREAS = ("forehead_lines", "crows_feet", "underarm_sweating", "chronic_migraine")
MIN_BODY_PX = 26
#: Past the tap guard that follows a screen change.


def resize(qtbot, window, orientation: str) -> None:  # type: ignore[no-untyped-def]
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().toTuple() == SIZES[orientation])


def walk_to(window, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    visit = window.ctx.visit
    if visit.step is Screen.ATTRACT:
        visit.start()
    while visit.step is not screen:
        visit.next()
    QApplication.processEvents()
    assert window.screen_id() == screen.value


def content_bottom(window, screen: Screen) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """How far down the page's content reaches, and the height of the visible viewport."""
    page = window.page(screen).page
    inner = page.widget()
    body = page.body
    blocks = [body.itemAt(i).widget() for i in range(body.count())]
    bottom = max(
        b.mapTo(inner, b.rect().bottomLeft()).y() for b in blocks if b is not None and b.isVisible()
    )
    return bottom, page.viewport().height()


@pytest.mark.parametrize("orientation", list(SIZES))
def test_each_page_fits_in_one_and_a_half_screens(qtbot, window, orientation) -> None:
    for area in MANY_AREAS:
        window.ctx.visit.session.toggle_area(area)
    resize(qtbot, window, orientation)
    heights = {}
    for screen in PAGES:
        walk_to(window, screen)
        bottom, viewport = content_bottom(window, screen)
        heights[screen.value] = round(bottom / viewport, 2)
    assert window.page(Screen.TIMELINE).chart.entries  # the tallest case: eight entries
    assert all(ratio <= 1.5 for ratio in heights.values()), heights


@pytest.mark.parametrize("orientation", list(SIZES))
def test_text_is_large_and_lines_are_readable(qtbot, window, orientation) -> None:
    """Every text on these pages is at least 26 px; no running text is wider than the
    reading width (about 75 characters); the timeline's drawn words fit their lanes."""
    for area in MANY_AREAS:
        window.ctx.visit.session.toggle_area(area)
    resize(qtbot, window, orientation)
    problems = []
    for screen in PAGES:
        walk_to(window, screen)
        page = window.page(screen)
        for lbl in page.findChildren(QLabel):
            if not (lbl.isVisible() and lbl.text()):
                continue
            wide = lbl.property("role") == "title"  # a heading on one line, not running text
            px = QFontInfo(lbl.font()).pixelSize()
            if px < MIN_BODY_PX:
                problems.append(f"{screen.value}: {lbl.text()[:30]!r} is {px} px")
            if lbl.wordWrap() and not wide and lbl.width() > READING_WIDTH + 1:
                problems.append(f"{screen.value}: {lbl.text()[:30]!r} is {lbl.width()} px wide")
    assert window.page(Screen.TIMELINE).chart.text_fits()
    assert problems == []


def pictures_of(window, screen: Screen) -> dict[str, Picture]:  # type: ignore[no-untyped-def]
    return {p.objectName(): p for p in window.page(screen).findChildren(Picture)}


@pytest.mark.parametrize("orientation", list(SIZES))
def test_every_step_advice_and_level_has_its_picture(qtbot, window, orientation) -> None:
    pack = window.ctx.pack
    resize(qtbot, window, orientation)
    landscape = orientation == "landscape"
    walk_to(window, Screen.TREATMENT)
    steps = pictures_of(window, Screen.TREATMENT)
    for n, step in enumerate(pack.steps, start=1):
        pic = steps[f"step_picture_{n}"]
        assert pic.isVisible() and pic.path == pack.image(step.image)
        assert pic.accessibleName() == step.title
        # about 300 px wide beside the text in landscape; larger in portrait
        assert pic.width() >= (300 if landscape else 420), pic.size()
        text = next(
            lbl
            for lbl in window.page(Screen.TREATMENT).findChildren(QLabel)
            if lbl.text() == step.body
        )
        beside = (
            pic.mapTo(window, pic.rect().topRight()).x()
            < text.mapTo(window, text.rect().topLeft()).x()
        )
        assert beside
    walk_to(window, Screen.AFTERCARE)
    advice = pictures_of(window, Screen.AFTERCARE)
    for kind, items in (("do", pack.do), ("dont", pack.dont)):
        assert items and [i.text for i in items] == pack.items(f"aftercare.{kind}")
        for i, item in enumerate(items, start=1):
            pic = advice[f"{kind}_picture_{i}"]
            assert pic.isVisible() and pic.path == pack.image(item.image)
    do, dont = (window.findChild(QWidget, f"aftercare_{k}") for k in ("do", "dont"))
    side_by_side = (
        do.mapTo(window, do.rect().topLeft()).y() == dont.mapTo(window, dont.rect().topLeft()).y()
    )
    assert side_by_side is landscape
    walk_to(window, Screen.SIDE_EFFECTS)
    icons = pictures_of(window, Screen.SIDE_EFFECTS)
    for level in pack.help:
        pic = icons[f"icon_{level.level}"]
        assert pic.isVisible() and pic.path == pack.image(level.icon)
        assert pic.size() == QSize(72, 72)


# --------------------------------------------------------------------------- the day


def test_the_day_control_moves_the_timeline_and_the_session(qtbot, window, clock) -> None:
    visit = window.ctx.visit
    today = visit.appointment_range[0]
    visit.session.toggle_area("frown_lines")
    walk_to(window, Screen.TIMELINE)
    clock.advance(helpers.LATER)
    timeline = window.page(Screen.TIMELINE)
    before = [e.when for e in timeline.chart.entries]
    first_label = timeline.timeline_labels[0]
    for name in ("day_earlier", "day_later", "day_today"):
        btn = helpers.shown(window, name)
        assert btn.height() >= 72 and btn.accessibleName()
    assert not helpers.shown(window, "day_earlier").isEnabled()  # today is the earliest
    helpers.tap(window, helpers.shown(window, "day_earlier"))
    assert visit.session.appointment_date == today
    helpers.tap(window, helpers.shown(window, "day_later"))
    assert visit.session.appointment_date == today + dt.timedelta(days=1)
    assert timeline.timeline_labels[0] != first_label
    assert [e.when for e in timeline.chart.entries] != before
    shown = window.ctx.pack.t(
        "aftercare.day_label", date=timeline.timeline_labels[0]
    )  # the first entry is the day itself
    assert timeline.day.day_label.text() == shown
    helpers.tap(window, helpers.shown(window, "day_today"))
    assert visit.session.appointment_date == today
    assert [e.when for e in timeline.chart.entries] == before


def test_the_day_stops_at_60_days(qtbot, window, clock) -> None:
    visit = window.ctx.visit
    today = visit.appointment_range[0]
    walk_to(window, Screen.TIMELINE)
    clock.advance(helpers.LATER)
    later = helpers.shown(window, "day_later")
    for _ in range(APPOINTMENT_DAYS_AHEAD + 2):
        if later.isEnabled():
            helpers.tap(window, later)
    assert visit.session.appointment_date == today + dt.timedelta(days=APPOINTMENT_DAYS_AHEAD)
    assert not later.isEnabled() and helpers.shown(window, "day_earlier").isEnabled()
    visit.move_appointment(5)  # the visit keeps the bound whatever asks
    assert visit.session.appointment_date == today + dt.timedelta(days=60)


def test_the_chosen_day_reaches_the_summary_and_the_calendar(qtbot, window, clock) -> None:
    """The email's .ics counts from the day the patient chose, as the timeline does."""
    visit, pack, config = window.ctx.visit, window.ctx.pack, window.ctx.config
    visit.session.toggle_area("frown_lines")
    walk_to(window, Screen.TIMELINE)
    clock.advance(helpers.LATER)
    for _ in range(10):
        helpers.tap(window, helpers.shown(window, "day_later"))
    chosen = visit.appointment_range[0] + dt.timedelta(days=10)
    assert visit.session.appointment_date == chosen
    request = visit.email_request("ana@example.com", consent=True)
    assert request is not None and not isinstance(request, str)
    session = Session.from_dict(request.answers, "answers.json")  # as the email job reads it
    assert session.appointment_date == chosen
    session.email = request.to  # the job addresses it; the answers never hold the address
    raw = compose(
        session,
        pack,
        config,
        SummaryRenderer(app.load().template_dirs),
        pdf=lambda html, **_: b"%PDF-fake",
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    days = [
        e.decoded("DTSTART") for e in icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    ]
    expected = [
        chosen + dt.timedelta(days=e.from_days)
        for e in pack.timeline
        if e.calendar
        and e.applies_to(["frown_lines"])
        and (config.clinic.check_up_visit or not e.check_up)
    ]
    assert days == expected and days


def test_the_chosen_day_goes_with_the_session(qtbot, window, clock) -> None:
    visit = window.ctx.visit
    walk_to(window, Screen.TIMELINE)
    clock.advance(helpers.LATER)
    helpers.tap(window, helpers.shown(window, "day_later"))
    assert visit.session.appointment_date != visit.appointment_range[0]
    visit.walked_away()
    assert visit.session.appointment_date == visit.appointment_range[0]
    assert window.page(Screen.TIMELINE).day.day_label.text() == ""


# --------------------------------------------------------------------------- the pack

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300">'
    '<rect width="400" height="300" fill="#d3e9ed"/></svg>'
)


def _replace(content: Path, old: str, new: str) -> Path:
    path = content / "en" / "content.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'image = "step_cleaning.svg"',
            'image = "step_washing.svg"',
            "treatment.steps[1].image",
            "no picture 'step_washing.svg'",
        ),
        (
            'image = "aftercare_dont_rub.svg"',
            'image = "../aftercare_dont_rub.svg"',
            "aftercare.dont[0].image",
            "must be the file name of an SVG picture",
        ),
        (
            'icon = "level_doctor.svg"\n',
            "",
            "side_effects.help[1].icon",
            "missing",
        ),
        (
            'image = "aftercare_do_normal_day.svg"',
            'image = "aftercare_do_normal_day.png"',
            "aftercare.do[0].image",
            "must be the file name of an SVG picture",
        ),
    ],
)
def test_a_missing_or_bad_picture_name_is_named_with_its_key(
    content_copy: Path, old: str, new: str, key: str, message: str
) -> None:
    path = _replace(content_copy, old, new)
    with pytest.raises(ProblemsError) as exc:
        load_pack(content_copy / "en")
    lines = [str(p) for p in exc.value.problems]
    assert any(line.startswith(f"{path}: {key}: {message}") for line in lines), lines


def test_an_unreadable_picture_fails_check_config(content_copy, write_config, capsys) -> None:
    (content_copy / "en" / "step_mine.svg").write_text("<svg><g></svg>", encoding="utf-8")
    path = _replace(content_copy, 'image = "step_after.svg"', 'image = "step_mine.svg"')
    config = write_config(DEMO_CLINIC + f'[content]\ndir = "{content_copy}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: treatment.steps[4].image: " in err
    assert "step_mine.svg cannot be read as an SVG picture" in err


def test_a_clinic_replaces_a_picture_beside_its_pack(content_copy: Path) -> None:
    own = content_copy / "en" / "step_cleaning.svg"
    own.write_text(SVG, encoding="utf-8")
    pack = load_pack(content_copy / "en")
    assert pack.image("step_cleaning.svg") == own  # the clinic's own first
    assert pack.image("step_after.svg").parent.name == "images"  # else the built-in one


def test_old_advice_lists_are_told_to_become_tables(content_copy: Path) -> None:
    path = content_copy / "en" / "content.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[[aftercare.dont]]")
    end = text.index("[[aftercare.timeline]]")
    old = text[start:end]
    text = text.replace(old, "").replace(
        'dont_title = "Things to avoid"\n',
        'dont_title = "Things to avoid"\ndont = ["Do not rub the places."]\n',
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemsError) as exc:
        load_pack(content_copy / "en")
    assert [str(p) for p in exc.value.problems] == [
        f"{path}: aftercare.dont: each item needs a picture now: write one table per item, "
        "with text and image (docs/content-pack.md, Pictures)"
    ]
