"""Printing the summary: silently, to the configured printer, off the UI thread.

Two targets share one small interface: ``SystemPrinter`` (CUPS on Linux, the spooler on
Windows, through QPrinter; no dialog ever) and ``PdfFolder`` (the demo clinic: each print
is a PDF file in a folder). The kiosk runs each print in a child process (``print-job``,
through kiosk.services.jobs), so the screen never waits on a printer.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from kiosk.services import files
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
        stamp = dt.datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S-%f")
        out = self.folder / f"summary-{stamp}.pdf"
        try:
            write_pdf(html, out, paper=self.paper, title=title, footer=footer, mode=0o600)
        except RenderError as exc:
            raise PrintError(str(exc)) from None
        return str(out)


def make_target(output_dir: Path | None, printer: str, paper: str) -> PrintTarget:
    if output_dir is not None:
        return PdfFolder(output_dir, paper)
    return SystemPrinter(printer, paper)
