"""Sending an email: to the clinic's mail server, or into a folder of .eml files.

Pure Python (smtplib, ssl); no Qt. The message itself is built in ``kiosk.core.message``;
this module only delivers its bytes. ``send`` blocks for up to ``timeout_s`` per network
step, so it runs in a child process (the ``email-job`` and ``outbox`` commands), never on
the UI thread.

Privacy: the recipient address and the message are patient data. Nothing here logs them, and
no ``SendError`` message quotes them. Server replies are reduced to their codes
("550 5.1.1"), because servers often echo the address back in the reply text.

Two transports share one ``send`` signature: ``SmtpSender`` (the clinic's mail server) and
``EmlFolder`` (the demo clinic: each email is an .eml file in a folder).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from kiosk.core.addresses import ascii_address
from kiosk.services.files import DEMO_EMAILS, atomic_write, private_dir

log = logging.getLogger("kiosk.mail")

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "ssl", "none")


class SendError(Exception):
    """Sending failed. ``permanent`` says whether retrying the same message is pointless.

    Permanent: the server answered with a definitive 5xx (a refused login, sender, recipient
    or message). Transient: no definitive answer (refused or dropped connection, timeout, TLS
    trouble, 4xx, a server that lacks STARTTLS): the outbox keeps the message and retries.
    The message is for staff and the log; it never contains an address or patient data.
    """

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class MailTransport(Protocol):
    """Where a built message goes; ``SmtpSender`` and ``EmlFolder`` implement it."""

    def describe(self) -> str: ...

    def send(self, message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        """Deliver ``message``; raise SendError."""
        ...


# --------------------------------------------------------------------------- SMTP


def password_from(password: str, password_env: str) -> str:
    """The SMTP password: from the environment variable ``password_env`` when it is named
    (so the secret need not sit in the config file), else ``password``.

    Raises SendError (transient: fixing the environment fixes it) naming the variable,
    never its value.
    """
    if not password_env:
        return password
    value = os.environ.get(password_env)
    if not value:
        raise SendError(
            f"environment variable {password_env} (email.password_env) is not set or empty",
            permanent=False,
        )
    return value


class SmtpSender:
    """A mail server reached with smtplib: verified TLS, optional AUTH, bounded waits."""

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        username: str,
        password: str,
        timeout_s: float,
        ca_file: str | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout_s = timeout_s
        self.ca_file = ca_file
        self.local_hostname = local_hostname
        if username and security == "none":
            log.warning("SMTP AUTH on %s:%d without TLS: the password crosses in clear", host, port)

    def __repr__(self) -> str:  # never the password
        return f"SmtpSender({self.describe()})"

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"

    def send(self, message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        """Deliver ``message`` to ``to_addrs``. Raises SendError; returns once the server has
        accepted the message (a failure while saying goodbye afterwards is ignored: the mail
        is on its way, and reporting it would make the outbox send it twice)."""
        error: SendError | None = None
        try:
            sender = ascii_address(from_addr)
            recipients = [ascii_address(a) for a in to_addrs]
        except ValueError:
            error = SendError("a sender or recipient address is not usable", permanent=True)
        else:
            if not f"{self.username}{self._password}".isascii():
                # smtplib encodes AUTH as ASCII; found out here, no half-sent login.
                error = SendError(
                    "the SMTP user name or password has non-ASCII characters, which smtplib "
                    "cannot send",
                    permanent=False,
                )
        if error is None:
            try:
                self._deliver(message, sender, recipients)
            except (smtplib.SMTPException, OSError, UnicodeError) as exc:
                error = _send_error(exc, self.timeout_s)
            except SendError as exc:
                error = exc
        if error is not None:
            # Raised here, outside the except blocks, so no smtplib exception (whose text may
            # hold an address) rides along as __context__ into a logged traceback.
            log.info("mail via %s failed: %s", self.describe(), error)
            raise error
        log.info("mail accepted by %s", self.describe())

    def _context(self) -> ssl.SSLContext:
        """Certificate and host name verified; ``ca_file`` for a clinic's private CA."""
        return ssl.create_default_context(cafile=self.ca_file)

    def _deliver(self, message: bytes, sender: str, recipients: list[str]) -> None:
        smtp = self._connect()
        try:
            smtp.ehlo()
            if self.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SendError(
                        "mail server does not offer STARTTLS (check email.security)",
                        permanent=False,
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password)
            options = ["BODY=8BITMIME"] if _is_8bit(message) and smtp.has_extn("8bitmime") else []
            refused = smtp.sendmail(sender, recipients, message, mail_options=options)
            if refused:
                codes = sorted({code for code, _reply in refused.values()})
                raise SendError(
                    f"mail server refused {len(refused)} of {len(recipients)} recipients "
                    f"({', '.join(str(c) for c in codes)}); the others were sent",
                    permanent=True,
                    code=codes[0],
                )
            _quit_quietly(smtp)
        finally:
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        """Open the connection and read the greeting, all within ``timeout_s``.

        The smtplib object is made unconnected first, so a failed connect still leaves us a
        handle to close (no leaked socket). ``_host`` is what smtplib checks the certificate
        against; it is only set by a connecting constructor, so we set it ourselves.
        """
        placeholder = self.local_hostname or "localhost"  # skips smtplib's getfqdn() (DNS)
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                local_hostname=placeholder, timeout=self.timeout_s, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(local_hostname=placeholder, timeout=self.timeout_s)
        smtp._host = self.host  # type: ignore[attr-defined]
        try:
            code, _reply = smtp.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, _reply)
            if self.local_hostname is None:
                smtp.local_hostname = _address_literal(smtp.sock)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _address_literal(sock: socket.socket | None) -> str:
    """Our end of the connection as an RFC 5321 address literal for EHLO: true, and no DNS."""
    if sock is None:
        return "[127.0.0.1]"
    address = sock.getsockname()[0]
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _is_8bit(message: bytes) -> bool:
    return any(b > 127 for b in message)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        log.info("mail server dropped the connection after accepting the message")


