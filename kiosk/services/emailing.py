"""Emailing a patient's summary: the message is composed, queued, then delivered.

Runs in the ``email-job`` child process (the UI thread only starts it), and for the
``outbox`` and ``send-test-email`` commands. The message is queued in the encrypted outbox
*before* the first delivery attempt, so a crash, a dead server or kill -9 loses nothing.
Composing the message is ``kiosk.core.message.compose``; this module gives it Qt's PDF.
"""

from __future__ import annotations

from kiosk.core import message
from kiosk.core.config import DAY_S, Config
from kiosk.core.content import ContentPack
from kiosk.core.message import sender_domain
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer
from kiosk.services.pdf import pdf_bytes

__all__ = ["compose", "max_age_s", "sender_domain"]


def compose(
    session: Session, pack: ContentPack, config: Config, renderer: SummaryRenderer
) -> bytes:
    """``kiosk.core.message.compose`` with the summary PDF laid out by Qt (``pdf_bytes``)."""
    return message.compose(session, pack, config, renderer, pdf=pdf_bytes)


def max_age_s(config: Config) -> float:
    return float(config.outbox.max_age_days * DAY_S)
