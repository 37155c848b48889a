"""Crash safety, signals, a single instance and kiosk mode."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLineEdit

from kiosk import runtime
from kiosk.core.flow import Screen

from .conftest import REPO


def test_an_error_in_a_screen_handler_logs_and_returns_to_the_start(qtbot, window, caplog) -> None:
    saved = sys.excepthook
    runtime.install_excepthook(window.recover)
    try:
        window.ctx.flow.go(Screen.PRIVACY)
        qtbot.keyClicks(window.findChild(QLineEdit, "first_name"), "Zebedee")
        try:
            raise RuntimeError("boom with Zebedee in it")
        except RuntimeError as exc:  # what Qt hands to sys.excepthook for a failing slot
            with caplog.at_level(logging.ERROR, logger="kiosk.runtime"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = saved
    assert window.screen_id() == "attract"
    assert window.ctx.session.first_name == ""
    (record,) = [r for r in caplog.records if r.name == "kiosk.runtime"]
    assert "unhandled RuntimeError; returning to the start screen" in record.getMessage()
    assert "Zebedee" not in record.getMessage()  # the message may quote what was typed
    window.ctx.flow.go(Screen.PRIVACY)  # and the kiosk carries on
    assert window.findChild(QLineEdit, "first_name").text() == ""


def test_kiosk_mode_refuses_to_close(qtbot, window) -> None:
    window.kiosk_mode = True
    event = QCloseEvent()
    window.closeEvent(event)  # Alt+F4
    assert not event.isAccepted()
    assert window.isVisible()
    window.kiosk_mode = False


def test_file_log_and_crash_log(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        folder = runtime.setup_file_logging(tmp_path / "logs")
        logging.getLogger("kiosk.test").warning("screen consultation")
        for handler in root.handlers:
            handler.flush()
        assert "kiosk.test: screen consultation" in (folder / "kiosk.log").read_text()
        assert (folder / "crash.log").exists()
    finally:
        for handler in root.handlers[len(before) :]:
            root.removeHandler(handler)
            handler.close()
        import faulthandler

        faulthandler.disable()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_wipes_and_quits_cleanly(tmp_path: Path) -> None:
    """The real process, on Qt's offscreen platform: SIGTERM ends it with exit 0 and a log
    line, not a traceback."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    env["XDG_DATA_HOME"] = str(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--windowed"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "first paint" in line:
                break
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
    assert "kiosk stopped" in rest and "Traceback" not in rest


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the kiosk and return once it has painted its first screen."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--windowed"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "first paint" in line:
            break
    return proc


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    code = proc.wait(timeout=30)
    if proc.stderr is not None:
        proc.stderr.close()
    return code


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_second_kiosk_says_so_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    env["XDG_DATA_HOME"] = str(tmp_path)
    env["TMPDIR"] = str(tmp_path)  # the lock file's folder: this test's own
    first = _start(env)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "kiosk", "--windowed"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
    finally:
        assert _stop(first) == 0
    third = _start(env)  # the lock went with the first kiosk
    assert _stop(third) == 0


def test_an_error_that_keeps_coming_back_ends_the_process(tmp_path: Path) -> None:
    """Recovering forever would wipe every session and never let the service manager start
    a fresh process: the fourth error within a minute exits with status 1."""
    code = (
        "import sys, logging\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from kiosk import runtime\n"
        "calls = []\n"
        "runtime.install_excepthook(lambda: calls.append(1))\n"
        "for _ in range(5):\n"
        "    try:\n"
        "        raise ValueError('again')\n"
        "    except ValueError as exc:\n"
        "        sys.excepthook(type(exc), exc, exc.__traceback__)\n"
        "    print('recovered', len(calls), flush=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout.split() == ["recovered", "1", "recovered", "2", "recovered", "3"]
    assert "4 errors within 60 s: exiting for a fresh start" in result.stderr
