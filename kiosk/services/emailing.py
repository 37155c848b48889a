"""Emailing a patient's summary: the message is composed, queued, then delivered.

Runs in the ``email-job`` child process (the UI thread only starts it), and for the
``outbox`` and ``send-test-email`` commands. The message is queued in the encrypted outbox
*before* the first delivery attempt, so a crash, a dead server or kill -9 loses nothing.
Composing the message is ``kiosk.core.message.compose``; this module gives it Qt's PDF.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.core import message
from kiosk.core.config import Config, data_dir
from kiosk.core.content import ContentPack
from kiosk.core.message import sender_domain
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer
from kiosk.services.mail import EmlFolder, MailTransport, SmtpSender, password_from
from kiosk.services.outbox import Outbox
from kiosk.services.pdf import pdf_bytes

__all__ = ["compose", "max_age_s", "outbox", "sender_domain", "transport"]


def compose(
    session: Session, pack: ContentPack, config: Config, renderer: SummaryRenderer
) -> bytes:
    """``kiosk.core.message.compose`` with the summary PDF laid out by Qt (``pdf_bytes``)."""
    return message.compose(session, pack, config, renderer, pdf=pdf_bytes)


def transport(config: Config) -> MailTransport:
    """The clinic's mail server, or the demo's folder of .eml files."""
    eml_dir = config.email.eml_dir
    if eml_dir is not None:
        return EmlFolder(eml_dir)
    ca_file = config.email.ca_file
    return SmtpSender(
        host=config.email.host,
        port=config.email.port,
        security=config.email.security,
        username=config.email.username,
        password=password_from(config.email.password, config.email.password_env),
        timeout_s=config.email.timeout_s,
        ca_file=str(ca_file) if ca_file is not None else None,
    )


#: Transient failures are retried (with a back-off capped at an hour) until the message is
#: older than [outbox] max_age_days and purged, not given up after a few tries: a mail server
#: down for a weekend must not lose Friday's emails.
UNTIL_PURGED = 1_000_000


def outbox(config: Config) -> Outbox:
    folder = config.outbox.path or data_dir() / "outbox"
    return Outbox(Path(folder), max_attempts=UNTIL_PURGED)


MAX_AGE_S_PER_DAY = 86_400.0


def max_age_s(config: Config) -> float:
    return config.outbox.max_age_days * MAX_AGE_S_PER_DAY
