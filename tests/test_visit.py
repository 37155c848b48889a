"""The visit's rules, without a window: wipes, dates, counters, printing and email
(``kiosk.core.visit``), and the job protocol both ends of a print or email job speak
(``kiosk.core.jobs``)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.core.errors import ProblemsError
from kiosk.core.flow import Screen
from kiosk.core.jobs import FINAL, JobEvent, Kind, Reason, SummaryRequest, child_args
from kiosk.core.visit import Email, EmailRefused, Visit

DAY_ONE, DAY_TWO = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
PRINTED = JobEvent(Kind.PRINTED, detail="KioskPDF")
FAILED = JobEvent(Kind.FAILED, Reason.PRINTER, "no printer named 'X'")


class Recorder:
    """A counters port that remembers what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, ...]] = []

    def started(self, language: str) -> None:
        self.told.append(("started", language))

    def finished(self, outcome: str) -> None:
        self.told.append(("finished", outcome))

    def abandoned(self, at_screen: str) -> None:
        self.told.append(("abandoned", at_screen))

    def printed(self) -> None:
        self.told.append(("printed",))


@pytest.fixture
def today() -> list[dt.date]:
    return [DAY_ONE]


@pytest.fixture
def counters() -> Recorder:
    return Recorder()


@pytest.fixture
def visit(today: list[dt.date], counters: Recorder) -> Visit:
    return Visit(languages=["en", "es"], max_copies=2, counters=counters, today=lambda: today[-1])


def to_summary(visit: Visit) -> None:
    visit.start()
    while visit.step is not Screen.SUMMARY:
        visit.next()


def test_a_visit_is_counted_from_start_to_finish(visit: Visit, counters: Recorder) -> None:
    visit.choose_language("es")
    to_summary(visit)
    job = 7
    request = visit.print_request()
    assert request is not None
    visit.print_submitted(job)
    visit.next()  # finished while the print runs: it completes, so it counts
    assert counters.told == [("started", "es"), ("finished", "print")]
    assert visit.print_event(job, PRINTED) is False  # no longer this visit's job ...
    assert counters.told[-1] == ("printed",)  # ... but the copy came out


def test_a_walked_away_visit_is_counted_where_it_stopped(visit: Visit, counters: Recorder) -> None:
    cancelled: list[bool] = []
    visit.cancel_jobs = lambda: cancelled.append(True)
    visit.start()
    visit.next()
    visit.walked_away()
    assert counters.told == [("started", "en"), ("abandoned", "consultation")]
    assert cancelled == [True] and visit.step is Screen.ATTRACT


def test_answers_are_wiped_at_the_finish_and_at_the_start_screen(visit: Visit) -> None:
    visit.choose_language("es")
    visit.start()
    visit.session.first_name = "Ana"
    visit.session.toggle_area("forehead_lines")
    while visit.step is not Screen.DONE:
        visit.next()
    assert visit.session.first_name == "" and visit.session.areas == []
    assert visit.session.language == "es"  # the done screen still speaks their language
    visit.finish()
    assert visit.session.language == "en"  # the next patient starts in the default


def test_the_appointment_is_today_when_a_patient_starts(visit: Visit, today: list[dt.date]) -> None:
    assert visit.session.appointment_date == DAY_ONE
    today.append(DAY_TWO)  # the kiosk stood on the start screen overnight
    visit.start()
    assert visit.session.appointment_date == DAY_TWO


def test_staff_reset_on_the_start_screen_still_wipes(visit: Visit) -> None:
    cancelled: list[bool] = []
    visit.cancel_jobs = lambda: cancelled.append(True)
    visit.choose_language("es")
    visit.session.first_name = "left over"
    visit.staff_reset()
    assert visit.session.first_name == "" and visit.session.language == "en"
    assert cancelled == [True]


def test_only_offered_languages_are_chosen(visit: Visit) -> None:
    assert visit.choose_language("fr") is False
    assert visit.session.language == "en"


def test_one_print_at_a_time_and_at_most_max_copies(visit: Visit, counters: Recorder) -> None:
    to_summary(visit)
    visit.session.email = "someone@example.com"
    first = visit.print_request()
    assert first is not None and first.to == ""
    assert "email" not in first.answers and "email_consent" not in first.answers
    visit.print_submitted(1)
    assert visit.print_request() is None  # the job is in hand
    assert visit.print_event(1, FAILED) is True
    assert visit.copies == 0  # a failed job was no copy: the patient may retry
    visit.print_submitted(2)
    visit.print_event(2, PRINTED)
    visit.print_submitted(3)
    visit.print_event(3, PRINTED)
    assert visit.copies == 2 and visit.copies_left == 0
    assert visit.print_request() is None
    assert counters.told.count(("printed",)) == 2


