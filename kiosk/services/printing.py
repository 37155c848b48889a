"""Printing the summary: silently, to the configured printer, off the UI thread, and truthfully.

Three targets share one small interface:

- ``CupsPrinter`` (Linux): the summary is laid out as a PDF in memory and streamed to CUPS
  over IPP through pycups (libcups), never through a file: Qt's own CUPS path writes the
  PDF to a temporary file first, which a job killed half-way leaves behind with the
  patient's name and answers. The job is then followed until CUPS has printed it.
- ``SystemPrinter`` (Windows): the spooler, through QPrinter (what the spooler keeps is in
  deploy/windows/README-windows.md).
- ``PdfFolder`` (the demo clinic): each print is a PDF file in a folder.

The kiosk runs each print in a child process (``print-job``, through kiosk.services.jobs),
so the screen never waits on a printer, and asks the printer's state in another
(``printer-status``) before it offers Print.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk import lazy
from kiosk.core.printer import PrinterStatus, State, printer_name
from kiosk.services import files
from kiosk.services.pdf import RenderError, paint, pdf_bytes, write_pdf

if TYPE_CHECKING:  # deferred: see kiosk.lazy
    import cups  # pycups: no type hints, so Any
    from PySide6 import QtPrintSupport
    from PySide6.QtPrintSupport import QPrinterInfo
else:
    QtPrintSupport = lazy.load("PySide6.QtPrintSupport")
    cups = lazy.load("cups")

log = logging.getLogger("kiosk.print")

#: "Printed" means CUPS says the job completed within this many seconds: the backend has
#: handed every page to the printer. A healthy printer does that for a two-page summary in
#: a few seconds; a job still waiting or in progress after it (an unreachable printer, a
#: queue stuck behind a jam) is reported as failed and cancelled, so the patient is never
#: sent to collect nothing, and no copy of their summary comes out, or waits in the spool,
#: after they were told to ask at the desk.
CONFIRM_S = 20.0
POLL_S = 0.1
#: The document's name in the job (its title is the job's name). One word: CUPS 2.4.2's
#: scheduler (Debian 12) crashes on a Send-Document whose document-name has a space.
DOCUMENT_NAME = "summary.pdf"
#: Tests only: a FIFO the print job opens and reads after streaming the document and before
#: finishing it, so that a test can kill the job there (tests/test_print_faults.py).
GATE_ENV = "KIOSK_TEST_PRINT_GATE"

# IPP's job-state and printer-state values (RFC 8011), as libcups and pycups give them.
JOB_STATES = {
    3: "pending",
    4: "held",
    5: "processing",
    6: "stopped",
    7: "cancelled",
    8: "aborted",
    9: "completed",
}
JOB_COMPLETED = 9
JOB_FAILED = frozenset({4, 6, 7, 8})  # held, stopped, cancelled, aborted: it will not print
PRINTER_STATES = {3: State.IDLE, 4: State.PRINTING, 5: State.STOPPED}
PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-is-accepting-jobs",
    "printer-state-reasons",
    "printer-state-message",
]


class PrintError(Exception):
    """Printing failed; the message is for staff and the log (never patient data)."""


class PrintTarget(Protocol):
    def describe(self) -> str: ...

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        """Print it; return where it went. Raises PrintError."""
        ...


def _cups() -> Any:
    """pycups, on the systems that print through CUPS (a dependency on Linux)."""
    try:
        cups.IPPError  # noqa: B018 (pycups is imported here, on first use)
    except ImportError:
        raise PrintError(
            "printing through CUPS needs pycups (pip install pycups; on Debian: "
            "apt-get install python3-cups), which is not installed"
        ) from None
    return cups


def _failures() -> tuple[type[Exception], ...]:
    """What pycups raises when the server refuses a request (IPPError), answers with an
    HTTP error (HTTPError), or the connection breaks (RuntimeError)."""
    cups = _cups()
    return (cups.IPPError, cups.HTTPError, RuntimeError)


def _reasons(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return ()


class CupsPrinter:
    """A CUPS queue; empty name: the CUPS default. Jobs go from memory, over IPP.

    ``confirm_s``, ``poll_s``, ``clock`` and ``sleep``: how long and how a job is followed
    (tests pass a short window; they never wait for the real one).
    """

    def __init__(
        self,
        name: str,
        paper: str,
        *,
        confirm_s: float = CONFIRM_S,
        poll_s: float = POLL_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.paper = paper
        self.confirm_s = confirm_s
        self.poll_s = poll_s
        self.clock = clock
        self.sleep = sleep

    def describe(self) -> str:
        return printer_name(self.name)

    def connect(self) -> Any:
        """A connection to the local CUPS server. Raises PrintError."""
        cups = _cups()
        try:
            return cups.Connection()
        except RuntimeError as exc:  # pycups: "failed to connect to server"
            raise PrintError(f"cannot reach the CUPS print server ({exc})") from None

    def queue(self, conn: Any) -> str:
        """The queue's name: the configured one, or CUPS's default. Raises PrintError."""
        if self.name:
            return self.name
        default = conn.getDefault()
        if not default:
            known = ", ".join(sorted(conn.getPrinters())) or "none"
            raise PrintError(f"no default printer is set (printers: {known})")
        return str(default)

    def status(self, conn: Any = None) -> PrinterStatus:
        """The queue's state now: one IPP request to the local server, a few milliseconds."""
        try:
            cups = _cups()  # PrintError without pycups: said, not raised
            conn = conn or self.connect()
            name = self.queue(conn)
        except PrintError as exc:
            return PrinterStatus(self.name, State.MISSING, False, detail=str(exc))
        except _failures() as exc:
            detail = f"the CUPS print server did not answer ({exc})"
            return PrinterStatus(self.name, State.MISSING, False, detail=detail)
        try:
            attrs = conn.getPrinterAttributes(name, requested_attributes=PRINTER_ATTRIBUTES)
        except _failures() as exc:
            if not (isinstance(exc, cups.IPPError) and exc.args[0] == cups.IPP_NOT_FOUND):
                detail = f"the CUPS print server did not answer ({_ipp_message(exc)})"
                return PrinterStatus(name, State.MISSING, False, detail=detail)
            try:
                known = ", ".join(sorted(conn.getPrinters())) or "none"
            except _failures():
                known = "unknown"
            detail = f"no printer named {name!r} (printers: {known})"
            return PrinterStatus(name, State.MISSING, False, detail=detail)
        return PrinterStatus(
            name,
            PRINTER_STATES.get(attrs.get("printer-state", 0), State.UNKNOWN),
            bool(attrs.get("printer-is-accepting-jobs", False)),
            _reasons(attrs.get("printer-state-reasons")),
            str(attrs.get("printer-state-message", "")),
        )

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        conn = self.connect()
        printer = self.status(conn)
        if not printer.ready:
            raise PrintError(printer.why_not())
        try:
            data = pdf_bytes(html, paper=self.paper, title=title, footer=footer)
        except RenderError as exc:
            raise PrintError(f"printer {printer.name!r}: {exc}") from None
        jobs: list[int] = []
        try:
            self._submit(conn, printer.name, data, title, jobs)
            del data
            self.follow(conn, printer.name, jobs[0])
        except BaseException as exc:
            # Told to stop (SIGTERM as SystemExit: the patient walked away, staff reset the
            # session, the job took too long): the job must not come out later, for no one.
            if jobs and not isinstance(exc, PrintError):
                self._cancel(conn, jobs[0])
            raise
        return printer.name

    def _submit(self, conn: Any, name: str, data: bytes, title: str, jobs: list[int]) -> None:
        """Stream the PDF to CUPS as one job (Create-Job, Send-Document); its id goes into
        ``jobs`` as soon as CUPS gives it, so a job stopped half-way is cancelled too."""
        try:
            jobs.append(int(conn.createJob(name, title, {})))
            conn.startDocument(name, jobs[0], DOCUMENT_NAME, "application/pdf", 1)
            conn.writeRequestData(data, len(data))
            gate = os.environ.get(GATE_ENV)
            if gate:
                Path(gate).read_bytes()
            conn.finishDocument(name)
        except _failures() as exc:
            if jobs:
                self._cancel(conn, jobs[0])
            raise PrintError(f"printer {name!r} refused the job: {_ipp_message(exc)}") from None

    def follow(self, conn: Any, name: str, job: int) -> None:
        """Wait (up to ``confirm_s``) until CUPS has printed ``job``. Raises PrintError,
        after cancelling the job, when it was held, stopped, cancelled or aborted, when the
        queue stopped, or when it has not completed in time."""
        deadline = self.clock() + self.confirm_s
        wanted = ["job-state", "job-state-reasons", "job-printer-state-message"]
        while True:
            try:
                attrs = conn.getJobAttributes(job, requested_attributes=wanted)
            except _failures() as exc:
                raise PrintError(
                    f"printer {name!r}: job {job} cannot be followed ({_ipp_message(exc)})"
                ) from None
            state = int(attrs.get("job-state", 0))
            if state == JOB_COMPLETED:
                return
            printer = self.status(conn)
            late = self.clock() >= deadline
            if state in JOB_FAILED or printer.state is State.STOPPED or late:
                self._cancel(conn, job)
                why = [", ".join(_reasons(attrs.get("job-state-reasons")))]
                why.append(str(attrs.get("job-printer-state-message", "")))
                if printer.state is State.STOPPED:
                    why.append("the printer is stopped")
                said = "; ".join(w for w in why if w)
                what = JOB_STATES.get(state, f"in state {state}")
                if late and state not in JOB_FAILED:
                    what = f"not printed within {self.confirm_s:g} s (still {what})"
                raise PrintError(
                    f"printer {name!r}: job {job} {what}" + (f": {said}" if said else "")
                )
            self.sleep(self.poll_s)

    @staticmethod
    def _cancel(conn: Any, job: int) -> None:
        """Cancel a job that will not be printed now, and drop its document from the spool:
        it must not come out later, for no one, with a patient's name on it."""
        try:
            conn.cancelJob(job, purge_job=True)
        except _failures() as exc:
            log.warning("could not cancel print job %d: %s", job, exc)


