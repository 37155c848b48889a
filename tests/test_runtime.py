"""Crash safety, signals, a single instance and kiosk mode."""

from __future__ import annotations

import faulthandler
import io
import logging
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLineEdit

from kiosk import cli, runtime
from kiosk.core import logs
from kiosk.core.flow import Screen

from .helpers import REPO


@pytest.mark.allow_errors(r"kiosk\.runtime: unhandled RuntimeError")
def test_an_error_in_a_screen_handler_logs_and_returns_to_the_start(qtbot, window, caplog) -> None:
    saved = sys.excepthook
    runtime.install_excepthook(window.recover)
    try:
        window.ctx.visit.flow.go(Screen.PRIVACY)
        qtbot.keyClicks(window.findChild(QLineEdit, "first_name"), "Zebedee")
        try:
            raise RuntimeError("boom with Zebedee in it")
        except RuntimeError as exc:  # what Qt hands to sys.excepthook for a failing slot
            with caplog.at_level(logging.ERROR, logger="kiosk.runtime"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = saved
    assert window.screen_id() == "attract"
    assert window.ctx.visit.session.first_name == ""
    (record,) = [r for r in caplog.records if r.name == "kiosk.runtime"]
    assert "unhandled RuntimeError; returning to the start screen" in record.getMessage()
    assert "Zebedee" not in record.getMessage()  # the message may quote what was typed
    window.ctx.visit.flow.go(Screen.PRIVACY)  # and the kiosk carries on
    assert window.findChild(QLineEdit, "first_name").text() == ""


def test_kiosk_mode_refuses_to_close(qtbot, window) -> None:
    window.kiosk_mode = True
    event = QCloseEvent()
    window.closeEvent(event)  # Alt+F4
    assert not event.isAccepted()
    assert window.isVisible()
    window.kiosk_mode = False


@contextmanager
def file_logging(folder: Path) -> Iterator[Path]:
    """``runtime.setup_file_logging(folder)`` for one test, undone after it."""
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        yield runtime.setup_file_logging(folder)
    finally:
        for handler in root.handlers[len(before) :]:
            root.removeHandler(handler)
            handler.close()
        faulthandler.disable()


def flush_all() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_file_log_and_crash_log(tmp_path: Path) -> None:
    with file_logging(tmp_path / "logs") as folder:
        logging.getLogger("kiosk.test").warning("screen consultation")
        flush_all()
        assert "kiosk.test: screen consultation" in (folder / "kiosk.log").read_text()
        assert (folder / "crash.log").exists()


MINUTE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"  # no seconds, no milliseconds


def test_log_lines_are_timed_to_the_minute(tmp_path: Path) -> None:
    """Set against an appointment book, a session's times to the second (or the
    millisecond, as before) could say who was at the kiosk."""
    with file_logging(tmp_path / "logs") as folder:
        logging.getLogger("kiosk.ui").warning("screen consultation")
        flush_all()
        line = (folder / "kiosk.log").read_text().splitlines()[-1]
    assert re.fullmatch(rf"{MINUTE} WARNING kiosk.ui: screen consultation", line)
    stream = io.StringIO()
    record = logging.LogRecord("kiosk.ui", logging.INFO, __file__, 1, "screen %s", ("done",), None)
    logs.stderr_handler(stream, environ={}).handle(record)  # standard error: the same
    assert re.fullmatch(rf"{MINUTE} INFO kiosk.ui: screen done\n", stream.getvalue())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_logs_are_private_even_when_an_older_version_left_them_open(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    folder.chmod(0o755)
    for name in ("kiosk.log", "kiosk.log.1", "crash.log"):
        (folder / name).write_text("older lines\n")
        (folder / name).chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        with file_logging(folder):
            logging.getLogger("kiosk.test").warning("after the upgrade")
            flush_all()
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            for name in ("kiosk.log", "kiosk.log.1", "crash.log"):
                assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
            (handler,) = [
                h for h in logging.getLogger().handlers if isinstance(h, RotatingFileHandler)
            ]
            handler.doRollover()  # a new kiosk.log, made under a 022 umask
            logging.getLogger("kiosk.test").warning("after the rollover")
            flush_all()
            assert stat.S_IMODE((folder / "kiosk.log").stat().st_mode) == 0o600
            assert "after the rollover" in (folder / "kiosk.log").read_text()
            assert "older lines" in (folder / "kiosk.log.1").read_text()
            assert stat.S_IMODE((folder / "kiosk.log.2").stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


@pytest.mark.skipif(sys.platform == "win32", reason="the systemd journal")
def test_the_journal_gets_no_session_lines(tmp_path: Path) -> None:
    """The journal stamps each line to the microsecond: a session's own lines stay in the
    kiosk's log (to the minute); warnings and the kiosk's start and stop still go there."""
    with (tmp_path / "journal").open("w+", encoding="utf-8") as journal:
        info = os.fstat(journal.fileno())
        environ = {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
        assert logs.is_journal(journal, environ)
        handler = logs.stderr_handler(journal, environ)
        lines = [
            ("kiosk.ui", logging.INFO, "screen summary"),
            ("kiosk.idle", logging.INFO, "idle timeout: session wiped"),
            ("kiosk.taps", logging.INFO, "start screen woken"),
            ("kiosk.jobs", logging.INFO, "print job 3: printed"),
            ("kiosk.jobs", logging.WARNING, "print job 4 failed: no paper"),
            ("kiosk.app", logging.INFO, "kiosk started"),
        ]
        for name, level, text in lines:
            handler.handle(logging.LogRecord(name, level, __file__, 1, text, None, None))
        handler.flush()
        journal.seek(0)
        said = journal.read()
    assert "screen summary" not in said and "idle timeout" not in said
    assert "woken" not in said and "job 3" not in said
    assert "print job 4 failed" in said and "kiosk started" in said
    # A terminal, a pipe to a parent, a file: not the journal, so everything is said.
    other = io.StringIO()
    assert not logs.is_journal(other, environ)
    assert not logs.is_journal(sys.stderr, {"JOURNAL_STREAM": "1:2"})
    assert not logs.is_journal(sys.stderr, {"JOURNAL_STREAM": "not:numbers"})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_wipes_and_quits_cleanly(tmp_path: Path, signum: int) -> None:
    """The real process, on Qt's offscreen platform: SIGTERM (the service manager) or SIGINT
    (Ctrl+C) ends it with exit 0 and a log line, not a traceback and not a silent death.
    (SIGHUP reloads: tests/test_reload.py.)"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    env["XDG_DATA_HOME"] = str(tmp_path)
    proc = _start(env)
    assert proc.stderr is not None
    proc.send_signal(signum)
    rest = proc.stderr.read()
    code = proc.wait(timeout=30)
    proc.stderr.close()
    assert code == 0, rest
    assert "kiosk stopped" in rest and "Traceback" not in rest, rest


@pytest.mark.parametrize("size", ["1920x1080", "1080x1920"])
def test_the_demo_previews_a_kiosk_display(tmp_path: Path, size: str) -> None:
    """``--size`` (``scripts/run-demo --size 1080x1920``) opens the window at a kiosk
    display's size, so the real layouts can be seen on a desktop; the start log says so."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    env["XDG_DATA_HOME"] = str(tmp_path)
    proc = _start(env, "--size", size)
    assert proc.stderr is not None
    said = []
    for line in proc.stderr:
        said.append(line)
        if "kiosk started" in line:
            break
    assert _stop(proc) == 0
    assert f"kiosk started (window {size}," in "".join(said), "".join(said)


@pytest.mark.parametrize(
    ("size", "why"),
    [("big", "is not WIDTHxHEIGHT"), ("1920x10", "each side must be 320 to 7680 pixels")],
)
def test_a_window_size_that_cannot_be_is_refused(capsys, size: str, why: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--size", size])
    assert exited.value.code == 2
    assert why in capsys.readouterr().err


def test_the_lock_is_per_user_and_private(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In XDG_RUNTIME_DIR when there is one; else a private folder named after the user."""
    runtime_home = tmp_path / "run"
    runtime_home.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime_home))
    folder = runtime.runtime_dir()
    assert folder == runtime_home / "botox-kiosk"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    folder = runtime.runtime_dir()
    if Path(f"/run/user/{os.getuid()}").is_dir():  # a login session's own folder
        assert folder == Path(f"/run/user/{os.getuid()}/botox-kiosk")
        return
    assert folder == tmp_path / f"botox-kiosk-{os.getuid()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o755)  # a loosened folder is made private again
    assert stat.S_IMODE(runtime.runtime_dir().stat().st_mode) == 0o700


def test_a_stale_lock_folder_of_another_user_is_refused(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if os.getuid() != 0:
        pytest.skip("needs root to make a folder that belongs to someone else")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    theirs = tmp_path / "botox-kiosk"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 12345, 12345)
    with pytest.raises(OSError, match="not this user's own folder"):
        runtime.runtime_dir()


def test_another_users_runtime_folder_is_not_used(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After `su` without `-`, XDG_RUNTIME_DIR may still name the first user's folder."""
    if os.getuid() != 0:
        pytest.skip("needs root to make a folder that belongs to someone else")
    theirs = tmp_path / "run-1000"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 12345, 12345)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(theirs))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    folder = runtime.runtime_dir()
    assert not folder.is_relative_to(theirs)
    assert folder.stat().st_uid == os.getuid()


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start the kiosk and return once it has painted its first screen; a child that ends
    first fails the test with what it said."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--windowed", *args],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    said = []
    for line in proc.stderr:
        said.append(line)
        if "first paint" in line:
            return proc
    pytest.fail(f"the kiosk ended (exit {proc.wait()}) before its first paint:\n{''.join(said)}")


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
    first = _start(env)  # the lock is in this test's own XDG_RUNTIME_DIR (conftest)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "kiosk", "--windowed"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1, second.stderr
        assert "already running" in second.stderr, second.stderr
    finally:
        assert _stop(first) == 0
    third = _start(env)  # the lock went with the first kiosk
    assert _stop(third) == 0


def private_modes(*roots: Path) -> dict[str, str]:
    """Every file and folder under ``roots`` that is not 0600 (files) or 0700 (folders)."""
    found = {}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            want = 0o700 if path.is_dir() else 0o600
            if stat.S_IMODE(path.stat().st_mode) != want:
                found[str(path)] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_everything_the_running_kiosk_writes_is_private(
    tmp_path: Path, _private_runtime_dir: Path
) -> None:
    """The real kiosk, started over a log folder an older version left open (0755, with a
    0644 log): its log folder, logs, crash log and lock are 0600 in 0700 folders."""
    logs_dir = tmp_path / "state" / "botox-kiosk" / "log"
    logs_dir.mkdir(parents=True)
    for folder in (logs_dir.parent, logs_dir):
        folder.chmod(0o755)
    (logs_dir / "kiosk.log").write_text("older lines\n")
    (logs_dir / "kiosk.log").chmod(0o644)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path / "state")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    kiosk = _start(env)
    try:
        assert kiosk.stderr is not None
        # its log file is set up after the first paint, then says "kiosk started" (on
        # standard error too): read up to there, no polling
        assert any("kiosk started" in line for line in kiosk.stderr), "it never started"
        assert (_private_runtime_dir / "botox-kiosk" / "botox-kiosk.lock").exists()
        assert private_modes(logs_dir, _private_runtime_dir / "botox-kiosk") == {}
    finally:
        assert _stop(kiosk) == 0
    assert "kiosk started" in (logs_dir / "kiosk.log").read_text()  # written in full by now
    assert private_modes(logs_dir) == {}
    assert sorted(p.name for p in logs_dir.iterdir()) == ["crash.log", "kiosk.log"]


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
