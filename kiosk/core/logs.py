"""How the kiosk's log lines look, in its log file and on its standard error alike.

A session leaves lines in the log (the screens it showed, its wake, its idle timeout, its
print and email jobs): never what the patient typed, but their times, set against the
clinic's appointment book, could say who was at the kiosk and what they looked at. So:

- every line is timed to the minute, never the second or the millisecond: a line can be
  placed in an appointment slot (slots are 10 to 30 minutes, and waiting patients overlap),
  not matched to one patient's arrival; the order of the lines still tells a fault's story;
- when standard error is the systemd journal, which stamps each line itself to the
  microsecond, the session's own lines (INFO and below from ``SESSION_LOGGERS``) stay out
  of it: they are in the kiosk's log file, to the minute. Warnings and errors, and the
  kiosk's start and stop, still reach the journal.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: To the minute: no seconds, no milliseconds (``%(asctime)s`` adds ",123" only without one).
DATEFMT = "%Y-%m-%d %H:%M"

#: The loggers whose INFO lines follow one patient's session: its screens (``kiosk.ui``),
#: its taps and wake (``kiosk.taps``), its idle warning and timeout (``kiosk.idle``), its
#: print and email jobs (``kiosk.jobs``, ``kiosk.print``, ``kiosk.mail``).
SESSION_LOGGERS = (
    "kiosk.ui",
    "kiosk.taps",
    "kiosk.idle",
    "kiosk.jobs",
    "kiosk.print",
    "kiosk.mail",
)


def formatter() -> logging.Formatter:
    """The one format of every log line (file and standard error)."""
    return logging.Formatter(FORMAT, DATEFMT)


class NoSessionLines(logging.Filter):
    """Lets through everything but a session's own INFO and DEBUG lines (``SESSION_LOGGERS``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in SESSION_LOGGERS
        )


def is_journal(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``stream`` is the systemd journal: systemd names the journal's stream in
    ``JOURNAL_STREAM`` as ``DEVICE:INODE`` (a child that inherited the variable but writes
    to a pipe is not the journal)."""
    device, _, inode = environ.get("JOURNAL_STREAM", "").partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


def stderr_handler(
    stream: TextIO | None = None, environ: Mapping[str, str] = os.environ
) -> logging.Handler:
    """The handler of standard error (``stream`` for tests): the kiosk's format, and no
    session lines when it is the journal."""
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter())
    if is_journal(stream, environ):
        handler.addFilter(NoSessionLines())
    return handler
