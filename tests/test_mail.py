"""Email: message building, the calendar file, and delivery to a REAL SMTP server on loopback.

aiosmtpd serves STARTTLS + AUTH, implicit TLS and plain SMTP with a trustme certificate;
its faults (bad login, 4xx, 5xx, refused, hung, untrusted certificate, no STARTTLS) are
real server behaviour, not mocks of smtplib.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dns.resolver
import icalendar
import pytest
import trustme

from kiosk.core.addresses import check_address
from kiosk.core.ics import make_ics, plan_ics
from kiosk.core.message import build_message
from kiosk.core.timeline import CalendarEvent, Plan
from kiosk.services.mail import EmlFolder, SendError, SmtpSender, password_from

from .smtp_fixtures import (
    GOOD_PASSWORD,
    HOST,
    USER,
    HungServer,
    Recorder,
    free_port,
    server_context,
    smtp_server,
)

PATIENT = "Ødegård 李雷"
RECIPIENT = "ana.odegard@example.com"
SENDER = "kiosk@clinic.example"
# Binary on purpose: NUL, high bytes, CR/LF and a line starting with "." (SMTP dot-stuffing).
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\xff\r\n.\r\n..x\n" + bytes(range(256)) + b"\n%%EOF\n"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def handler() -> Recorder:
    return Recorder()


@pytest.fixture
def starttls_port(ca: trustme.CA, handler: Recorder) -> Iterator[int]:
    """The clinic's usual server: STARTTLS required, AUTH required, AUTH only after TLS."""
    with smtp_server(
        handler,
        tls_context=server_context(ca),
        require_starttls=True,
        authenticator=handler.authenticator,
        auth_required=True,
        auth_require_tls=True,
    ) as port:
        yield port


@pytest.fixture
def plain_port(handler: Recorder) -> Iterator[int]:
    """A plain relay: no TLS, no AUTH (a clinic-internal server)."""
    with smtp_server(handler) as port:
        yield port


@pytest.fixture
def ics() -> bytes:
    return make_ics(
        clinic_name="Klinikk Ås",
        clinic_phone="+47 555 01 99",
        events=[
            (dt.date(2026, 12, 15), "Kontroll – ring klinikken"),
            (dt.date(2027, 3, 1), "Oppfriskning?"),
        ],
        uid_domain="clinic.example",
        description="Ring oss gjerne.",
    )


