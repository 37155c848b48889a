"""systemd's service notifications (``sd_notify``), in the few lines of its protocol.

Under a ``Type=notify`` unit systemd passes ``NOTIFY_SOCKET``, an AF_UNIX datagram socket
(a path, or an abstract name written with a leading ``@``); each message is one datagram of
``KEY=value`` lines. The kiosk says ``READY=1`` after its first paint, ``WATCHDOG=1`` from
a timer on the Qt event loop (so a frozen screen stops the pings and systemd restarts the
kiosk), ``STATUS=`` with its state in a few words, and ``STOPPING=1`` as it quits.

Without ``NOTIFY_SOCKET`` (a demo, a test, Windows) every method does nothing. A message
that cannot be sent is logged once and never raises: systemd's bookkeeping must not stop a
kiosk. The variables are taken out of the environment once read, as ``sd_notify`` does with
``unset_environment``: the kiosk's child jobs are not the service and must not speak for it.

No library: the protocol is a ``sendto`` (``sdnotify`` on PyPI is these same lines, and
unmaintained since 2017); ``socket`` is imported when the notifier is made, after the first
paint.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from kiosk import lazy

if TYPE_CHECKING:  # deferred: the first message is sent after the first paint
    import socket
else:
    socket = lazy.load("socket")

log = logging.getLogger("kiosk.notify")

_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


class Notifier:
    """The service manager's socket, if any, and the watchdog interval it asks for."""

    def __init__(self, address: str, watchdog_usec: int | None) -> None:
        self.address = address
        #: Microseconds within which systemd wants a ping; None: no watchdog for us.
        self.watchdog_usec = watchdog_usec
        # Made now, once: the GUI thread pings and the metrics worker says STATUS, and a
        # lock around a lazily made socket would deadlock when a signal handler (SIGTERM:
        # STOPPING=1) runs on the GUI thread in the middle of a ping.
        self._sock: socket.socket | None = None
        if address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._failed = False

    @classmethod
    def from_environ(cls, environ: MutableMapping[str, str] | None = None) -> Notifier:
        """The notifier ``environ`` (default ``os.environ``) describes; the variables are
        removed from it. ``WATCHDOG_PID`` naming another process means the watchdog is that
        process's, not ours (a wrapper's child must not ping for it)."""
        env = os.environ if environ is None else environ
        address, usec, pid = (env.pop(name, "").strip() for name in _VARIABLES)
        watchdog = int(usec) if usec.isdigit() and int(usec) > 0 else None
        if pid and (not pid.isdigit() or int(pid) != os.getpid()):
            watchdog = None
        if address and not address.startswith(("/", "@")):
            log.warning("NOTIFY_SOCKET is neither a path nor an abstract name: ignored")
            address = ""
        return cls(address, watchdog if address else None)

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    @property
    def ping_interval_ms(self) -> int | None:
        """Half the watchdog interval (what ``sd_watchdog_enabled`` advises), at least 1 ms;
        None without a watchdog."""
        if self.watchdog_usec is None:
            return None
        return max(1, self.watchdog_usec // 2000)

    def ready(self) -> None:
        self.send("READY=1", "STATUS=ready")

    def ping(self) -> None:
        self.send("WATCHDOG=1")

    def status(self, text: str) -> None:
        """``STATUS=text``: one line, the kiosk's state (never anything a patient typed)."""
        self.send("STATUS=" + " ".join(text.split()))

    def stopping(self) -> None:
        self.send("STOPPING=1", "STATUS=stopping")

    def close(self) -> None:
        """Close the socket: nothing is sent after this."""
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def send(self, *lines: str) -> None:
        """One datagram, never waited for: with systemd busy (its queue full) the message is
        dropped and logged, and the screen goes on (a ping comes every half interval)."""
        sock = self._sock
        if sock is None:
            return
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            sock.sendto("\n".join(lines).encode("utf-8"), socket.MSG_DONTWAIT, target)
        except OSError as exc:
            if not self._failed:  # a ping every few seconds must not fill the log
                log.warning("cannot notify the service manager: %s", exc.strerror or exc)
            self._failed = True
        else:
            self._failed = False
