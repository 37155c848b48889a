"""Real mail servers on loopback for the email tests: aiosmtpd, and one that never answers.

Plain helpers (no pytest fixtures here), so test modules wire them up as they need.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
USER = "kiosk"
GOOD_PASSWORD = "correct horse battery staple"


def free_port() -> int:
    """A loopback port nothing listens on right now.

    aiosmtpd's Controller cannot listen on port 0 (it connects to its own port to check
    that it started), so we ask the OS for a free one first.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A server TLS context with a certificate from ``ca`` for ``names``."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or (HOST, "localhost"))).configure_cert(ctx)
    return ctx


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives and can refuse on cue.

    ``rcpt_reply`` / ``data_reply``: a reply line to send instead of accepting (for RCPT:
    to every address, or only to ``refuse_only`` when set).
    """

    rcpt_reply: str | None = None
    refuse_only: str | None = None
    data_reply: str | None = None
    messages: list[Envelope] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply and self.refuse_only in (None, address):
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.messages.append(envelope)
        # STARTTLS and implicit TLS alike: the transport carries an SSL object.
        assert server.transport is not None
        self.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 Message accepted for delivery"

    def authenticator(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept USER / GOOD_PASSWORD only; remember every attempt."""
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.logins.append((data.login, data.password))
        ok = data.login == USER.encode() and data.password == GOOD_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(handler: Recorder, **smtp_kwargs: Any) -> Iterator[int]:
    """Run an aiosmtpd server on loopback for the block; yields its port."""
    controller = Controller(
        handler,
        hostname=HOST,
        port=free_port(),
        server_hostname="mail.test",  # skips aiosmtpd's getfqdn() (a DNS lookup)
        ready_timeout=10,
        **smtp_kwargs,
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


class HungServer:
    """Accepts TCP connections on loopback and never says a word (no SMTP greeting).

    A selector thread accepts and holds the connections until ``close()``, which wakes it
    through a socket pair: no polling, no sleeping.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server((HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._held: list[socket.socket] = []
        self.accepted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hung-smtp", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self._listener, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        return
                    conn, _addr = self._listener.accept()
                    self._held.append(conn)
                    self.accepted.set()

    def close(self) -> None:
        self._wake_w.send(b"x")
        self._thread.join(timeout=5)
        for sock in (*self._held, self._listener, self._wake_r, self._wake_w):
            sock.close()