def test_a_wipe_forgets_what_was_printed_and_emailed(visit: Visit) -> None:
    to_summary(visit)
    visit.print_submitted(1)
    visit.print_event(1, PRINTED)
    request = visit.email_request("ana@example.com", consent=True)
    assert isinstance(request, SummaryRequest)
    visit.email_submitted(2)
    visit.walked_away()
    assert (visit.copies, visit.print_job, visit.email, visit.email_job) == (
        0,
        None,
        Email.NONE,
        None,
    )
    assert visit.email_event(2, JobEvent(Kind.SENT)) is False


def test_email_needs_a_valid_address_and_consent(visit: Visit) -> None:
    to_summary(visit)
    assert visit.email_request("  ", consent=True) is EmailRefused.INVALID
    assert visit.email_request("not an address", consent=True) is EmailRefused.INVALID
    assert visit.email_request("ana@example.com", consent=False) is EmailRefused.NO_CONSENT
    assert visit.session.email == ""  # nothing kept of a refused request
    request = visit.email_request(" ana@example.com ", consent=True)
    assert isinstance(request, SummaryRequest)
    assert request.to == "ana@example.com" and "email" not in request.answers
    assert visit.session.email == "ana@example.com" and visit.session.email_consent


def test_one_email_per_patient_but_a_failure_may_be_retried(
    visit: Visit, counters: Recorder
) -> None:
    to_summary(visit)
    assert isinstance(visit.email_request("ana@example.com", consent=True), SummaryRequest)
    visit.email_submitted(1)
    assert visit.email_request("ana@example.com", consent=True) is None  # it is running
    visit.email_event(1, JobEvent(Kind.QUEUED))
    assert visit.email is Email.QUEUED and visit.email_job == 1
    visit.email_event(1, JobEvent(Kind.FAILED, Reason.SERVER, "550 no such user"))
    assert visit.email is Email.FAILED and visit.may_email
    assert isinstance(visit.email_request("ana@example.org", consent=True), SummaryRequest)
    visit.email_submitted(2)
    visit.email_event(2, JobEvent(Kind.RETRYING, Reason.SERVER, "421 try later"))
    assert visit.email is Email.QUEUED and visit.email_job is None
    assert not visit.may_email and visit.email_request("b@example.com", consent=True) is None
    visit.next()
    assert counters.told[-1] == ("finished", "email")


def test_jobs_speak_json_lines_both_ends_read_alike() -> None:
    for kind in Kind:
        event = JobEvent(kind, Reason.SERVER, "détail")
        assert JobEvent.from_line(event.to_line()) == event
        assert event.final is (kind in FINAL)
    assert json.loads(JobEvent(Kind.SENT).to_line()) == {"event": "sent"}
    for chatter in ("", "queued", "[1]", '{"event": "exploded"}', '{"no": "event"}'):
        assert JobEvent.from_line(chatter) is None
    assert child_args("print-job", None) == ["print-job"]


def test_a_summary_request_round_trips_and_a_bad_one_names_every_problem() -> None:
    request = SummaryRequest({"language": "en", "first_name": "Zoë"}, to="z@example.com")
    assert SummaryRequest.decode(request.encode()) == request
    with pytest.raises(ProblemsError) as caught:
        SummaryRequest.decode(b'{"answers": [], "to": 3, "extra": 1}')
    assert [str(p) for p in caught.value.problems] == [
        "<stdin>: answers: must be an object",
        "<stdin>: to: must be a string",
        "<stdin>: extra: unknown key",
    ]
    with pytest.raises(ProblemsError, match="not valid JSON"):
        SummaryRequest.decode(b"{")


def test_the_appointment_day_stays_within_today_and_60_days(
    visit: Visit, today: list[dt.date]
) -> None:
    """Item 9 of issue 11: today by default; another day in the next 60 days, no further."""
    visit.start()
    assert visit.appointment_range == (DAY_ONE, DAY_ONE + dt.timedelta(days=60))
    assert visit.move_appointment(-1) == DAY_ONE  # never before today
    assert visit.move_appointment(1) == DAY_TWO
    assert visit.session.appointment_date == DAY_TWO
    assert visit.set_appointment_date(DAY_ONE + dt.timedelta(days=60)) == dt.date(2026, 4, 30)
    assert visit.move_appointment(1) == dt.date(2026, 4, 30)  # never past 60 days
    assert visit.set_appointment_date(DAY_ONE + dt.timedelta(days=400)) == dt.date(2026, 4, 30)
    assert visit.set_appointment_date(dt.date(2025, 1, 1)) == DAY_ONE


def test_the_chosen_appointment_day_goes_with_the_session(
    visit: Visit, today: list[dt.date]
) -> None:
    visit.start()
    visit.move_appointment(10)
    assert visit.session.to_dict()["appointment_date"] == "2026-03-11"  # what prints and emails
    visit.walked_away()
    assert visit.session.appointment_date == DAY_ONE
    today.append(DAY_TWO)
    visit.start()
    visit.move_appointment(3)
    visit.staff_reset()
    visit.start()
    assert visit.session.appointment_date == DAY_TWO
