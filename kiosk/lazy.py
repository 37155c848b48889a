"""The deliberately deferred imports, all named in one place, for start-up time.

Everywhere in ``kiosk`` a module imports what it needs at its top, except the modules in
``DEFERRED`` below: the kiosk's first screen does not need them (the budget is the first
paint, DESIGN.md), or a command without a window must not load Qt for them. A module that
defers one says so at its top, the way SPEC 1 (``lazy_loader.load``) does::

    if TYPE_CHECKING:
        from kiosk.services import printing
    else:
        printing = lazy.load("kiosk.services.printing")

    printing.make_target(...)  # imported here, on first use, once

mypy and import-linter read the ``TYPE_CHECKING`` import, so the layering contracts still
see every edge; this module imports nothing, so any layer may use it, the core included.
``tests/test_architecture.py`` keeps imports out of every function body in ``kiosk/`` (but
``kiosk.resources``'s probe for the installed resources package) and checks that each
``lazy.load`` names a module listed here.

What each costs on top of what the start screen loads anyway (``python -X importtime``, this
machine, medians; the mail figure is from before the mail module was split): mail 140 ms,
the staff panel 60 ms, printing 30 ms, the keyboard and the tap filter about 30 ms each,
logging.handlers 24 ms, the idle guard 20 ms, the PIN hashing (argon2) 20 ms, email.utils 10 ms,
summary 10 ms, socket 8 ms, platformdirs 8 ms, html 2 ms. Add a module here only with a
measurement; drop one the start screen loads anyway.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

#: Every module deferred on purpose -> why it waits.
DEFERRED: dict[str, str] = {
    # Qt. The kiosk loads it to paint; check-config, outbox, set-staff-pin and
    # send-test-email never do, and kiosk.app imports without it (a headless proof).
    "PySide6.QtCore": "Qt",
    "PySide6.QtGui": "Qt",
    "PySide6.QtWidgets": "Qt",
    "kiosk.ui.window": "the window and its start screen: Qt widgets",
    "kiosk.runtime": "the kiosk process's life (the lock, signals, the log): Qt",
    # After the kiosk's first paint, or on first use.
    "kiosk.ui.staff": "the staff corner, PIN pad and panel: after the first paint",
    "kiosk.ui.taps": "the tap filter: after the first paint (30 ms)",
    "kiosk.ui.access": "the accessibility settings: when a patient opens them",
    "kiosk.ui.idle": "the idle guard: when the first patient starts (20 ms)",
    "kiosk.ui.keyboard": "the on-screen keyboard: on first use (30 ms)",
    "kiosk.ui.widgets": "the widget kit of the later screens, not the start screen's (2 ms)",
    "kiosk.ui.progress": "the header's named steps: when a patient starts (3 ms)",
    "kiosk.ui.pictures": "the pages' pictures (QtSvg): after the first paint",
    "kiosk.ui.attract_art": "the start screen's pictures, QtSvg: after the first paint (40 ms)",
    "kiosk.services.fonts": "the shipped fonts: after the first paint",
    "kiosk.services.counters_store": "the anonymous counters' file: after the first paint",
    "kiosk.services.jobs": "child processes (print, email, staff checks): after the first paint",
    "kiosk.ui.reader": "read aloud: when the patient turns it on",
    "kiosk.services.speech": "the speech child, speech-test: when read aloud is turned on",
    "PySide6.QtTextToSpeech": "the engine: in the speech child and speech-test only (QtMultimedia)",
    "kiosk.core.summary": "the summary, at its screen",
    "jinja2": "the summary's templates: at the first render (100 ms, DESIGN.md)",
    "email_validator": "the address check: as the summary screen is built (30 ms)",
    "platformdirs": "the log folder, after the first paint; the data folder off Linux (8 ms)",
    "logging.handlers": "the log file: after the first paint",
    "socket": "the signal wake-up, systemd's notifications: after the first paint",
    "kiosk.services.ops": "systemd's watchdog and the metrics file: after the first paint",
    "kiosk.services.notify": "systemd's notifications: after the first paint",
    "kiosk.services.metrics": "the metrics' counts: after the first paint",
    "prometheus_client": "the metrics file's text format: on the metrics worker (65 ms)",
    "prometheus_client.core": "the metrics file's text format: on the metrics worker",
    # The outside world: only the commands and the child jobs.
    "kiosk.services.printing": "QtPrintSupport",
    "kiosk.services.printer_check": "the printer's state, asked when a session starts (1 ms)",
    "PySide6.QtPrintSupport": "the Windows spooler (Linux prints through CUPS, without it)",
    "cups": "pycups, CUPS over IPP: in the print job, printer-status and doctor (5 ms)",
    "kiosk.services.pdf": "QtPrintSupport",
    "kiosk.services.emailing": "the email message and its PDF (QtPrintSupport, icalendar)",
    "kiosk.services.mail": "delivery: smtplib, ssl",
    "kiosk.services.outbox": "sqlite3, cryptography",
    "kiosk.core.signing": "signed content (cryptography, 18 ms): only with content.public_key",
    "kiosk.services.outbox_counts": "sqlite3: the metrics' outbox counts, on their worker",
    "kiosk.core.checks": "check-config's rules (readability, sign-off, templates)",
    "kiosk.services.files": "the atomic write of set-staff-pin and render-summary (3 ms)",
    "kiosk.core.staff": "hashing a staff PIN (argon2-cffi: 20 ms)",
    "kiosk.services.staff_pin": "the staff PIN's files and lockout: after the first paint",
    "html": "print-test's page",
    "getpass": "set-staff-pin",
    "email.message": "send-test-email",
    "email.utils": "send-test-email",
}


class Deferred:
    """A module, imported on the first use of one of its attributes."""

    __slots__ = ("_module", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self.name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<deferred module {self.name!r}, {state}>"


def load(name: str) -> Any:
    """The module ``name``, imported on the first use of one of its attributes. Typed
    ``Any``: the caller's ``TYPE_CHECKING`` import gives mypy the module itself."""
    if name not in DEFERRED:
        raise ValueError(
            f"{name} is not in kiosk.lazy.DEFERRED: import it at the top of the module, "
            "or add it there with what it costs"
        )
    return Deferred(name)
