"""Emailing a patient's summary: compose the message, queue it, try to deliver it.

Runs in the ``email-job`` child process (the UI thread only starts it), and for the
``outbox`` and ``send-test-email`` commands. The message is queued in the encrypted outbox
*before* the first delivery attempt, so a crash, a dead server or kill -9 loses nothing.
"""

from __future__ import annotations

from kiosk.core.config import Config
from kiosk.core.content import ContentPack
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context
from kiosk.services.mail import build_message, make_ics
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


MAX_AGE_S_PER_DAY = 86_400.0


def max_age_s(config: Config) -> float:
    return config.outbox.max_age_days * MAX_AGE_S_PER_DAY