def small_message(**changes: Any) -> EmailMessage:
    """A minimal message to one recipient, no calendar; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "sender": SENDER,
        "reply_to": None,
        "to": RECIPIENT,
        "subject": "s",
        "html": "<p>h</p>",
        "text": "t",
        "pdf": PDF,
        "pdf_name": "s.pdf",
        "ics": None,
        "domain": "clinic.example",
    }
    return build_message(**{**fields, **changes})


@pytest.fixture
def message(ics: bytes) -> EmailMessage:
    return build_message(
        sender=f"Klinikk Ås <{SENDER}>",
        reply_to="desk@clinic.example",
        to=RECIPIENT,
        subject=f"Your summary, {PATIENT}",
        html=f"<p>Hello {PATIENT}, here is your summary.</p>",
        text=f"Hello {PATIENT}, here is your summary.\n",
        pdf=PDF,
        pdf_name="summary.pdf",
        ics=ics,
        domain="clinic.example",
    )


def sender_for(port: int, ca_file: str | None, **kwargs: Any) -> SmtpSender:
    values: dict[str, Any] = {
        "host": HOST,
        "port": port,
        "security": "starttls",
        "username": USER,
        "password": GOOD_PASSWORD,
        "timeout_s": 5.0,
        "ca_file": ca_file,
    }
    values.update(kwargs)
    return SmtpSender(**values)


def send_failure(sender: SmtpSender, message: EmailMessage) -> SendError:
    with pytest.raises(SendError) as info:
        sender.send(message.as_bytes(), SENDER, [RECIPIENT])
    err = info.value
    assert RECIPIENT not in str(err) and SENDER not in str(err), "addresses leaked"
    assert GOOD_PASSWORD not in str(err)
    assert err.__cause__ is None and err.__context__ is None, "smtplib text may hold addresses"
    return err


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def received(handler: Recorder, index: int = 0) -> EmailMessage:
    content = handler.messages[index].content
    assert isinstance(content, bytes)
    return parse(content)


def attachment(msg: EmailMessage, content_type: str) -> EmailMessage:
    (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == content_type]
    assert isinstance(part, EmailMessage)
    return part


# --------------------------------------------------------------------------- delivery


def test_starttls_auth_delivers_every_part_intact(
    starttls_port: int, ca_file: str, handler: Recorder, message: EmailMessage, ics: bytes
) -> None:
    sender_for(starttls_port, ca_file).send(message.as_bytes(), SENDER, [RECIPIENT])

    (envelope,) = handler.messages
    assert handler.over_tls == [True]
    assert handler.logins == [(USER.encode(), GOOD_PASSWORD.encode())]
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [RECIPIENT]
    assert isinstance(envelope.content, bytes)
    got = parse(envelope.content)
    assert got["Subject"] == f"Your summary, {PATIENT}"
    assert got["To"] == RECIPIENT
    assert got["Reply-To"] == "desk@clinic.example"
    assert got["From"].addresses[0].display_name == "Klinikk Ås"
    body_text = got.get_body(("plain",))
    body_html = got.get_body(("html",))
    assert body_text is not None and body_html is not None
    # CRLF is the canonical line end of text/* parts on the wire.
    text = body_text.get_content().replace("\r\n", "\n")
    assert text == f"Hello {PATIENT}, here is your summary.\n"
    assert PATIENT in body_html.get_content()
    pdf_part = attachment(got, "application/pdf")
    assert pdf_part.get_filename() == "summary.pdf"
    assert pdf_part.get_payload(decode=True) == PDF
    ics_part = attachment(got, "text/calendar")
    assert ics_part.get_filename() == "follow-up.ics"
    assert ics_part.get_param("method") == "PUBLISH"
    assert ics_part.get_payload(decode=True) == ics


def test_implicit_tls_with_auth_delivers(
    ca: trustme.CA, ca_file: str, handler: Recorder, message: EmailMessage
) -> None:
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls / auth_required, so the
    # implicit-TLS server offers AUTH without requiring it; the client logs in regardless.
    with smtp_server(
        handler,
        ssl_context=server_context(ca),
        authenticator=handler.authenticator,
        auth_require_tls=False,
    ) as port:
        sender_for(port, ca_file, security="ssl").send(message.as_bytes(), SENDER, [RECIPIENT])
    assert handler.over_tls == [True]
    assert handler.logins == [(USER.encode(), GOOD_PASSWORD.encode())]
    assert received(handler)["Subject"] == f"Your summary, {PATIENT}"


def test_plain_without_auth_delivers(
    plain_port: int, handler: Recorder, message: EmailMessage
) -> None:
    sender = sender_for(plain_port, None, security="none", username="", password="")
    sender.send(message.as_bytes(), SENDER, [RECIPIENT])
    assert handler.over_tls == [False]
    assert handler.logins == []
    assert handler.messages[0].rcpt_tos == [RECIPIENT]


def test_idn_recipient_goes_out_in_ascii(plain_port: int, handler: Recorder, ics: bytes) -> None:
    msg = small_message(to="ana@bücher.example", ics=ics)
    sender = sender_for(plain_port, None, security="none", username="")
    sender.send(msg.as_bytes(), SENDER, ["ana@bücher.example"])
    assert handler.messages[0].rcpt_tos == ["ana@xn--bcher-kva.example"]
    assert received(handler)["To"] == "ana@xn--bcher-kva.example"


# --------------------------------------------------------------------------- faults


def test_wrong_password_is_permanent_535(
    starttls_port: int, ca_file: str, handler: Recorder, message: EmailMessage
) -> None:
    err = send_failure(sender_for(starttls_port, ca_file, password="wrong"), message)
    assert err.permanent is True
    assert err.code == 535
    assert "535" in str(err)
    assert handler.logins and all(pw == b"wrong" for _user, pw in handler.logins)
    assert handler.messages == []


@pytest.mark.parametrize(
    ("stage", "reply", "permanent", "shown"),
    [
        ("rcpt", f"550 5.1.1 <{RECIPIENT}>: no such user", True, "550 5.1.1"),
        ("rcpt", "451 4.3.0 try later", False, "451 4.3.0"),
        ("data", f"554 5.6.0 message for {RECIPIENT} refused", True, "554 5.6.0"),
        ("data", "452 4.3.1 insufficient storage", False, "452 4.3.1"),
    ],
)
def test_server_refusal_classified_without_leaking_address(
    plain_port: int,
    handler: Recorder,
    message: EmailMessage,
    stage: str,
    reply: str,
    permanent: bool,
    shown: str,
) -> None:
    setattr(handler, f"{stage}_reply", reply)
    err = send_failure(sender_for(plain_port, None, security="none", username=""), message)
    assert err.permanent is permanent
    assert err.code == int(shown[:3])
    assert f"{shown} from server" in str(err)
    assert handler.messages == []


def test_partly_refused_recipients_are_reported(
    plain_port: int, handler: Recorder, message: EmailMessage
) -> None:
    handler.rcpt_reply, handler.refuse_only = "550 5.1.1 no such user", "gone@example.com"
    sender = sender_for(plain_port, None, security="none", username="")
    with pytest.raises(SendError) as info:
        sender.send(message.as_bytes(), SENDER, [RECIPIENT, "gone@example.com"])
    assert info.value.permanent is True
    assert str(info.value) == "mail server refused 1 of 2 recipients (550); the others were sent"
    assert handler.messages[0].rcpt_tos == [RECIPIENT]


def test_connection_refused_is_transient(message: EmailMessage) -> None:
    err = send_failure(sender_for(free_port(), None, timeout_s=2.0), message)
    assert err.permanent is False
    assert "refused the connection" in str(err)


@pytest.mark.parametrize("security", ["starttls", "ssl", "none"])
def test_hung_server_times_out_quickly(message: EmailMessage, security: str) -> None:
    hung = HungServer()
    try:
        sender = sender_for(hung.port, None, security=security, timeout_s=0.5)
        start = time.monotonic()
        err = send_failure(sender, message)
        elapsed = time.monotonic() - start
        assert hung.accepted.is_set(), "the client never reached the hung server"
    finally:
        hung.close()
    assert err.permanent is False
    assert "did not answer within 0.5 s" in str(err)
    assert 0.4 <= elapsed < 2.0


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(
    ("trusted", "names", "why"),
    [(False, (HOST,), "issuer"), (True, ("mail.example.test",), "mismatch")],
    ids=["untrusted-ca", "wrong-host-name"],
)
# the test server (aiosmtpd) logs the handshake the client refused as an error
@pytest.mark.allow_errors(r"^mail\.log: .* SMTP session exception")
def test_certificate_checked_before_any_password(
    ca: trustme.CA,
    ca_file: str,
    handler: Recorder,
    message: EmailMessage,
    security: str,
    trusted: bool,
    names: tuple[str, ...],
    why: str,
) -> None:
    ctx = server_context(ca if trusted else trustme.CA(), *names)
    tls_key = "tls_context" if security == "starttls" else "ssl_context"
    with smtp_server(handler, authenticator=handler.authenticator, **{tls_key: ctx}) as port:
        err = send_failure(sender_for(port, ca_file, security=security), message)
    assert err.permanent is False
    assert "not trusted" in str(err) and why in str(err).lower()
    assert handler.logins == [], "the password went to an unverified server"
    assert handler.messages == []


def test_starttls_required_but_not_offered(handler: Recorder, message: EmailMessage) -> None:
    # A plain server that offers AUTH in the clear: the client must not fall back to it.
    with smtp_server(handler, authenticator=handler.authenticator, auth_require_tls=False) as port:
        err = send_failure(sender_for(port, None), message)
    assert err.permanent is False
    assert "STARTTLS" in str(err)
    assert handler.logins == [], "the password was sent without TLS"
    assert handler.messages == []


def test_unusable_address_is_refused_before_connecting(message: EmailMessage) -> None:
    # Nothing listens on this port: reaching the network would give "refused", not this.
    sender = sender_for(free_port(), None, security="none", username="")
    with pytest.raises(SendError) as info:
        sender.send(message.as_bytes(), SENDER, ["ana@example.com>\r\nRCPT TO:<x@evil.example"])
    assert info.value.permanent is True
    assert "evil" not in str(info.value)
    assert "not usable" in str(info.value)


def test_non_ascii_password_refused_before_connecting(message: EmailMessage) -> None:
    sender = sender_for(free_port(), None, password="pässword")
    err = send_failure(sender, message)
    assert err.permanent is False
    assert "non-ASCII" in str(err) and "pässword" not in str(err)


def test_password_never_in_repr() -> None:
    sender = sender_for(25, None)
    assert GOOD_PASSWORD not in repr(sender)
    assert repr(sender) == f"SmtpSender({HOST}:25 (starttls))"


def test_password_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert password_from("in-file", "") == "in-file"
    monkeypatch.setenv("KIOSK_TEST_SMTP_PW", "from-env")
    assert password_from("in-file", "KIOSK_TEST_SMTP_PW") == "from-env"
    assert password_from("", "KIOSK_TEST_SMTP_PW") == "from-env"
    monkeypatch.delenv("KIOSK_TEST_SMTP_PW")
    with pytest.raises(SendError, match="KIOSK_TEST_SMTP_PW") as info:
        password_from("in-file", "KIOSK_TEST_SMTP_PW")
    assert "in-file" not in str(info.value)


# --------------------------------------------------------------------------- message


def test_message_is_7bit_with_required_headers(message: EmailMessage) -> None:
    raw = message.as_bytes()
    assert raw.isascii(), "non-ASCII must be encoded (RFC 2047 / quoted-printable / base64)"
    assert b"\r\n" in raw
    assert message.get_content_type() == "multipart/mixed"
    assert re.fullmatch(r"<[^@<>]+@clinic\.example>", message["Message-ID"])
    assert message["Date"].datetime is not None
    assert message["MIME-Version"] == "1.0"
    got = parse(raw)
    assert got["Subject"] == f"Your summary, {PATIENT}"
    body = got.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"


def test_subject_line_breaks_cannot_inject_headers(ics: bytes) -> None:
    msg = small_message(subject="Hi\r\nBcc: x@evil.example", ics=ics, domain="c.example")
    got = parse(msg.as_bytes())
    assert got["Bcc"] is None
    assert got["Reply-To"] is None
    assert got["Subject"] == "Hi Bcc: x@evil.example"


def test_build_message_refuses_bad_recipient_without_quoting_it(ics: bytes) -> None:
    with pytest.raises(ValueError) as info:
        small_message(to='"><script>', html="h", ics=ics, domain="c.example")
    assert "script" not in str(info.value)


# --------------------------------------------------------------------------- folder


def test_eml_folder_writes_private_parseable_file(tmp_path: Path, message: EmailMessage) -> None:
    folder = tmp_path / "mail" / "out"
    EmlFolder(folder).send(message.as_bytes(), SENDER, [RECIPIENT])

    (path,) = folder.iterdir()
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{32}\.eml", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    got = parse(path.read_bytes())
    assert got["Subject"] == f"Your summary, {PATIENT}"
    assert attachment(got, "application/pdf").get_payload(decode=True) == PDF


def test_eml_folder_failure_is_a_send_error(tmp_path: Path, message: EmailMessage) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(SendError) as info:
        EmlFolder(blocker / "out").send(message.as_bytes(), SENDER, [RECIPIENT])
    assert info.value.permanent is False
    assert RECIPIENT not in str(info.value)


# --------------------------------------------------------------------------- calendar


def test_ics_dates_texts_and_reminder(ics: bytes) -> None:
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["PRODID"] and cal["VERSION"] == "2.0" and cal["METHOD"] == "PUBLISH"
    review, touch_up = cal.walk("VEVENT")

    # one day each: DTEND is exclusive, the day after
    assert review.decoded("DTSTART") == dt.date(2026, 12, 15)
    assert review.decoded("DTEND") == dt.date(2026, 12, 16)
    assert str(review["SUMMARY"]) == "Kontroll – ring klinikken"
    assert "+47 555 01 99" in str(review["DESCRIPTION"]) and "Ring oss" in str(
        review["DESCRIPTION"]
    )
    assert touch_up.decoded("DTSTART") == dt.date(2027, 3, 1)
    assert touch_up.decoded("DTEND") == dt.date(2027, 3, 2)
    assert str(touch_up["SUMMARY"]) == "Oppfriskning?"
    for event in (review, touch_up):
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == dt.timedelta(hours=-15)
        assert str(event["TRANSP"]) == "TRANSPARENT"  # a reminder, not a busy day

    uids = [str(e["UID"]) for e in (review, touch_up)]
    assert len(set(uids)) == 2 and all(u.endswith("@clinic.example") for u in uids)
    for event in (review, touch_up):
        assert isinstance(event.decoded("DTSTAMP"), dt.datetime)
        assert event.decoded("DTSTAMP").tzinfo is not None


def test_ics_needs_an_event() -> None:
    with pytest.raises(ValueError):
        make_ics(
            clinic_name="C",
            clinic_phone="1",
            events=[],
            uid_domain="c.example",
        )


def test_message_without_calendar_has_no_calendar_part() -> None:
    msg = small_message(pdf_name="summary.pdf")
    types = [p.get_content_type() for p in msg.walk()]
    assert "application/pdf" in types and "text/calendar" not in types


def test_the_calendar_is_made_from_the_plan() -> None:
    """The .ics holds the plan's events (the aftercare screen's and the summary's dates)."""
    plan = Plan(
        entries=(),
        events=(
            CalendarEvent(dt.date(2026, 12, 15), "Kontroll – ring klinikken", "check_up"),
            CalendarEvent(dt.date(2027, 3, 1), "Oppfriskning?", "next_visit"),
        ),
        paused=False,
        no_areas=False,
    )
    ics = plan_ics(plan, clinic_name="K", clinic_phone="1", uid_domain="c.example")
    assert ics is not None
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert [(e.decoded("DTSTART"), str(e["SUMMARY"])) for e in events] == [
        (event.day, event.summary) for event in plan.events
    ]
    for no_dates in (Plan((), (), paused=True, no_areas=False), Plan((), (), False, True)):
        assert plan_ics(no_dates, clinic_name="K", clinic_phone="1", uid_domain="c") is None