def _ipp_message(exc: BaseException) -> str:
    args = exc.args
    return str(args[1]) if len(args) > 1 and args[1] else str(exc)


#: Where CUPS's server settings are, for ``doctor`` when the server will not tell this user.
CUPSD_CONF = Path("/etc/cups/cupsd.conf")
#: The values of ``PreserveJobFiles`` that keep no document after its job.
KEEPS_NOTHING = frozenset({"no", "off", "false"})


def _server_settings(conn: Any) -> dict[str, str] | None:
    """CUPS's server settings (cupsd.conf's directives), or None when this user may not
    read them: through the server first, then the file itself."""
    try:
        return {str(k): str(v) for k, v in conn.adminGetServerSettings().items()}
    except _failures():
        pass
    try:
        text = CUPSD_CONF.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    settings: dict[str, str] = {}
    depth = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("</"):
            depth -= 1
        elif line.startswith("<"):
            depth += 1
        elif line and not line.startswith("#") and depth == 0:
            key, _, value = line.partition(" ")
            settings[key] = value.strip()
    return settings


def cups_setup_problems(printer: CupsPrinter) -> tuple[list[str], list[str]]:
    """``doctor``: what is right and what needs fixing in the CUPS setup for this queue.

    Each a plain line: the queue exists, is enabled and takes jobs; its error policy is
    ``retry-job`` (one failed job does not stop it for the day); CUPS keeps no copy of a
    job's document once printed (``PreserveJobFiles No``; CUPS's default keeps it a day).
    """
    fine: list[str] = []
    fix: list[str] = []
    try:
        conn = printer.connect()
    except PrintError as exc:
        return fine, [str(exc)]
    status = printer.status(conn)
    name = status.name
    if status.state is State.MISSING:
        fix.append(status.why_not())
    elif not status.ready:
        fix.append(f"{status.why_not()}: sudo cupsenable {name}; sudo cupsaccept {name}")
    else:
        fine.append(f"printer {status.describe()}")
    if status.state is not State.MISSING:
        try:
            policy = conn.getPrinterAttributes(name, requested_attributes=["printer-error-policy"])
        except _failures() as exc:
            policy = {"printer-error-policy": f"unknown ({_ipp_message(exc)})"}
        value = str(policy.get("printer-error-policy", "unknown"))
        if value == "retry-job":
            fine.append(f"printer {name!r}: error policy retry-job")
        else:
            fix.append(
                f"printer {name!r}: error policy is {value}, so one failed job can stop "
                f"printing for the day: sudo lpadmin -p {name} -o printer-error-policy=retry-job"
            )
    settings = _server_settings(conn)
    if settings is None:
        fix.append(
            "cannot read CUPS's server settings to check PreserveJobFiles: run doctor "
            "with sudo, or as a member of the lpadmin group"
        )
    else:
        keep = settings.get("PreserveJobFiles", "")
        if keep.lower() in KEEPS_NOTHING:
            fine.append("CUPS keeps no job files (PreserveJobFiles No)")
        else:
            said = f"PreserveJobFiles {keep}" if keep else "PreserveJobFiles not set: a day"
            fix.append(
                f"CUPS keeps a copy of every printed summary in its spool ({said}): "
                "sudo cupsctl PreserveJobFiles=No (deploy/linux/install.sh does it)"
            )
    return fine, fix


