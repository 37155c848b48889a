"""What every screen is given: the visit, the words and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.access import AccessSettings

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.summary import SummaryRenderer
    from kiosk.core.visit import Visit
    from kiosk.ui.keyboard import OnScreenKeyboard
    from kiosk.ui.ports import Background, PrinterCheck, SummaryJobs


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
    keyboard: Callable[[], OnScreenKeyboard] | None = None
    background: list[Background] = field(default_factory=list, repr=False)
    #: The patient's accessibility choices (the header's accessibility button).
    access: AccessSettings = field(default_factory=AccessSettings)
    _printer: list[SummaryJobs | None] = field(default_factory=list, repr=False)
    _mailer: list[SummaryJobs | None] = field(default_factory=list, repr=False)
    _printer_check: list[PrinterCheck | None] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.visit.cancel_jobs = self.cancel_patient_jobs
        self.visit.check_printer = self.check_printer

    def shutdown(self) -> None:
        """Let the jobs in hand finish; start no more."""
        for service in (*self._printer, *self._mailer, *self._printer_check, *self.background):
            if service is not None:
                service.shutdown()
        self._printer.clear()
        self._mailer.clear()
        self._printer_check.clear()
        self.background.clear()

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
                mailer.reported.connect(self.visit.email_event)
            self._mailer.append(mailer)
        return self._mailer[0]

    @property
    def printer(self) -> SummaryJobs | None:
        """The print service, made on first use (printing support loads after start-up)."""
        if not self._printer:
            printer = self.make_printer()
            if printer is not None:  # a late copy counts even if the screens were rebuilt
                printer.reported.connect(self.visit.print_event)
            self._printer.append(printer)
        return self._printer[0]

    @property
    def printer_check(self) -> PrinterCheck | None:
        """Whether the printer takes jobs (None: nothing to ask, e.g. a PDF folder)."""
        if not self._printer_check:
            self._printer_check.append(self.make_printer_check())
        return self._printer_check[0]

    def check_printer(self) -> None:
        """Ask the printer's state again (a session starts, the summary is reached)."""
        check = self.printer_check
        if check is not None:
            check.check()

    @property
    def pack(self) -> ContentPack:
        return self.packs.get(self.visit.session.language) or next(iter(self.packs.values()))