def test_the_message_is_composed_in_the_core_without_qt() -> None:
    """kiosk.core.message.compose needs no Qt: the PDF comes from the function it is given."""
    code = """if True:
        import email, email.policy, sys
        from kiosk import app
        from kiosk.core.message import compose
        from kiosk.core.session import Session
        from kiosk.core.summary import SummaryRenderer
        loaded = app.load()
        session = Session.from_dict(
            {"language": "en", "appointment_date": "2026-12-01", "areas": ["frown_lines"],
             "email": "ana@example.com", "email_consent": True}, "answers.json")
        def fake_pdf(html, *, paper, title, footer):
            assert "<html" in html.lower() and paper == "A4"
            return b"%PDF-fake"
        raw = compose(session, loaded.packs["en"], loaded.config,
                      SummaryRenderer(loaded.template_dirs), pdf=fake_pdf)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        print(sorted(p.get_content_type() for p in msg.iter_attachments()))
        (pdf,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert pdf.get_payload(decode=True) == b"%PDF-fake"
        print(sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))))
    """
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['application/pdf', 'text/calendar']", "[]"]


# --------------------------------------------------------------------------- addresses


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any name lookup fails the test: address checks must be syntax-only."""

    def lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("DNS lookup attempted")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", lookup)


@pytest.mark.usefixtures("no_dns")
@pytest.mark.parametrize("address", ["ana@example.com", "ana.odegard+kiosk@bücher.example"])
def test_check_address_accepts(address: str) -> None:
    assert check_address(address) is None


@pytest.mark.usefixtures("no_dns")
@pytest.mark.parametrize(
    "address", ['"><script>', "ana@", "", "ana@example", "ødegård@example.com", "a b@x.example"]
)
def test_check_address_rejects_with_reason(address: str) -> None:
    reason = check_address(address)
    assert isinstance(reason, str) and reason
