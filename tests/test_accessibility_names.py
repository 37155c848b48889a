"""Names for assistive technology (issue 14, item 7): every control a patient can reach, on
every page, in every language (the real English, Spanish and Arabic packs), has an
accessible name and an accessible description, in that language; the custom controls (the
face map's areas, the choices, the answers, the day picker) say through QAccessible whether
they are chosen, after real taps through the window.

The walk covers every page id, the summary's email form (with its keyboard) and phone view,
the name field's keyboard, and the overlays: the accessibility panel (from the start screen
and from a page), the language chooser, the idle warning and the staff PIN pad.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from kiosk.ui import names
from kiosk.ui.focusring import FocusRing

from .helpers import LATER, open_kiosk, shown, tap, walk_to
from .pseudo_packs import english_texts
from .test_languages_real import config, english_in  # noqa: F401  (config: a fixture)

# Names are set by the same code on every Python version: CI walks them once (conftest).
pytestmark = pytest.mark.one_python

LANGUAGES = ["en", "es", "ar"]
#: Staff-only overlays: their buttons' names are the staff's (English); their descriptions
#: are still the patient's language.
STAFF = ("staff_pin", "staff_panel")


def controls(window: QWidget) -> list[QWidget]:
    """Every control a patient can reach now: on show, and reachable by Tab."""
    return [
        w
        for w in window.findChildren(QWidget)
        if w.isVisible() and names.reachable(w) and not isinstance(w, FocusRing)
    ]


def staff_only(widget: QWidget) -> bool:
    while widget is not None:
        if widget.objectName().startswith(STAFF):
            return True
        widget = widget.parentWidget()
    return False


class Walk:
    """What the walk found wrong, page by page."""

    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.problems: list[str] = []
        self.seen = 0
        pack = window.ctx.pack
        self.english = frozenset(t.strip() for t in english_texts())
        own = list(pack.texts["a11y"].values())
        self.own = frozenset(str(t).strip() for t in own)
        self.language_names = {p.language_name for p in window.ctx.packs.values()}
        self._english_in: dict[str, list[str]] = {}  # the same descriptions recur

    def english_words(self, text: str) -> list[str]:
        if text not in self._english_in:
            self._english_in[text] = english_in(text, self.window.ctx.pack)
        return self._english_in[text]

    def check(self, where: str) -> None:
        pack = self.window.ctx.pack
        found = controls(self.window)
        assert found, where
        for widget in found:
            self.seen += 1
            what = f"{where}: {widget.objectName() or type(widget).__name__}"
            name = widget.accessibleName().strip()
            described = widget.accessibleDescription().strip()
            if not name:
                self.problems.append(f"{what}: no accessible name")
            if not described:
                self.problems.append(f"{what}: no accessible description")
            if pack.language == "en":
                continue
            if described in self.english and described not in self.own:
                self.problems.append(f"{what}: English description {described!r}")
            words = self.english_words(described)
            if words:
                self.problems.append(f"{what}: English in the description: {words}")
            english_name = (
                len(name) > 2
                and name in self.english
                and name not in self.language_names  # each language named in its own words
                and not staff_only(widget)
            )
            if english_name:
                self.problems.append(f"{what}: English name {name!r}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_control_on_every_page_is_named_and_described_in_the_language(
    qtbot,
    config: Path,  # noqa: F811
    language: str,
) -> None:
    window = open_kiosk(qtbot, config, language)
    clock = window.taps.clock
    walk = Walk(window)
    walk.check("attract")
    assert window.nav_access in controls(window)  # on the start screen too
    window.open_access()  # the accessibility panel, from the start screen
    assert len(window.access_panel.tab_order()) == 7  # three sizes, three switches, Done
    assert set(window.access_panel.tab_order()) <= set(controls(window))
    walk.check("attract/accessibility panel")
    window.access_panel.hide()
    visit = window.ctx.visit
    visit.start()
    pages = window.page_ids()[1:]
    for page in pages:
        walk_to(window, page)
        qtbot.wait(0)
        walk.check(page)
        if page == "privacy":  # the name field's keyboard (Arabic letters on an Arabic page)
            clock.advance(LATER)
            tap(window, shown(window, "first_name"))
            assert window.keyboard().isVisible()
            walk.check("privacy/keyboard")
            clock.advance(LATER)
            tap(window, window.keyboard().key("done"))
        if page == "summary":
            for card, back in (
                ("summary_email", "email_cancel"),
                ("summary_phone", "summary_phone_back"),
            ):
                clock.advance(LATER)
                tap(window, shown(window, card))
                walk.check(f"summary/{card}")
                clock.advance(LATER)
                tap(window, shown(window, back))
    walk_to(window, "areas")
    assert window.nav_access in controls(window)
    window.open_access()  # the accessibility panel, over a patient's page
    assert len(window.access_panel.tab_order()) == 7  # three sizes, three switches, Done
    assert set(window.access_panel.tab_order()) <= set(controls(window))
    walk.check("areas/accessibility panel")
    window.access_panel.hide()
    window.choose_language()  # the language chooser, over the page
    walk.check("areas/language chooser")
    window.language_chooser.hide()
    window.idle_guard()._warn()  # the idle warning
    walk.check("areas/idle warning")
    window.idle_guard().on_activity()
    window.staff.pad.open_pad()  # the staff PIN pad, over a patient's page
    walk.check("areas/staff pad")
    window.staff.pad.close_pad()
    assert walk.problems == []
    assert walk.seen > 200  # the walk saw the controls, the keyboard's keys among them
    window.close()


def state(widget: QWidget) -> QAccessible.State:
    face = QAccessible.queryAccessibleInterface(widget)
    assert face is not None and face.isValid(), widget.objectName()
    return face.state()


def accessible_name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name)


@pytest.mark.parametrize("language", ["es", "ar"])
def test_custom_controls_report_their_state_through_qaccessible(
    qtbot,
    config: Path,  # noqa: F811
    language: str,
) -> None:
    window = open_kiosk(qtbot, config, language)
    pack = window.ctx.pack
    clock = window.taps.clock
    visit = window.ctx.visit
    visit.start()
    walk_to(window, "areas")
    qtbot.wait(0)
    face = shown(window, "face_map")
    area = face.targets["frown_lines"]
    frown = next(a for a in pack.areas if a.id == "frown_lines")
    assert accessible_name(area) == frown.name  # the area's name in the patient's language
    assert state(area).checkable and not state(area).checked
    assert accessible_name(face) == pack.t("consultation.map_title")
    # a real tap on the drawn area: the face map's area and its twin button say "chosen"
    clock.advance(LATER)
    spot = face.area_rects("frown_lines")[0].center()
    tap(window, face.mapTo(window, QPointF(spot).toPoint()))
    assert "frown_lines" in visit.session.areas
    assert state(area).checked
    assert state(shown(window, "area_frown_lines")).checked
    clock.advance(LATER)
    tap(window, face.mapTo(window, QPointF(spot).toPoint()))
    assert not state(area).checked and not state(shown(window, "area_frown_lines")).checked

    walk_to(window, "health_1")
    qtbot.wait(0)
    row = next(iter(window.page(visit.flow.page).answer_rows.values()))
    yes = row.buttons["yes"]
    assert pack.t("consultation.answer_yes") in accessible_name(yes)
    assert not state(yes).checked
    clock.advance(LATER)
    tap(window, yes)
    assert state(yes).checked and not state(row.buttons["no"]).checked

    walk_to(window, "questions")
    qtbot.wait(0)
    question = window.findChild(QWidget, f"question_{pack.questions[0].id}")
    clock.advance(LATER)
    tap(window, question)
    assert state(question).checkable and state(question).checked

    walk_to(window, "timeline")
    qtbot.wait(0)
    earlier = shown(window, "day_earlier")
    assert state(earlier).disabled  # the first day: nothing before it
    assert accessible_name(earlier) == pack.t("aftercare.day_earlier_name")
    clock.advance(LATER)
    tap(window, shown(window, "day_later"))
    assert not state(earlier).disabled
    window.close()
