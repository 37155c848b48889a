from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.core.errors import ProblemsError
from kiosk.core.flow import Flow, IllegalTransition, Screen, Section
from kiosk.core.session import Session
from kiosk.core.timeline import dated_timeline, format_date


def test_flow_walks_every_page_and_wraps_to_attract() -> None:
    flow = Flow({Screen.HEALTH: 3})
    seen = [flow.page.id]
    changes: list[tuple[Screen, Screen]] = []
    flow.listen(lambda old, new: (changes.append((old, new)), seen.append(flow.page.id)))
    for _ in range(len(flow.pages)):
        flow.next()
    assert seen == [
        "attract", "privacy", "consultation", "areas", "health_1", "health_2", "health_3",
        "questions", "treatment", "aftercare", "timeline", "side_effects", "summary", "done",
        "attract",
    ]  # fmt: skip
    # between two health pages the screen stays the same, and listeners still hear of it
    assert (Screen.HEALTH, Screen.HEALTH) in changes
    assert flow.current is Screen.ATTRACT


def test_a_pack_without_health_questions_has_no_health_pages() -> None:
    ids = [p.id for p in Flow({Screen.HEALTH: 0}).pages]
    assert not any(i.startswith("health") for i in ids)
    assert ids.index("questions") == ids.index("areas") + 1


def test_flow_moves_one_page_at_a_time_or_back_to_a_page_seen() -> None:
    flow = Flow({Screen.HEALTH: 2})
    flow.next()
    flow.next()
    flow.back()
    assert flow.current is Screen.PRIVACY
    with pytest.raises(IllegalTransition):
        flow.go(Screen.SUMMARY)  # never seen: no skipping ahead
    with pytest.raises(IllegalTransition):
        flow.go_to_section(Section.TREATMENT)
    while flow.current is not Screen.TREATMENT:
        flow.next()
    flow.go_to_section(Section.HEALTH)  # back by the progress bar, to the section's first page
    assert flow.page.id == "health_1"
    flow.go(Screen.TREATMENT)  # and forward again to a page already seen
    assert flow.page.id == "treatment"
    flow.reset()
    with pytest.raises(IllegalTransition):
        flow.back()
    with pytest.raises(IllegalTransition):
        flow.go(Screen.TREATMENT)  # a new patient has seen nothing
    for _ in range(len(flow.pages) - 1):
        flow.next()
    assert flow.current is Screen.DONE
    with pytest.raises(IllegalTransition):
        flow.back()  # the answers were wiped at the finish
    with pytest.raises(IllegalTransition):
        flow.go_to_section(Section.SUMMARY)


def test_progress_names_the_sections_and_marks_where_the_patient_is() -> None:
    flow = Flow({Screen.HEALTH: 2})
    while flow.page.id != "health_2":
        flow.next()
    states = dict(flow.sections())
    assert list(states) == list(Section)
    assert states[Section.CONSULTATION] == states[Section.AREAS] == "seen"
    assert states[Section.HEALTH] == "current"
    assert {states[s] for s in (Section.TREATMENT, Section.SUMMARY)} == {"ahead"}
    assert flow.page_of_screen() == (2, 2)
    flow.go_to_section(Section.AREAS)
    states = dict(flow.sections())
    assert states[Section.HEALTH] == "seen"  # still seen: the patient may go forward again
    assert flow.page_of_screen() is None
    with pytest.raises(IllegalTransition):
        flow.set_pages({Screen.HEALTH: 5})  # only on the start screen


def test_session_round_trips_the_json_contract(pack) -> None:
    data = {
        "language": "en",
        "first_name": "Ana",
        "appointment_date": "2026-12-01",
        "areas": ["frown_lines", "crows_feet"],
        "screening": {pack.screening[0].id: "yes", pack.screening[1].id: "unsure"},
        "questions": [pack.questions[0].id],
        "email": "ana@example.com",
        "email_consent": True,
    }
    session = Session.from_dict(data, "a.json", pack)
    assert session.to_dict() == data
    assert json.loads(json.dumps(session.to_dict())) == data


