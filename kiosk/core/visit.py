"""One patient's visit to the kiosk and its rules, in plain Python.

The visit owns the session (what the patient answered) and the flow (where they are), and
decides what happens on the way: the answers are wiped when the patient finishes and again
at the start screen, the appointment date is today's when a patient starts (they may choose
another day up to ``APPOINTMENT_DAYS_AHEAD`` days ahead), a session prints
at most ``max_copies`` copies one job at a time, and emails one address the patient agreed
to. It knows what was printed or emailed and tells the anonymous counters how each visit
ended.

The window only shows the step the visit is at and forwards taps to it; the screens read
and write the visit, never each other. Nothing here imports Qt, so every rule is tested
without a window (``tests/test_visit.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from kiosk.core.addresses import check_address
from kiosk.core.flow import Flow, Screen, Section
from kiosk.core.jobs import JobEvent, Kind, SummaryRequest
from kiosk.core.session import Session

if TYPE_CHECKING:  # a type only: the counters (and csv) load after the first paint
    from kiosk.core.counters import Outcome

Listener = Callable[[Screen, Screen], None]
#: How far ahead a patient may set their appointment day (today is day 0).
APPOINTMENT_DAYS_AHEAD = 60


class CountersPort(Protocol):
    """Where the visit reports, anonymously, how it went (``kiosk.core.counters``)."""

    def started(self, language: str) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...
    def abandoned(self, at_screen: str) -> None: ...
    def printed(self) -> None: ...


class Email(StrEnum):
    """Where this visit's email stands."""

    NONE = "none"  # none asked for (or the last one failed: see ``failed``)
    SENDING = "sending"  # handed to the email job
    QUEUED = "queued"  # in the outbox, delivered later
    SENT = "sent"
    FAILED = "failed"  # failed for good: the patient may try again


class EmailRefused(StrEnum):
    """Why an email cannot be sent; each value is the text key the screen shows."""

    INVALID = "email.invalid"
    NO_CONSENT = "email.consent_needed"


