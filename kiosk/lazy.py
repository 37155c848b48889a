"""The deliberately deferred imports, all in one place, for start-up time.

Everywhere else in ``kiosk`` a module imports what it needs at its top. The modules named
below are the exceptions: the kiosk's first screen does not need them (the budget is the
first paint, DESIGN.md), or a command without a window must not load Qt for them. Each name
here stands for its module and imports it on the first use of one of its attributes::

    from kiosk.lazy import printing  # nothing is imported yet
    printing.make_target(...)  # now it is, once

mypy reads the real modules (the ``TYPE_CHECKING`` branch below). Only the application
level (``kiosk.cli``, ``kiosk.app``, ``kiosk.runtime``) takes modules from here: the core
imports nothing above itself (it defers its own two, jinja2 in ``kiosk.core.summary`` and
platformdirs in ``kiosk.core.config``), and the window makes its later screens, the
keyboard and the idle guard on first use itself.

What each costs on top of what the start screen loads anyway (``python -X importtime``, this
machine, medians): mail 140 ms, the staff panel 60 ms, printing 30 ms, logging.handlers 24 ms,
counters 15 ms, platformdirs 11 ms, email.utils 10 ms, summary 10 ms, socket 8 ms, json 2 ms.
Add a module here only with a measurement; ``tests/test_architecture.py`` keeps imports out
of function bodies in the modules that use this one.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import getpass as getpass
    import html as html
    import json as json
    import logging.handlers as logging_handlers
    import socket as socket
    from email import message as email_message
    from email import utils as email_utils

    import platformdirs as platformdirs
    from PySide6 import QtCore as QtCore
    from PySide6 import QtGui as QtGui
    from PySide6 import QtWidgets as QtWidgets

    from kiosk import runtime as runtime
    from kiosk.core import checks as checks
    from kiosk.core import counters as counters
    from kiosk.core import staff as staff_pin
    from kiosk.core import summary as summary
    from kiosk.services import emailing as emailing
    from kiosk.services import fonts as fonts
    from kiosk.services import jobs as jobs
    from kiosk.services import mail as mail
    from kiosk.services import outbox as outbox
    from kiosk.services import pdf as pdf
    from kiosk.services import printing as printing
    from kiosk.ui import staff as staff
    from kiosk.ui import window as window


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


#: Every deferred module: the name it has here -> its import path.
DEFERRED: dict[str, str] = {
    # Qt. The kiosk loads it to paint; check-config, outbox, set-staff-pin and
    # send-test-email never do, and kiosk.app must import without it (a headless proof).
    "QtCore": "PySide6.QtCore",
    "QtGui": "PySide6.QtGui",
    "QtWidgets": "PySide6.QtWidgets",
    "window": "kiosk.ui.window",  # the window and its start screen: Qt widgets
    "runtime": "kiosk.runtime",  # the kiosk process's life (the lock, signals, the log): Qt
    # After the kiosk's first paint, or on first use.
    "staff": "kiosk.ui.staff",  # the staff corner, PIN pad and panel
    "fonts": "kiosk.services.fonts",  # the shipped fonts
    "jobs": "kiosk.services.jobs",  # child processes: print, email, the staff checks
    "counters": "kiosk.core.counters",  # the anonymous counters
    "summary": "kiosk.core.summary",  # the summary, at its screen (jinja2 at first render)
    "logging_handlers": "logging.handlers",  # the log file
    "socket": "socket",  # the signal wake-up
    "platformdirs": "platformdirs",  # the log folder
    # The outside world: only the commands and the child jobs.
    "printing": "kiosk.services.printing",  # QtPrintSupport
    "pdf": "kiosk.services.pdf",  # QtPrintSupport
    "emailing": "kiosk.services.emailing",
    "mail": "kiosk.services.mail",  # email_validator, icalendar, smtplib, ssl
    "outbox": "kiosk.services.outbox",  # sqlite3, cryptography
    "checks": "kiosk.core.checks",  # check-config's rules (readability, sign-off)
    "staff_pin": "kiosk.core.staff",  # hashing a PIN (set-staff-pin, check-config)
    "json": "json",  # answers JSON (render-summary, the jobs)
    "html": "html",  # the test page (print-test)
    "getpass": "getpass",  # set-staff-pin
    "email_message": "email.message",  # send-test-email
    "email_utils": "email.utils",  # send-test-email
}

__all__ = [  # the names above (a test checks it), for mypy and ruff
    "DEFERRED",
    "Deferred",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "checks",
    "counters",
    "email_message",
    "email_utils",
    "emailing",
    "fonts",
    "getpass",
    "html",
    "jobs",
    "json",
    "logging_handlers",
    "mail",
    "outbox",
    "pdf",
    "platformdirs",
    "printing",
    "runtime",
    "socket",
    "staff",
    "staff_pin",
    "summary",
    "window",
]

if not TYPE_CHECKING:
    globals().update({name: Deferred(path) for name, path in DEFERRED.items()})