_ENHANCED = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


def _reply_code(code: int, reply: bytes | str) -> str:
    """The reply and enhanced status codes ("550 5.1.1"), never the reply's free text."""
    raw = reply.encode("utf-8", "replace") if isinstance(reply, str) else reply
    match = _ENHANCED.match(raw)
    return f"{code} {match.group(1).decode()}" if match else str(code)


def _from_reply(what: str, code: int, reply: bytes | str) -> SendError:
    permanent = 500 <= code < 600
    return SendError(
        f"{what}: {_reply_code(code, reply)} from server", permanent=permanent, code=code
    )


def _send_error(exc: BaseException, timeout_s: float) -> SendError:
    """Translate an smtplib / socket / ssl exception into a SendError fit for staff."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = sorted(exc.recipients.values(), key=lambda r: r[0])
        # Any 4xx (greylisting, a full mailbox) may pass later: retry rather than give up.
        code, reply = replies[0]
        return _from_reply("mail server refused the recipient", code, reply)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _from_reply("mail server refused the sender", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _from_reply("mail server refused the login", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPDataError):
        return _from_reply("mail server refused the message", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPConnectError):
        return _from_reply("mail server refused the session", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPHeloError):
        return _from_reply("mail server refused EHLO", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _from_reply("mail server error", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib reports a read timeout or reset as "disconnected"; the cause is the news.
        if isinstance(exc.__context__, OSError):
            return _network_error(exc.__context__, timeout_s)
        return SendError("mail server closed the connection unexpectedly", permanent=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(f"mail server lacks a needed feature: {exc}", permanent=False)
    if isinstance(exc, smtplib.SMTPException):
        return SendError(f"mail error: {exc}", permanent=False)
    return _network_error(exc, timeout_s)


def _network_error(exc: BaseException, timeout_s: float) -> SendError:
    """Socket and TLS failures: never a definitive answer from the server, so transient."""
    if isinstance(exc, TimeoutError):
        text = f"mail server did not answer within {timeout_s:g} s"
    elif isinstance(exc, ConnectionRefusedError):
        text = "mail server refused the connection (nothing listening on that port?)"
    elif isinstance(exc, socket.gaierror):
        text = "cannot resolve the mail server's host name"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        text = f"mail server's TLS certificate is not trusted: {exc.verify_message}"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS with the mail server failed: {exc.reason or exc.__class__.__name__}"
    elif isinstance(exc, OSError):
        text = f"network error talking to the mail server: {exc.strerror or type(exc).__name__}"
    else:  # e.g. UnicodeError from a host name that is not valid IDNA
        text = f"mail error: {type(exc).__name__}"
    return SendError(text, permanent=False)


# --------------------------------------------------------------------------- folder


class EmlFolder:
    """The demo clinic's "mail server": each message becomes ``<timestamp>-<uuid>.eml``.

    The files hold patient data, so they are private to the kiosk's user (0600, in a folder
    made or tightened to 0700), appear whole (written under a temporary name, then renamed)
    and are deleted after an hour (``DEMO_EMAILS``): every write first clears the old
    ones, and the kiosk sweeps the folder at start and while it runs. ``clock`` (wall time,
    seconds) is for tests.
    """

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self._clock = clock

    def describe(self) -> str:
        return f"folder {self.folder}"

    def send(self, message: bytes, from_addr: str, to_addrs: list[str]) -> None:
        """Write the message; the envelope addresses are not stored."""
        del from_addr, to_addrs  # the To header inside the message says where it was going
        now = self._clock()
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex}.eml"
        try:
            private_dir(self.folder)
            DEMO_EMAILS.expire(self.folder, now=now)
            atomic_write(path, message, mode=0o600)
        except OSError as exc:
            raise SendError(
                f"cannot write the email into {self.folder}: {exc.strerror or exc}",
                permanent=False,
            ) from None
        # Not the file's name: its time to the microsecond would time the patient's visit.
        log.info("mail written to %s", self.folder)
