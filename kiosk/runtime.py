"""What keeps the kiosk process alive and tidy: logging, crash handling, signals, one instance.

- A rotating log in the platform's log folder (platformdirs); Qt's own messages go there too.
  The folder is 0700 and the log, its rotated copies and the crash log are 0600, even when an
  older version left them readable; lines are timed to the minute (``kiosk.core.logs``).
- ``sys.excepthook``: an error in a screen's handler is logged (type and traceback, never
  the session) and the kiosk returns to the start screen instead of dying.
- faulthandler writes a hard crash (segfault) to ``crash.log`` beside the log.
- SIGTERM and SIGINT wipe the session and quit cleanly, even while Qt's loop runs; SIGHUP
  (systemd's ExecReload) asks for a reload of the config and the content (``kiosk.app``).
- A lock file in the user's run-time folder lets only one kiosk per user run at a time.
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import gc
import io
import logging
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

import PySide6
from PySide6.QtCore import (
    QLockFile,
    QObject,
    QSocketNotifier,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)

from kiosk import lazy
from kiosk.core import logs
from kiosk.core.private import private_dir, private_file

if TYPE_CHECKING:  # deferred to after the first paint: see kiosk.lazy
    import logging.handlers as logging_handlers
    import socket

    import platformdirs
else:
    logging_handlers = lazy.load("logging.handlers")
    socket = lazy.load("socket")
    platformdirs = lazy.load("platformdirs")

log = logging.getLogger("kiosk.runtime")
_keep: list[object] = []  # objects that must live as long as the process


def log_dir() -> Path:
    return platformdirs.user_log_path("botox-kiosk", appauthor=False)


def setup_file_logging(folder: Path | None = None) -> Path:
    """Add a rotating log file (1 MB × 5) to the root logger, and send hard crashes to
    ``crash.log``; returns their folder. Folder 0700, files 0600 (tightened if they were
    not): the log follows sessions, and a crash dump names what the kiosk was doing."""

    class PrivateRotatingLog(logging_handlers.RotatingFileHandler):
        """Each file (the first, and each new one after a rollover) is created 0600,
        whatever the umask. Made here: ``logging.handlers`` loads after the first paint."""

        def _open(self) -> io.TextIOWrapper:
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in self.mode else os.O_TRUNC)
            fd = os.open(self.baseFilename, flags, 0o600)
            stream = os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)
            assert isinstance(stream, io.TextIOWrapper)  # text mode ("a"): always one
            return stream

    folder = private_dir(folder or log_dir())
    for old in (*folder.glob("kiosk.log*"), folder / "crash.log"):
        private_file(old)
    handler = PrivateRotatingLog(
        folder / "kiosk.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logs.formatter())
    logging.getLogger().addHandler(handler)
    fd = os.open(folder / "crash.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    crash: IO[str] = os.fdopen(fd, "a", encoding="utf-8")
    faulthandler.enable(file=crash, all_threads=True)
    _keep.append(crash)
    return folder


def route_qt_messages() -> None:
    """Qt's warnings and errors into Python logging ("kiosk.qt")."""
    qt_log = logging.getLogger("kiosk.qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def install_excepthook(
    recover: Callable[[], None], *, max_recoveries: int = 3, within_s: float = 60.0
) -> None:
    """Log an unhandled error and call ``recover`` (back to the start) instead of dying.

    An error that keeps coming back (in a timer, say) would wipe every session and never let
    the service manager restart a fresh process: after ``max_recoveries`` within
    ``within_s`` seconds the process exits with status 1 instead.
    """
    recovering = [False]
    recent: list[float] = []

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        # The type and where it happened (file, line, function), never the message or the
        # source text: either could quote what a patient typed.
        where = "\n".join(
            f"  {frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(tb)
        )
        log.error("unhandled %s; returning to the start screen\n%s", kind.__name__, where)
        now = time.monotonic()
        recent[:] = [t for t in recent if now - t < within_s] + [now]
        if len(recent) > max_recoveries:
            log.critical(
                "%d errors within %.0f s: exiting for a fresh start", len(recent), within_s
            )
            logging.shutdown()
            os._exit(1)
        if recovering[0]:
            return  # the recovery itself failed: do not loop
        recovering[0] = True
        try:
            recover()
        except Exception as exc:  # its type only: the message could quote what was typed
            log.error("recovery failed: %s", type(exc).__name__)
        finally:
            recovering[0] = False

    sys.excepthook = hook


