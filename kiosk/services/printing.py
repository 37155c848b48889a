"""Printing the summary: silently, to the configured printer, off the UI thread.

Two targets share one small interface: ``SystemPrinter`` (CUPS on Linux, the spooler on
Windows, through QPrinter; no dialog ever) and ``PdfFolder`` (the demo clinic: each print
is a PDF file in a folder). ``PrintJobs`` runs each job in a child process (the
``print-job`` command) and reports back through a Qt signal, so the screen never waits on
a printer.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections import deque
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from kiosk.services.pdf import RenderError, paint, write_pdf

log = logging.getLogger("kiosk.print")


class PrintError(Exception):
    """Printing failed; the message is for staff and the log (never patient data)."""


class PrintTarget(Protocol):
    def describe(self) -> str: ...

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        """Print it; return where it went. Raises PrintError."""
        ...


class SystemPrinter:
    """A printer the operating system knows; empty name: the system default."""

    def __init__(self, name: str, paper: str) -> None:
        self.name = name
        self.paper = paper

    def describe(self) -> str:
        return self.name or "the system default printer"

    def _info(self) -> QPrinterInfo:
        info = QPrinterInfo.printerInfo(self.name) if self.name else QPrinterInfo.defaultPrinter()
        if info.isNull():
            known = ", ".join(QPrinterInfo.availablePrinterNames()) or "none"
            if self.name:
                raise PrintError(f"no printer named {self.name!r} (printers: {known})")
            raise PrintError(f"no default printer is set (printers: {known})")
        if info.state() == QPrinter.PrinterState.Error:
            raise PrintError(
                f"printer {info.printerName()!r} reports an error (stopped or offline?)"
            )
        return info

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        info = self._info()
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        printer.setCreator("botox-kiosk")
        try:
            paint(printer, html, paper=self.paper, footer=footer, title=title)
        except RenderError as exc:
            raise PrintError(f"printer {info.printerName()!r}: {exc}") from None
        if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            raise PrintError(f"printer {info.printerName()!r} rejected the job")
        return info.printerName()


class PdfFolder:
    """Each print becomes a PDF in a folder (the demo clinic, and kiosks without a printer)."""

    def __init__(self, folder: Path, paper: str) -> None:
        self.folder = folder
        self.paper = paper

    def describe(self) -> str:
        return f"PDF files in {self.folder}"

    def print_html(self, html: str, *, title: str, footer: str) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrintError(f"cannot create {self.folder}: {exc.strerror}") from None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        out = self.folder / f"summary-{stamp}.pdf"
        try:
            write_pdf(html, out, paper=self.paper, title=title, footer=footer)
        except RenderError as exc:
            raise PrintError(str(exc)) from None
        return str(out)


class PrintJobs(QObject):
    """Runs each print job in a child process, one at a time, and reports back by signal.

    A child process, not a thread: laying out and painting a summary holds Python's GIL
    for tens of milliseconds at a time, which would freeze the screen, and a printer driver
    that hangs or crashes takes only the child with it. The HTML goes to the child on its
    standard input, never to disk. ``finished(job, ok, detail)``: ``detail`` is where the
    job went or what went wrong (for the log and staff; never patient data).
    """

    finished = Signal(int, bool, str)

    def __init__(
        self, command: list[str], *, timeout_ms: int = 120_000, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.command = command
        self.timeout_ms = timeout_ms
        self._queue: deque[tuple[int, bytes, list[str]]] = deque()
        self._current: tuple[int, QProcess, QTimer] | None = None
        self._next = 0

    def submit(self, html: str, *, title: str, footer: str) -> int:
        self._next += 1
        self._queue.append(
            (self._next, html.encode("utf-8"), ["--title", title, "--footer", footer])
        )
        if self._current is None:
            self._start_next()
        return self._next

    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    def _start_next(self) -> None:
        if not self._queue:
            return
        job, data, args = self._queue.popleft()
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")  # the child draws no window
        proc.setProcessEnvironment(env)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._on_timeout(job))
        self._current = (job, proc, timer)
        proc.finished.connect(lambda code, status: self._on_finished(job, code, status))
        proc.errorOccurred.connect(lambda error: self._on_error(job, error))
        proc.start(self.command[0], [*self.command[1:], *args])
        proc.write(data)
        proc.closeWriteChannel()
        timer.start(self.timeout_ms)

    def _end(self, job: int, ok: bool, detail: str) -> None:
        if self._current is None or self._current[0] != job:
            return
        _, proc, timer = self._current
        self._current = None
        timer.stop()
        timer.timeout.disconnect()
        timer.deleteLater()
        # No more calls back from this process, whatever it does while it is deleted.
        proc.finished.disconnect()
        proc.errorOccurred.disconnect()
        proc.deleteLater()
        if ok:
            log.info("print job %d sent to %s", job, detail)
        else:
            log.warning("print job %d failed: %s", job, detail)
        self.finished.emit(job, ok, detail)
        self._start_next()

    def _on_finished(self, job: int, code: int, status: QProcess.ExitStatus) -> None:
        if self._current is None or self._current[0] != job:
            return
        proc = self._current[1]
        out = bytes(proc.readAllStandardOutput().data()).decode("utf-8", "replace").strip()
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            self._end(job, True, out.splitlines()[-1] if out else "the printer")
        else:
            last = err.splitlines()[-1] if err else f"exit code {code}"
            self._end(job, False, last.removeprefix("print-job: "))

    def _on_error(self, job: int, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end(job, False, f"could not start the print job ({self.command[0]})")

    def _on_timeout(self, job: int) -> None:
        if self._current is not None and self._current[0] == job:
            proc = self._current[1]
            self._end(job, False, f"the printer did not answer in {self.timeout_ms / 1000:g} s")
            proc.kill()  # SIGKILL: the process is gone at once, the wait below is short
            proc.waitForFinished(1000)

    def shutdown(self, wait_ms: int = 30_000) -> None:
        """Let the job in hand finish (up to ``wait_ms``); drop the ones not started."""
        self._queue.clear()
        if self._current is not None:
            job, proc, _ = self._current
            if not proc.waitForFinished(wait_ms):
                self._end(job, False, "stopped: the kiosk is closing")
                proc.kill()
                proc.waitForFinished(1000)


def job_command(config: Path | None) -> list[str]:
    """How to start this program's ``print-job`` command (source, wheel or frozen bundle)."""
    frozen = getattr(sys, "frozen", False)
    base = [sys.executable] if frozen else [sys.executable, "-m", "kiosk"]
    return [*base, "print-job", *(["--config", str(config)] if config is not None else [])]


def make_target(output_dir: Path | None, printer: str, paper: str) -> PrintTarget:
    if output_dir is not None:
        return PdfFolder(output_dir, paper)
    return SystemPrinter(printer, paper)