class SystemPrinter:
    """A printer the operating system knows (the Windows spooler); empty name: the system
    default. Through QPrinter: the spooler takes the job as the document is painted."""

    def __init__(self, name: str, paper: str) -> None:
        self.name = name
        self.paper = paper

    def describe(self) -> str:
        return printer_name(self.name)

    def _lookup(self) -> QPrinterInfo:
        QPrinterInfo = QtPrintSupport.QPrinterInfo
        return QPrinterInfo.printerInfo(self.name) if self.name else QPrinterInfo.defaultPrinter()

    def status(self) -> PrinterStatus:
        QPrinter, QPrinterInfo = QtPrintSupport.QPrinter, QtPrintSupport.QPrinterInfo
        info = self._lookup()
        if info.isNull():
            known = ", ".join(QPrinterInfo.availablePrinterNames()) or "none"
            if self.name:
                detail = f"no printer named {self.name!r} (printers: {known})"
            else:
                detail = f"no default printer is set (printers: {known})"
            return PrinterStatus(self.name, State.MISSING, False, detail=detail)
        states = {
            QPrinter.PrinterState.Idle: State.IDLE,
            QPrinter.PrinterState.Active: State.PRINTING,
            QPrinter.PrinterState.Error: State.STOPPED,
        }
        return PrinterStatus(info.printerName(), states.get(info.state(), State.UNKNOWN))

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        QPrinter = QtPrintSupport.QPrinter
        printer_status = self.status()
        if not printer_status.ready:
            raise PrintError(printer_status.why_not())
        printer = QPrinter(self._lookup(), QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        printer.setCreator("botox-kiosk")
        try:
            paint(printer, html, paper=self.paper, footer=footer, title=title)
        except RenderError as exc:
            raise PrintError(f"printer {printer_status.name!r}: {exc}") from None
        if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            raise PrintError(f"printer {printer_status.name!r} rejected the job")
        return printer_status.name


class PdfFolder:
    """Each print becomes a PDF in a folder (the demo clinic, and kiosks without a printer).

    A print is a patient's summary, so the folder is private (0700, tightened if it was
    not) and each PDF is 0600 and deleted after an hour (``files.DEMO_PRINTS``): every
    print first clears the old ones, and the kiosk sweeps the folder at start and while it
    runs. ``clock`` (wall time, seconds) is for tests.
    """

    def __init__(self, folder: Path, paper: str, *, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.paper = paper
        self._clock = clock

    def describe(self) -> str:
        return f"PDF files in {self.folder}"

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        try:
            files.private_dir(self.folder)
        except OSError as exc:
            raise PrintError(f"cannot create {self.folder}: {exc.strerror or exc}") from None
        now = self._clock()
        files.DEMO_PRINTS.expire(self.folder, now=now)
        # No time in the name: it reaches the log (the job's answer), which times its
        # lines to the minute only (docs/files-at-rest.md).
        out = self.folder / f"summary-{uuid.uuid4().hex}.pdf"
        try:
            write_pdf(html, out, paper=self.paper, title=title, footer=footer, mode=0o600)
        except RenderError as exc:
            raise PrintError(str(exc)) from None
        return str(out)


def make_target(output_dir: Path | None, printer: str, paper: str) -> PrintTarget:
    if output_dir is not None:
        return PdfFolder(output_dir, paper)
    if sys.platform == "win32":
        return SystemPrinter(printer, paper)
    return CupsPrinter(printer, paper)


def printer_status(target: PrintTarget) -> PrinterStatus:
    """The printer's state as the print system reports it; a PDF folder has none to tell."""
    if isinstance(target, CupsPrinter | SystemPrinter):
        return target.status()
    return PrinterStatus(target.describe(), State.UNKNOWN)
