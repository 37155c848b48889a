"""What the fleet's tools see of a running kiosk: systemd's watchdog and status, and the
metrics file. Made by ``kiosk.app`` at the first paint.

- ``Heartbeat``: ``READY=1`` now, then ``WATCHDOG=1`` from a timer on the Qt event loop at
  half systemd's ``WATCHDOG_USEC``. A timer, not a thread: a frozen loop (a screen that no
  longer answers taps) must stop the pings, so that systemd kills and restarts the kiosk.
- ``MetricsWriter``: the ``[ops] metrics_file`` (``kiosk.services.metrics``), written every
  minute, and within ``THROTTLE_MS`` of a change of the kiosk's own state (a burst of them
  once; a patient's session waits for the minute's write, see ``metrics.Recorder``), on a
  worker thread: reading the outbox and writing the file never hold up the screen. The same
  worker says the kiosk's state to systemd (``STATUS=``) when it changes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from kiosk.services import metrics
from kiosk.services.metrics import OutboxCounts, Recorder
from kiosk.services.notify import Notifier

log = logging.getLogger("kiosk.ops")

#: Changes of the kiosk's state closer together than this are written once.
THROTTLE_MS = 1_000
#: The file is written this often even when nothing happens (its time shows it is alive).
PERIOD_MS = 60_000
#: Set in a test's environment only, to the path of a FIFO: SIGUSR1 then blocks the GUI
#: thread until something is written to the FIFO, so the watchdog test can freeze the real
#: event loop from outside (``tests/test_notify.py``). Unset, nothing changes.
FREEZE_FOR_TESTS = "BOTOX_KIOSK_TEST_FREEZE"


class Heartbeat(QObject):
    """``READY=1`` as it is made (after the first paint), and the watchdog's pings."""

    def __init__(self, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setObjectName("watchdog")
        interval = notifier.ping_interval_ms
        if interval is not None:
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # coarse may be 5 % late
            self.timer.setInterval(interval)
            self.timer.timeout.connect(notifier.ping)
            self.timer.start()
        fifo = os.environ.pop(FREEZE_FOR_TESTS, "")
        if fifo and hasattr(signal, "SIGUSR1"):
            _freeze_on_sigusr1(Path(fifo))
        notifier.ready()

    def shutdown(self) -> None:
        """The kiosk is closing: ``STOPPING=1`` (once), no more pings. Called as quitting
        begins, before the jobs in hand are waited for (up to 30 s each)."""
        if self._stopped:
            return
        self._stopped = True
        self.timer.stop()
        self.notifier.stopping()
        self.notifier.close()


def _freeze_on_sigusr1(fifo: Path) -> None:
    """Test-only (``FREEZE_FOR_TESTS``): SIGUSR1 blocks the GUI thread, as a hung screen
    would, in a read of ``fifo`` until the test writes to it; the other threads run on.
    (Python runs the handler on the GUI thread, from within Qt's loop.)"""

    def freeze(_signum: int, _frame: object) -> None:
        fifo.read_bytes()

    signal.signal(signal.SIGUSR1, freeze)


class MetricsWriter(QObject):
    """Writes ``recorder``'s metrics to ``path`` every ``PERIOD_MS`` and ``THROTTLE_MS``
    after an event; on each write, the outbox's counts first (``outbox_counts``, None when
    email is off) and ``STATUS=`` to systemd when the status changed. Until ``shutdown``,
    errors logged anywhere count (``ErrorsToMetrics``)."""

    _event = Signal()  # from any thread; the throttle runs on the GUI thread

    def __init__(
        self,
        recorder: Recorder,
        path: Path | None,
        notifier: Notifier,
        *,
        outbox_counts: Callable[[], OutboxCounts | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.recorder = recorder
        self.path = path
        self.notifier = notifier
        self._outbox_counts = outbox_counts
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-metrics")
        self._lock = threading.Lock()
        self._status = ""
        self._failed = False  # the file could not be written (once a streak in the log)
        self._outbox_failed = False  # the outbox could not be read (the same)
        self._broken = False  # anything else went wrong (the same)
        self._closed = False
        self._up = True  # until the kiosk starts leaving (``stopping``)
        self.writes = 0  # files written (a burst of events is one)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._write_event)
        self.period = QTimer(self)
        self.period.setObjectName("metrics")
        self.period.setInterval(PERIOD_MS)
        self.period.timeout.connect(self.write_soon)
        self.period.start()
        self._event.connect(self._changed)  # queued when emitted by another thread
        recorder.on_change = self._event.emit
        self._errors = ErrorsToMetrics(recorder)
        logging.getLogger().addHandler(self._errors)
        self.write_soon()

    def _changed(self) -> None:
        """An event: a write follows within ``THROTTLE_MS`` (one for a burst)."""
        if not self._throttle.isActive():
            self._throttle.start()

    def write_soon(self) -> None:
        """Hand the minute's write to the worker (the file and the status; the outbox read
        first): the patients' sessions as they are now."""
        if not self._closed:
            self._pool.submit(self._write, minute=True)

    def _write_event(self) -> None:
        """A write for a change of the kiosk's state: the sessions as the minute showed."""
        if not self._closed:
            self._pool.submit(self._write, minute=False, up=self._up)

    def stopping(self) -> None:
        """The kiosk is leaving (SIGTERM from systemd, or staff): ``up`` 0 at once, not
        after the jobs in hand are waited for (up to 30 s each, past the unit's stop
        timeout); events until ``shutdown`` are still written, with ``up`` 0."""
        if self._closed or not self._up:
            return
        self._up = False
        self.period.stop()
        self._pool.submit(self._write, minute=False, up=False)

    def shutdown(self) -> None:
        """The last write, ``up`` 0, waited for: the kiosk is closing."""
        if self._closed:
            return
        self._closed = True
        logging.getLogger().removeHandler(self._errors)
        self.recorder.on_change = lambda: None  # this object may go before the recorder
        self._throttle.stop()
        self.period.stop()
        self._pool.submit(self._write, up=False, minute=False)
        self._pool.shutdown(wait=True)

    def _write(self, *, minute: bool, up: bool = True) -> None:
        """On the worker: nothing it raises would be seen (a pool keeps it in a future no
        one reads), so every failure is logged here, once a streak."""
        with self._lock:
            try:
                self._write_now(minute=minute, up=up)
            except Exception as exc:  # a bug, not the disk: the kiosk runs on without metrics
                if not self._broken:
                    log.warning("metrics: the write failed: %s", type(exc).__name__, exc_info=True)
                self._broken = True
            else:
                self._broken = False

    def _write_now(self, *, minute: bool, up: bool) -> None:
        try:
            counts = self._outbox_counts()
        except Exception as exc:  # the outbox's own errors are the staff panel's to say
            if not self._outbox_failed:  # once a streak, not every minute
                log.warning("metrics: cannot read the outbox: %s", type(exc).__name__)
            self._outbox_failed = True
            counts = None  # no outbox series rather than old numbers
        else:
            self._outbox_failed = False
        self.recorder.outbox(counts)
        status = self.recorder.status_line()
        if up and status != self._status:
            self._status = status
            self.notifier.status(status)
        if self.path is None:
            return
        try:
            snapshot = self.recorder.snapshot(minute=minute)
            data = metrics.render(snapshot, time.time(), up=up)
            metrics.write(self.path, data)
            self.writes += 1
        except OSError as exc:
            if not self._failed:  # once, not every minute
                log.warning("metrics: cannot write %s: %s", self.path, exc.strerror or exc)
            self._failed = True
        else:
            self._failed = False


class ErrorsToMetrics(logging.Handler):
    """Counts the records of ERROR and above (the time only, never their text)."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(logging.ERROR)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        self.recorder.error()