def quit_on_signals(on_signal: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call ``on_signal``: the session is wiped and the kiosk stops with
    its log line, instead of dying unlogged. Cheap, so it is set before the first screen;
    ``wake_on_signals`` then makes sure the handler runs while Qt's loop sleeps."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: on_signal())


def reload_on_signal(on_reload: Callable[[], object]) -> None:
    """SIGHUP (``systemctl reload``, ``kill -HUP``) calls ``on_reload`` on the event loop's
    next turn, not inside the signal handler. No SIGHUP on Windows: nothing is set there."""
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda signum, _frame: QTimer.singleShot(0, on_reload))


def wake_on_signals() -> None:
    """Python runs a signal handler only when it has control: a wake-up socket watched by
    Qt's loop gives it control as soon as a signal arrives."""
    read, write = socket.socketpair()
    read.setblocking(False)
    write.setblocking(False)
    signal.set_wakeup_fd(write.fileno())
    notifier = QSocketNotifier(read.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(BlockingIOError):
            read.recv(64)

    notifier.activated.connect(drain)
    _keep.extend([read, write, notifier])


def binding_drops_references(
    calls: int = 100, call: Callable[[], object] | None = None
) -> str | None:
    """Whether this Qt binding loses references to None, True or False: on Python 3.11, where
    they are mortal, such a binding aborts the process after enough taps ("Fatal Python
    error: none_dealloc"; PySide6 6.12.0 lost one reference to None per call of any method
    that returns nothing). Returns what it saw, or None when the binding is sound. Cheap:
    ``calls`` calls of a few Qt methods (``call`` replaces them in tests)."""
    probe, timer = QObject(), QTimer()

    def qt_calls() -> None:
        probe.setObjectName("probe")  # returns nothing
        timer.setSingleShot(True)  # takes a bool, returns nothing
        probe.signalsBlocked()  # returns a bool
        timer.isActive()

    call = call or qt_calls
    watched = {"None": None, "True": True, "False": False}
    gc.collect()
    before = {name: sys.getrefcount(obj) for name, obj in watched.items()}
    for _ in range(calls):
        call()
    gc.collect()
    lost = {name: before[name] - sys.getrefcount(obj) for name, obj in watched.items()}
    bad = {name: n for name, n in lost.items() if n > calls // 2}
    if not bad:
        return None
    seen = ", ".join(f"{n} references to {name}" for name, n in bad.items())
    return (
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} lost {seen} "
        f"in {calls} calls: the kiosk would abort after some sessions"
    )


@functools.cache
def binding_problem() -> str | None:
    """``binding_drops_references()`` for this process, measured once: the binding does
    not change while the kiosk runs (the start-up log and the staff panel both ask)."""
    return binding_drops_references()


def runtime_dir(app_name: str = "botox-kiosk") -> Path:
    """The user's own folder for files that live as long as the kiosk runs (the lock), 0700.

    On Linux and other Unixes: ``$XDG_RUNTIME_DIR`` when it is this user's (after ``su``
    it may still name another user's), else ``/run/user/<uid>`` when that exists, else a
    private ``botox-kiosk-<uid>`` folder in TMPDIR: one per user wherever the kiosk was
    started from (a login, a service, cron). Windows and macOS: the platform's run-time
    folder (platformdirs). So a demo left running, a test run and a second user never share
    a lock, and a user never starts two kiosks. Raises OSError, naming the folder, when it
    cannot be made private.
    """
    if sys.platform == "win32" or sys.platform == "darwin":
        return private_dir(platformdirs.user_runtime_path(app_name, appauthor=False))
    uid = os.getuid()

    def ours(path: Path) -> bool:
        try:
            info = path.stat()
        except OSError:
            return False
        return path.is_dir() and info.st_uid == uid

    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg and ours(Path(xdg)):
        base = Path(xdg)
        folder = base / app_name
    elif ours(Path(f"/run/user/{uid}")):
        folder = Path(f"/run/user/{uid}") / app_name
    else:
        folder = Path(tempfile.gettempdir()) / f"{app_name}-{uid}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if info.st_uid != uid or folder.is_symlink() or not folder.is_dir():
        raise OSError(
            f"{folder} is not this user's own folder (remove it, or set XDG_RUNTIME_DIR "
            "to a folder of this user's)"
        )
    if info.st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def single_instance(name: str = "botox-kiosk") -> object | None:
    """Hold the kiosk's lock file in the user's run-time folder; None when another kiosk of
    the same user already holds it. Raises OSError when that folder cannot be used."""
    path = runtime_dir(name) / f"{name}.lock"
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # a lock left by a crashed kiosk is stale once its PID is gone
    if not lock.tryLock(0):
        return None
    private_file(path)  # Qt makes it by the umask (0644): it names the host and the PID
    _keep.append(lock)
    return lock
