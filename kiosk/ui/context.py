"""What every screen is given: the visit, the words and the services."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.access import AccessSettings
from kiosk.core.jobs import JobEvent, Kind
from kiosk.core.reload import ReloadCounts

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.summary import SummaryRenderer
    from kiosk.core.visit import Visit
    from kiosk.ui.keyboard import OnScreenKeyboard
    from kiosk.ui.ports import Background, PrinterCheck, Speech, SummaryJobs


@dataclass
class UiContext:
    config: Config
    packs: dict[str, ContentPack]
    visit: Visit
    renderer: Callable[[], SummaryRenderer]
    face_svg: Path
    make_printer: Callable[[], SummaryJobs | None] = lambda: None
    make_mailer: Callable[[], SummaryJobs | None] = lambda: None
    make_printer_check: Callable[[], PrinterCheck | None] = lambda: None
    make_speaker: Callable[[], Speech | None] = lambda: None
    keyboard: Callable[[], OnScreenKeyboard] | None = None
    #: The reloads' outcomes (``kiosk.core.reload``): the staff panel and the metrics read it.
    reloads: ReloadCounts = field(default_factory=ReloadCounts)
    #: Reload the config and the content (``kiosk.app.Reloader``): now on the start screen,
    #: else when the session ends; returns a sentence for staff.
    request_reload: Callable[[str], str] = lambda _who: ""
    background: list[Background] = field(default_factory=list, repr=False)
    #: The patient's accessibility choices (the header's accessibility button).
    access: AccessSettings = field(default_factory=AccessSettings)
    _printer: list[SummaryJobs | None] = field(default_factory=list, repr=False)
    _mailer: list[SummaryJobs | None] = field(default_factory=list, repr=False)
    _printer_check: list[PrinterCheck | None] = field(default_factory=list, repr=False)
    _speaker: list[Speech | None] = field(default_factory=list, repr=False)
    #: Told of every print / email job's events, whichever service ran it (the metrics).
    print_watchers: list[Callable[[int, JobEvent], None]] = field(default_factory=list)
    email_watchers: list[Callable[[int, JobEvent], None]] = field(default_factory=list)
    #: Services a reload replaced while a job of theirs still ran, kept until it ends.
    _retired: list[SummaryJobs | PrinterCheck] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.visit.cancel_jobs = self.cancel_patient_jobs
        self.visit.check_printer = self.check_printer

    def shutdown(self) -> None:
        """Let the jobs in hand finish; start no more."""
        services = (
            *self._printer,
            *self._mailer,
            *self._printer_check,
            *self._speaker,
            *self._retired,
        )
        for service in (*services, *self.background):
            if service is not None:
                service.shutdown()
        self._retired.clear()
        self._speaker.clear()
        self._printer.clear()
        self._mailer.clear()
        self._printer_check.clear()
        self.background.clear()

    def replace(self, config: Config, packs: dict[str, ContentPack]) -> None:
        """A reloaded config and content (between sessions): the print and email services
        and the printer check are made again from it on their next use. The old ones are
        kept until the jobs in hand end (the last patient's print still comes out, and
        counts: ``_print_event``), never waited for: the start screen stays live."""
        for service in (*self._printer, *self._mailer, *self._printer_check):
            if service is not None:
                self._retired.append(service)
                service.retire(functools.partial(self._drop, service))
        self._printer.clear()
        self._mailer.clear()
        self._printer_check.clear()
        # The voice (its own engine, voices and volume) is made again on next use: between
        # sessions read aloud is off, so nothing is cut short.
        for speaker in self._speaker:
            if speaker is not None:
                speaker.shutdown()
        self._speaker.clear()
        self.config = config
        self.packs = packs

    def _drop(self, service: SummaryJobs | PrinterCheck) -> None:
        if service in self._retired:
            self._retired.remove(service)

    def _print_event(self, printer: SummaryJobs, job: int, event: JobEvent) -> None:
        """To the visit, from the print service in use. A retired one's late answers are
        no visit's (job numbers restart with the new service), but a copy that came out
        still counts."""
        for watcher in self.print_watchers:
            watcher(job, event)
        if printer in self._printer:
            self.visit.print_event(job, event)
        elif event.kind is Kind.PRINTED and self.visit.counters is not None:
            self.visit.counters.printed()

    def _email_event(self, mailer: SummaryJobs, job: int, event: JobEvent) -> None:
        """To the visit, from the email service in use (a retired one's job is in the
        outbox, which delivers it; no visit waits for it)."""
        for watcher in self.email_watchers:
            watcher(job, event)
        if mailer in self._mailer:
            self.visit.email_event(job, event)

    def cancel_patient_jobs(self) -> None:
        """A walked-away or reset session: no print or email of it stays pending."""
        for service in (*self._printer, *self._mailer):
            if service is not None:
                service.cancel()

    @property
    def mailer(self) -> SummaryJobs | None:
        """The email service (each email a child process), made on first use."""
        if not self._mailer:
            mailer = self.make_mailer()
            if mailer is not None:  # the visit hears first, whether a screen is built or not
                mailer.reported.connect(functools.partial(self._email_event, mailer))
            self._mailer.append(mailer)
        return self._mailer[0]

    @property
    def printer(self) -> SummaryJobs | None:
        """The print service, made on first use (printing support loads after start-up)."""
        if not self._printer:
            printer = self.make_printer()
            if printer is not None:  # a late copy counts even if the screens were rebuilt
                printer.reported.connect(functools.partial(self._print_event, printer))
            self._printer.append(printer)
        return self._printer[0]

    @property
    def printer_check(self) -> PrinterCheck | None:
        """Whether the printer takes jobs (None: nothing to ask, e.g. a PDF folder)."""
        if not self._printer_check:
            self._printer_check.append(self.make_printer_check())
        return self._printer_check[0]

    @property
    def speaker(self) -> Speech | None:
        """The voice of read aloud (a child process), made on first use; None: no speech."""
        if not self._speaker:
            self._speaker.append(self.make_speaker())
        return self._speaker[0]

    def check_printer(self) -> None:
        """Ask the printer's state again (a session starts, the summary is reached)."""
        check = self.printer_check
        if check is not None:
            check.check()

    @property
    def pack(self) -> ContentPack:
        return self.packs.get(self.visit.session.language) or next(iter(self.packs.values()))
