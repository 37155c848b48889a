"""Whether the printer takes jobs, asked in a child process (``printer-status``).

The kiosk asks when a session starts and again when the summary is reached, so that Print
is offered only while the queue exists, is enabled and accepts jobs. A child process, as
for the prints themselves: the kiosk process loads no printing support, and a print server
that hangs never holds up the screen (the answer comes by signal, in a few hundred ms).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.core.printer import PrinterStatus
from kiosk.services.jobs import ChildJobs

log = logging.getLogger("kiosk.print")

#: A print server that gives no answer in this time counts as no answer (Print stays offered
#: as it was; the print job itself reports whether it printed).
CHECK_TIMEOUT_MS = 15_000


class PrinterCheck(QObject):
    """The last answer about the printer (``status``; None until the first one) and
    ``changed()`` after each check. One check at a time: one asked for while another runs
    follows it (the printer may have changed since that one asked)."""

    changed = Signal()

    def __init__(self, command: list[str], *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = ChildJobs(
            command, timeout_ms=CHECK_TIMEOUT_MS, name="printer-status", parent=self
        )
        self._jobs.done_level = logging.DEBUG  # asked every two minutes: 720 lines a day
        self._jobs.finished.connect(self._on_finished)
        self.status: PrinterStatus | None = None
        self.checked_at: dt.datetime | None = None
        self._unanswered = False
        self._again = False

    @property
    def ready(self) -> bool | None:
        """Whether the printer takes jobs, as last checked; None when not known."""
        return None if self.status is None else self.status.ready

    def busy(self) -> bool:
        """A look is under way (or asked for after the one under way)."""
        return self._jobs.busy() or self._again

    def check(self) -> None:
        if self._jobs.busy():
            self._again = True
        else:
            self._jobs.submit("")

    def describe(self) -> str:
        """For the staff panel: the state as last checked, and when."""
        if self.status is None or self.checked_at is None:
            return "the check did not answer" if self._unanswered else "not checked yet"
        late = "; the last check did not answer" if self._unanswered else ""
        return f"{self.status.describe()} (checked {self.checked_at:%H:%M:%S}{late})"

    def shutdown(self) -> None:
        self._again = False
        self._jobs.cancel()

    def retire(self, done: Callable[[], None]) -> None:
        """No more looks; the one under way ends on its own (it is not stopped: stopping a
        child waits for it), then ``done()``, and this check is deleted."""
        self._again = False

        def ended() -> None:
            done()
            self.deleteLater()

        self._jobs.retire(ended)

    def _on_finished(self, _job: int, ok: bool, detail: str) -> None:
        status = PrinterStatus.from_line(self._jobs.last_line())
        self._unanswered = status is None
        if status is None:  # the last answer stands: no answer says nothing new
            log.warning("printer check gave no answer: %s", detail)
        else:
            if status != self.status:
                log.info("printer %s", status.describe())
            self.status = status
            self.checked_at = dt.datetime.now()
        if self._again:
            self._again = False
            self._jobs.submit("")
        self.changed.emit()