def test_only_language_is_required(pack) -> None:
    session = Session.from_dict({"language": "en"}, "a.json", pack)
    assert session.first_name == "" and session.areas == []
    assert session.appointment_date == dt.date.today()


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"language": "en", "areas": ["jawline"]}, "areas[0]", "unknown area 'jawline'"),
        (
            {"language": "en", "appointment_date": "2026-13-01"},
            "appointment_date",
            "must be a date",
        ),
        ({"language": "en", "appointment_date": 20261201}, "appointment_date", "must be a date"),
        ({"language": "en", "first_name": 7}, "first_name", "must be text"),
        (
            {"language": "en", "screening": {"nope": "yes"}},
            "screening.nope",
            "unknown health question",
        ),
        ({"language": "en", "questions": ["nope"]}, "questions[0]", "unknown question id"),
        ({"language": "en", "email_consent": "yes"}, "email_consent", "must be true or false"),
        ({"language": "en", "colour": "red"}, "colour", "unknown key"),
        ({"first_name": "Ana"}, "language", "must be a language code"),
    ],
)
def test_bad_answers_name_the_key(pack, data, key, message) -> None:
    with pytest.raises(ProblemsError) as info:
        Session.from_dict(data, "a.json", pack)
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(f"a.json: {key}: ") and message in line for line in lines), lines


def test_bad_screening_answer(pack) -> None:
    qid = pack.screening[0].id
    with pytest.raises(ProblemsError, match=f"screening.{qid}: must be one of yes, no, unsure"):
        Session.from_dict({"language": "en", "screening": {qid: "maybe"}}, "a.json", pack)


def test_wipe_forgets_everything_and_tells_listeners() -> None:
    session = Session(first_name="Ana", email="a@example.com", email_consent=True)
    session.toggle_area("neck_bands")
    session.answer("allergy", "yes")
    session.set_question("risks", True)
    told = []
    session.on_wipe(lambda: told.append(True))
    session.wipe("en")
    assert session.to_dict() == {"language": "en", "appointment_date": dt.date.today().isoformat()}
    assert told == [True]


def test_areas_toggle_and_stay_in_canonical_order() -> None:
    session = Session()
    assert session.toggle_area("neck_bands") is True
    assert session.toggle_area("forehead_lines") is True
    assert session.areas == ["forehead_lines", "neck_bands"]
    assert session.toggle_area("neck_bands") is False
    assert session.areas == ["forehead_lines"]
    with pytest.raises(ValueError):
        session.toggle_area("jawline")


def test_timeline_dates_count_from_the_appointment(pack) -> None:
    day = dt.date(2026, 12, 1)
    entries = {e.entry.id: e for e in dated_timeline(pack, day, ["frown_lines"])}
    assert entries["today"].start == day
    first = entries["first_effects"]
    assert (first.start, first.end) == (dt.date(2026, 12, 4), dt.date(2026, 12, 8))
    assert entries["review"].start == dt.date(2026, 12, 15)
    assert "underarm_wears_off" not in entries and "migraine_next" not in entries
    with_migraine = {e.entry.id: e for e in dated_timeline(pack, day, ["chronic_migraine"])}
    assert with_migraine["migraine_next"].start == dt.date(2027, 2, 23)  # 12 weeks later
    assert format_date(pack, day) == "Tuesday 1 December 2026"


def test_every_problem_in_the_answers_is_reported(pack) -> None:
    data = {
        "language": "xx",
        "first_name": 7,
        "appointment_date": "soon",
        "areas": ["jawline", "frown_lines"],
        "questions": ["nope"],
        "email_consent": "yes",
        "colour": "red",
    }
    with pytest.raises(ProblemsError) as info:
        Session.from_dict(data, "a.json", pack, ["en"])
    lines = [str(p) for p in info.value.problems]
    assert [line.split(": ")[1] for line in lines] == [
        "colour",
        "first_name",
        "appointment_date",
        "email_consent",
        "language",
        "areas[0]",
        "questions[0]",
    ], lines
    assert "a.json: language: 'xx' is not offered (offered: en)" in lines
