"""What the screens need from the services, as Protocols: the UI imports nothing from
``kiosk.services`` (an import-linter contract in pyproject.toml keeps it so). The
composition root (``kiosk.app``) hands the real ones in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import SignalInstance

from kiosk.core.jobs import SummaryRequest
from kiosk.core.printer import PrinterStatus


class SummaryJobs(Protocol):
    """Prints or emails summaries, one job at a time, off the UI thread
    (``kiosk.services.jobs.SummaryJobs``).

    ``reported(job, JobEvent)`` reports each job: queued, printed, sent, retrying or failed,
    with a reason; the last event of a job is one whose ``final`` is true.
    """

    @property
    def reported(self) -> SignalInstance: ...

    def submit(self, request: SummaryRequest) -> int:
        """Start (or queue) a job; returns the job number its events carry."""
        ...

    def cancel(self) -> None:
        """Drop the queued jobs and stop the running one (a walked-away patient's)."""
        ...

    def shutdown(self) -> None:
        """Let the job in hand finish; start no more."""
        ...

    def retire(self, done: Callable[[], None]) -> None:
        """Start no more; call ``done()`` once the jobs in hand have ended, never waiting."""
        ...


class PrinterCheck(Protocol):
    """Whether the printer takes jobs, asked off the UI thread
    (``kiosk.services.printer_check.PrinterCheck``). ``changed()`` after each answer."""

    @property
    def changed(self) -> SignalInstance: ...

    @property
    def ready(self) -> bool | None:
        """As last checked; None while not known (Print is then offered)."""
        ...

    @property
    def status(self) -> PrinterStatus | None:
        """The last answer (the metrics' printer state); None until the first."""
        ...

    def check(self) -> None:
        """Ask again (the answer comes with ``changed``)."""
        ...

    def describe(self) -> str:
        """The printer's state for staff: name, state, accepting, reasons, when checked."""
        ...

    def shutdown(self) -> None: ...

    def retire(self, done: Callable[[], None]) -> None:
        """Ask no more; call ``done()`` once the look under way has ended, never waiting."""
        ...


class Background(Protocol):
    """A service that runs beside the screens and must stop with the window."""

    def shutdown(self) -> None: ...


class Speech(Protocol):
    """The kiosk's voice (``kiosk.services.speech.Speaker``): says a text in a language.

    ``speaking_changed(bool)`` follows the engine; ``availability_changed()`` once it is
    known whether it can speak at all, and in which languages (``has_voice``).
    """

    @property
    def speaking_changed(self) -> SignalInstance: ...

    @property
    def availability_changed(self) -> SignalInstance: ...

    @property
    def volume(self) -> float: ...

    @property
    def speaking(self) -> bool: ...

    @property
    def available(self) -> bool | None:
        """Whether it can speak at all (None: not known yet)."""
        ...

    def set_volume(self, volume: float) -> None: ...

    def has_voice(self, language: str) -> bool | None:
        """Whether the engine speaks ``language`` (None: not known yet)."""
        ...

    def start(self) -> None:
        """Get the engine ready (it takes a moment): read aloud was turned on."""
        ...

    def say(self, text: str, language: str) -> None:
        """Stop what is being said and say ``text``."""
        ...

    def stop(self) -> None: ...

    def shutdown(self) -> None: ...