class Visit:
    """The session and the flow of one kiosk, with the rules that join them."""

    def __init__(
        self,
        *,
        languages: Sequence[str],
        max_copies: int,
        counters: CountersPort | None = None,
        cancel_jobs: Callable[[], None] = lambda: None,
        check_printer: Callable[[], None] = lambda: None,
        today: Callable[[], dt.date] = dt.date.today,
        language: str | None = None,
        pages: Callable[[str], Mapping[Screen, int]] = lambda _language: {},
    ) -> None:
        if not languages:
            raise ValueError("a visit needs at least one language")
        self.languages = tuple(languages)
        self.max_copies = max_copies
        self.counters = counters
        self.cancel_jobs = cancel_jobs
        #: Asks whether the printer takes jobs (the answer goes to the summary screen): when a
        #: session starts, so it is known before the summary, and again when it is reached.
        self.check_printer = check_printer
        self._today = today
        self.session = Session(language=language or self.languages[0], appointment_date=today())
        self._pages = pages
        self.flow = Flow(pages(self.session.language))
        self._listeners: list[Listener] = []
        self._forget_jobs()
        #: What the patient who just finished took away ("print", "email", "phone"), kept
        #: for the done screen until the start screen: never an address or a name.
        self.finished_with: frozenset[str] = frozenset()
        # First in line: the visit's rules run before any screen hears of a wipe or a step.
        self.session.on_wipe(self._forget_jobs)
        self.flow.listen(self._on_step)

    # --- where the patient is ---------------------------------------------------------------
    @property
    def step(self) -> Screen:
        return self.flow.current

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def listen(self, listener: Listener) -> None:
        """``listener(old, new)`` after each step change, once the visit's rules have run."""
        self._listeners.append(listener)

    def start(self) -> None:
        self.flow.go(Screen.PRIVACY)

    def next(self) -> None:
        self.flow.next()

    def back(self) -> None:
        self.flow.back()

    def go_to_section(self, section: Section) -> None:
        """A tap on a section already seen, in the progress bar."""
        self.flow.go_to_section(section)

    def finish(self) -> None:
        """The done screen's countdown ran out, or the patient tapped to start over."""
        self.flow.reset()

    def walked_away(self) -> None:
        """The idle timeout ran out: nothing of the session may stay, pending jobs included
        (a patient who finished keeps theirs: it completes within seconds)."""
        self.cancel_jobs()
        self.flow.reset()

    def staff_reset(self) -> None:
        """Staff: wipe whatever the last patient left and go back to the start."""
        self.cancel_jobs()
        if self.flow.current is Screen.ATTRACT:
            self._next_patient()
        else:
            self.flow.reset()

    def forget(self) -> None:
        """After an unexpected error: the session goes, in the default language."""
        if self.flow.current is Screen.ATTRACT:
            self._next_patient()
        else:
            self.session.wipe(self.default_language, self._today())

    def _next_patient(self) -> None:
        """A clean session in the default language, its pages counted for that pack."""
        self.session.wipe(self.default_language, self._today())
        self.flow.set_pages(self._pages(self.default_language))

    def reconfigure(self, *, languages: Sequence[str], max_copies: int) -> None:
        """A reloaded config (between sessions only: the start screen): the languages
        offered and the copies allowed change, and the next patient starts in the new
        default language with its pack's pages, or in the one they just chose on the start
        screen when it is still offered (a reload must not undo their tap)."""
        if self.flow.current is not Screen.ATTRACT:
            raise RuntimeError("a visit is reconfigured only between sessions")
        if not languages:
            raise ValueError("a visit needs at least one language")
        chosen = self.session.language if self.session.language != self.default_language else ""
        self.languages = tuple(languages)
        self.max_copies = max_copies
        self._next_patient()
        if chosen:
            self.choose_language(chosen)  # False (the default stays) when no longer offered

    def choose_language(self, code: str) -> bool:
        """Switch language; False when the kiosk does not offer it."""
        if code not in self.languages:
            return False
        self.session.language = code
        if self.flow.current is Screen.ATTRACT:  # its pack may have more or fewer questions
            self.flow.set_pages(self._pages(code))
        return True

    # --- the appointment day -----------------------------------------------------------------
    @property
    def appointment_range(self) -> tuple[dt.date, dt.date]:
        """The days a patient may choose: today up to ``APPOINTMENT_DAYS_AHEAD`` days ahead."""
        today = self._today()
        return today, today + dt.timedelta(days=APPOINTMENT_DAYS_AHEAD)

    def set_appointment_date(self, day: dt.date) -> dt.date:
        """The patient's appointment day, kept within ``appointment_range``; the day set.
        The timeline, the summaries and the email's calendar all count from it."""
        first, last = self.appointment_range
        self.session.appointment_date = min(max(day, first), last)
        return self.session.appointment_date

    def move_appointment(self, days: int) -> dt.date:
        """The appointment ``days`` later (earlier when negative), within the range."""
        return self.set_appointment_date(self.session.appointment_date + dt.timedelta(days=days))

    def _on_step(self, old: Screen, new: Screen) -> None:
        self._count(old, new)
        if (old is Screen.ATTRACT and new is not Screen.ATTRACT) or new is Screen.SUMMARY:
            self.check_printer()
        if new is Screen.DONE:
            # what happens next, for the done screen: no address, nothing the patient typed
            self.finished_with = self._took_what()
            self.session.wipe()  # the patient has finished: nothing of theirs stays
        elif new is Screen.ATTRACT:
            self.finished_with = frozenset()
            self._next_patient()
        elif old is Screen.ATTRACT:
            self.session.appointment_date = self._today()  # not the day of the last wipe
        for listener in list(self._listeners):
            listener(old, new)

    def _count(self, old: Screen, new: Screen) -> None:
        """The anonymous counters: a start, a finish and what was taken, or where it stopped."""
        if self.counters is None:
            return
        if old is Screen.ATTRACT and new is Screen.PRIVACY:
            self.counters.started(self.session.language)
        elif new is Screen.DONE:
            self.counters.finished(self.took_away())
        elif new is Screen.ATTRACT and old is not Screen.DONE:
            self.counters.abandoned(old.value)  # idle timeout, staff reset or an error

    # --- what the patient takes away ----------------------------------------------------------
    def _forget_jobs(self) -> None:
        """A wiped session has printed nothing and emailed no one; its jobs' late answers
        are no longer its own."""
        self.copies = 0
        self.print_job: int | None = None
        self.email = Email.NONE
        self.email_job: int | None = None
        #: The last answer of this visit's own print and email jobs, for the screen to show.
        self.print_answer: tuple[int, JobEvent] | None = None
        self.email_answer: tuple[int, JobEvent] | None = None
        #: The aftercare page's QR code was shown (it holds the clinic's URL only).
        self.code_shown = False

    def took_away(self) -> Outcome:
        """What this patient took away: a print still running as they finish counts (it
        completes; only a walked-away session's job is cancelled), as does an email handed
        to the email job (it is in the outbox, or soon will be)."""
        printed = self.copies > 0 or self.print_job is not None
        emailed = self.email in (Email.SENDING, Email.QUEUED, Email.SENT)
        outcomes: dict[tuple[bool, bool], Outcome] = {
            (True, True): "both",
            (True, False): "print",
            (False, True): "email",
        }
        return outcomes.get((printed, emailed), "neither")

    def _took_what(self) -> frozenset[str]:
        outcome = self.took_away()
        took = {"both": {"print", "email"}, "neither": set()}.get(outcome, {outcome})
        return frozenset(took | ({"phone"} if self.code_shown else set()))

    def _summary(self) -> dict[str, object]:
        answers = self.session.to_dict()
        answers.pop("email", None)  # the address is the email's alone, never the printer's
        answers.pop("email_consent", None)
        return answers

    # --- printing -----------------------------------------------------------------------------
    @property
    def copies_left(self) -> int:
        return self.max_copies - self.copies

    def print_request(self) -> SummaryRequest | None:
        """The summary to print, or None: one job at a time, at most ``max_copies`` copies."""
        if self.print_job is not None or self.copies_left <= 0:
            return None
        return SummaryRequest(self._summary())

    def print_submitted(self, job: int) -> None:
        self.print_job = job

    def print_event(self, job: int, event: JobEvent) -> bool:
        """A print job's answer; True when it is this visit's job in hand."""
        if event.kind is Kind.PRINTED and self.counters is not None:
            self.counters.printed()  # a copy came out, even of a patient who has finished
        if job != self.print_job:
            return False  # a job from a session that has since been wiped
        self.print_answer = (job, event)
        if event.final:
            self.print_job = None
            if event.kind is Kind.PRINTED:
                self.copies += 1
        return True

    # --- email --------------------------------------------------------------------------------
    @property
    def may_email(self) -> bool:
        """One email per patient; after a failure, they may try again."""
        return self.email_job is None and self.email in (Email.NONE, Email.FAILED)

    def email_request(self, address: str, consent: bool) -> SummaryRequest | EmailRefused | None:
        """The summary to email to ``address``; a refusal the patient is shown; or None when
        this visit may not email now (one is running or was sent)."""
        if not self.may_email:
            return None
        refused = self.email_refused(address, consent)
        if refused is not None:
            return refused
        address = address.strip()
        self.session.email = address
        self.session.email_consent = True
        return SummaryRequest(self._summary(), to=address)

    @staticmethod
    def email_refused(address: str, consent: bool) -> EmailRefused | None:
        """Why this address (with this consent) cannot be emailed, or None when it can: the
        screen asks before it shows the address back to confirm."""
        address = address.strip()
        if not address or check_address(address) is not None:
            return EmailRefused.INVALID
        if not consent:
            return EmailRefused.NO_CONSENT
        return None

    def email_submitted(self, job: int) -> None:
        self.email_job = job
        self.email = Email.SENDING

    def email_event(self, job: int, event: JobEvent) -> bool:
        """An email job's answer; True when it is this visit's job in hand."""
        if job != self.email_job:
            return False  # a job of a session that has since been wiped
        self.email_answer = (job, event)
        self.email = {
            Kind.QUEUED: Email.QUEUED,
            Kind.SENT: Email.SENT,
            Kind.RETRYING: Email.QUEUED,
            Kind.FAILED: Email.FAILED,
        }.get(event.kind, self.email)
        if event.final:
            self.email_job = None
        return True
