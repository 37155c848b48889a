"""Emailing a patient's summary: compose the message, queue it, try to deliver it.

Runs in the ``email-job`` child process (the UI thread only starts it), and for the
``outbox`` and ``send-test-email`` commands. The message is queued in the encrypted outbox
*before* the first delivery attempt, so a crash, a dead server or kill -9 loses nothing.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.core.config import Config, data_dir
from kiosk.core.content import ContentPack
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context
from kiosk.services.mail import (
    EmlFolder,
    MailTransport,
    SmtpSender,
    build_message,
    make_ics,
    password_from,
)
from kiosk.services.outbox import Outbox
from kiosk.services.pdf import pdf_bytes


def sender_domain(config: Config) -> str:
    return config.email.sender.rpartition("@")[2] or "localhost"


def compose(
    session: Session, pack: ContentPack, config: Config, renderer: SummaryRenderer
) -> bytes:
    """The whole email (HTML and text, the summary PDF, and an .ics of the follow-up dates
    when the summary has any) as bytes. The .ics holds the same dates as the summary."""
    include = config.email.include_screening
    context = build_context(session, pack, config, include_screening=include)
    footer = pack.t("summary.footer")
    paper = "A4" if config.print.paper == "receipt80" else config.print.paper
    pdf = pdf_bytes(renderer.html(context), paper=paper, title=context["title"], footer=footer)
    # the message itself: the same summary, without the picture and the lines for notes
    context = build_context(session, pack, config, include_screening=include, email=True)
    html = renderer.html(context)
    events = [(e.day, e.summary) for e in context["plan"].events]
    ics = (
        make_ics(
            clinic_name=config.clinic.name,
            clinic_phone=config.clinic.phone,
            events=events,
            uid_domain=sender_domain(config),
            description=pack.t("email.ics_description"),
        )
        if events
        else None
    )
    message = build_message(
        sender=config.email.sender,
        reply_to=config.email.reply_to or None,
        to=session.email,
        subject=pack.t("email.subject"),
        html=html,
        text=renderer.text(context),
        pdf=pdf,
        pdf_name="summary.pdf",
        ics=ics,
        domain=sender_domain(config),
    )
    return message.as_bytes()


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
