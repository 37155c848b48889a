"""What every screen is given: the session, the flow, the words and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.counters import Counters
    from kiosk.core.flow import Flow
    from kiosk.core.session import Session
    from kiosk.core.summary import SummaryRenderer
    from kiosk.services.jobs import ChildJobs
    from kiosk.ui.keyboard import OnScreenKeyboard


@dataclass
class UiContext:
    config: Config
    packs: dict[str, ContentPack]
    session: Session
    flow: Flow
    renderer: Callable[[], SummaryRenderer]
    face_svg: Path
    make_printer: Callable[[], ChildJobs | None] = lambda: None
    make_mailer: Callable[[], ChildJobs | None] = lambda: None
    keyboard: Callable[[], OnScreenKeyboard] | None = None
    counters: Counters | None = None
    background: list[ChildJobs] = field(default_factory=list, repr=False)
    _printer: list[ChildJobs | None] = field(default_factory=list, repr=False)
    _mailer: list[ChildJobs | None] = field(default_factory=list, repr=False)

    def shutdown(self) -> None:
        """Let the jobs in hand finish; start no more."""
        for service in (*self._printer, *self._mailer, *self.background):
            if service is not None:
                service.shutdown()
        self._printer.clear()
        self._mailer.clear()
        self.background.clear()

    def cancel_patient_jobs(self) -> None:
        """A walked-away or reset session: no print or email of it stays pending."""
        for service in (*self._printer, *self._mailer):
            if service is not None:
                service.cancel()

    @property
    def mailer(self) -> ChildJobs | None:
        """The email service (each email a child process), made on first use."""
        if not self._mailer:
            self._mailer.append(self.make_mailer())
        return self._mailer[0]

    @property
    def printer(self) -> ChildJobs | None:
        """The print service, made on first use (printing support loads after start-up)."""
        if not self._printer:
            self._printer.append(self.make_printer())
        return self._printer[0]

    @property
    def pack(self) -> ContentPack:
        return self.packs.get(self.session.language) or next(iter(self.packs.values()))
