"""The summary email as bytes: the same summary as on paper, made into a MIME message.

Pure Python (the standard library's ``email``), no I/O: the PDF is made by a function the
caller passes in (Qt lays it out, in ``kiosk.services.pdf``), and sending is
``kiosk.services.mail``'s job.
"""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage
from typing import Protocol

from kiosk.core.addresses import ascii_address
from kiosk.core.config import Config
from kiosk.core.content import ContentPack, without_isolates
from kiosk.core.ics import plan_ics
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context
from kiosk.core.timeline import Plan

# SMTP framing (CRLF line ends, 78-column folding); non-ASCII headers become RFC 2047
# encoded words, so the message is plain 7-bit and any server accepts it.
POLICY = email.policy.SMTP
#: The attachments' file names stay ASCII in every language, on purpose: an RFC 2231
#: encoded name is shown garbled or dropped by some mail programs and phones, and a name
#: is not read by the patient the way the subject and the text are (those are translated).
PDF_NAME = "summary.pdf"
ICS_NAME = "follow-up.ics"


class MakePdf(Protocol):
    """Lays summary HTML out as PDF bytes (``kiosk.services.pdf.pdf_bytes``)."""

    def __call__(self, html: str, *, paper: str, title: str, footer: str) -> bytes: ...


def sender_domain(config: Config) -> str:
    """The domain of the clinic's sender address: for Message-IDs and calendar UIDs."""
    return config.email.sender.rpartition("@")[2] or "localhost"


def compose(
    session: Session,
    pack: ContentPack,
    config: Config,
    renderer: SummaryRenderer,
    *,
    pdf: MakePdf,
) -> bytes:
    """The whole email (HTML and text, the summary PDF, and an .ics of the follow-up dates
    when the summary has any) as bytes. The .ics is made from the summary's own plan, so it
    holds the same dates as the summary and the aftercare screen."""
    include = config.email.include_screening
    context = build_context(session, pack, config, include_screening=include)
    paper = "A4" if config.print.paper == "receipt80" else config.print.paper
    attachment = pdf(
        renderer.html(context), paper=paper, title=context["title"], footer=context["footer"]
    )
    # the message itself: the same summary, without the picture and the lines for notes
    context = build_context(session, pack, config, include_screening=include, email=True)
    plan: Plan = context["plan"]
    ics = plan_ics(
        plan,
        clinic_name=config.clinic.name,
        clinic_phone=config.clinic.phone,
        uid_domain=sender_domain(config),
        description=without_isolates(pack.t("email.ics_description")),
        language=pack.language,
    )
    message = build_message(
        sender=config.email.sender,
        reply_to=config.email.reply_to or None,
        to=session.email,
        subject=without_isolates(pack.t("email.subject")),
        html=renderer.html(context),
        text=renderer.text(context),
        pdf=attachment,
        pdf_name=PDF_NAME,
        ics=ics,
        domain=sender_domain(config),
        language=pack.language,
    )
    return message.as_bytes()


def build_message(
    *,
    sender: str,
    reply_to: str | None,
    to: str,
    subject: str,
    html: str,
    text: str,
    pdf: bytes,
    pdf_name: str,
    ics: bytes | None,
    ics_name: str = ICS_NAME,
    domain: str,
    language: str = "",
) -> EmailMessage:
    """The summary email: text and HTML alternatives, the PDF and (when there are dates to
    remember, ``ics`` not None) the calendar file attached.

    Bodies are UTF-8 in quoted-printable and attachments base64, so the bytes are 7-bit
    clean and survive any relay. Line breaks in the subject become spaces (no header
    injection). ``language`` (the pack's code) becomes Content-Language: a mail program
    may offer to translate, and screen readers pick their voice. Raises ValueError for an
    unusable recipient (the message does not quote it).
    """
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = ascii_address(to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = " ".join(subject.split())  # no CR/LF: no header injection
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)

    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    if ics is not None:
        msg.add_attachment(
            ics,
            maintype="text",
            subtype="calendar",
            filename=ics_name,
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    if language:  # last: making the parts moves Content-* headers into the first part
        msg["Content-Language"] = language
    return msg
