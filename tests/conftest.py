"""Shared fixtures and hooks (shared helpers live in ``tests/helpers.py``). Qt runs offscreen:
no display is needed for the unit and widget tests.

Two guards run around every test:

- **Unexpected warnings and errors fail it.** Qt's own warnings and criticals fail it through
  pytest-qt (``qt_log_level_fail = "WARNING"`` in pyproject.toml; a test that expects one says
  ``@pytest.mark.qt_log_ignore("regex")``). A ``logging`` record at ERROR or above fails it
  here, unless the test says ``@pytest.mark.allow_errors("regex", ...)``; the regexes are
  searched in ``"logger.name: message"``. The app routes Qt's messages into logging
  (``runtime.route_qt_messages``, logger ``kiosk.qt``); wherever that routing is on (a test that
  turns it on, every teardown, and the whole test when pytest-qt's capture is off, as under
  ``pytest -s``) a Qt warning arrives here as a ``kiosk.qt`` record and fails the same way,
  with the same ``qt_log_ignore`` regexes honoured.
- **Leaks are errors.** After the test (and its fixtures, and pytest-qt's closing of the
  widgets given to ``qtbot.addWidget``) and once deferred deletes ran, a top-level widget
  that the test made and left alive, or a ``QTimer`` it started (through ``QTimer.start``)
  that still runs, is reported as an error at teardown.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

import logging
import re
import shutil
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

from kiosk import app, resources, runtime
from kiosk.core.content import ContentPack
from kiosk.core.staff import Cost, hash_pin

from . import helpers

QT_LOGGER = "kiosk.qt"  # where runtime.route_qt_messages sends Qt's messages
#: helpers.KIOSK_PIN, hashed once, cheaply.
_KIOSK_PIN_HASH = hash_pin(
    helpers.KIOSK_PIN, cost=Cost(time_cost=1, memory_kib=1024, parallelism=1)
)


class _ErrorWatch(logging.Handler):
    """On the root logger for one test: keeps the records it did not expect."""

    def __init__(self, allowed: list[str], qt_ignored: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.allowed = [re.compile(p) for p in allowed]
        self.qt_ignored = [re.compile(p) for p in qt_ignored]
        self.unexpected: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        qt = record.name == QT_LOGGER
        if record.levelno < logging.ERROR and not qt:
            return
        line = f"{record.name}: {record.getMessage()}"
        allowed = self.allowed + self.qt_ignored if qt else self.allowed
        if not any(p.search(line) for p in allowed):
            self.unexpected.append(record)

    def check(self, when: str) -> None:
        found, self.unexpected = self.unexpected, []
        if found:
            lines = "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in found)
            pytest.fail(
                f"unexpected log records {when} (a test that expects them says "
                f"@pytest.mark.allow_errors(regex)):\n{lines}",
                pytrace=False,
            )


_WATCH = pytest.StashKey[_ErrorWatch]()


def _allowed_errors(item: pytest.Item) -> list[str]:
    return [str(a) for m in item.iter_markers("allow_errors") for a in m.args]


@contextmanager
def _qt_messages_into_logging(item: pytest.Item) -> Iterator[None]:
    """Qt's messages go into logging as the app sends them, then back where they went."""
    if item.get_closest_marker("no_qt_log") is not None:
        yield
        return
    previous = qInstallMessageHandler(None)
    runtime.route_qt_messages()
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _pytest_qt_captures(item: pytest.Item) -> bool:
    return item.config.pluginmanager.has_plugin("_qt_logging")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first: ``scripts/test`` runs pytest-xdist with work stealing,
    so an idle worker takes the queued tests of one busy with a long test; a long test
    started last would leave the other workers idle at the end.

    CI runs the suite on the oldest and on the newest Python; the second run
    (``KIOSK_SECOND_PYTHON=1``) leaves out the tests marked ``one_python``, whose result
    does not depend on the Python version, to keep CI within its time."""
    if os.environ.get("KIOSK_SECOND_PYTHON") == "1":
        once = [item for item in items if item.get_closest_marker("one_python") is not None]
        if once:
            config.hook.pytest_deselected(items=once)
            items[:] = [item for item in items if item.get_closest_marker("one_python") is None]
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    if _pytest_qt_captures(item):
        return (yield)
    with _qt_messages_into_logging(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test (not only its teardown) on what it logged unexpectedly."""
    watch = item.stash.get(_WATCH, None)
    try:
        if _pytest_qt_captures(item):
            result = yield
        else:
            with _qt_messages_into_logging(item):
                result = yield
    except BaseException:
        if watch is not None:
            watch.unexpected.clear()  # the test failed anyway; its captured log shows them
        raise
    if watch is not None:
        watch.check("during the test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """pytest-qt captures Qt's messages only up to the end of the test itself."""
    with _qt_messages_into_logging(item):
        return (yield)


@pytest.fixture(autouse=True)
def _no_unexpected_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test on a logged error (or a Qt warning routed into logging) it did not expect."""
    item = request.node
    ignore = item.get_closest_marker("qt_log_ignore")  # read as pytest-qt reads it
    qt_ignored = [str(a) for a in ignore.args] if ignore is not None else []
    if ignore is None or ignore.kwargs.get("extend", True):
        qt_ignored += list(request.config.getini("qt_log_ignore"))
    watch = _ErrorWatch(_allowed_errors(item), qt_ignored)
    item.stash[_WATCH] = watch
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield
    finally:
        root.removeHandler(watch)
        del item.stash[_WATCH]
    watch.check("at teardown")


def _describe(obj: QWidget | QTimer) -> str:
    name = obj.objectName() or type(obj).__name__
    parent = obj.parent()
    while parent is not None and not parent.objectName():
        parent = parent.parent()
    return f"{name} in {parent.objectName()}" if parent is not None else name


@pytest.fixture(autouse=True)
def _no_leaks(qapp: QApplication) -> Iterator[None]:
    """Report as an error a top-level widget the test left alive or a timer it left running,
    then close and delete them, so that the next test starts clean and is not blamed."""
    before = {shiboken6.getCppPointer(w)[0] for w in QApplication.topLevelWidgets()}
    started: list[weakref.ref[QTimer]] = []
    start = QTimer.start

    def tracked_start(timer: QTimer, *args: object) -> None:
        started.append(weakref.ref(timer))
        start(timer, *args)  # type: ignore[arg-type]

    QTimer.start = tracked_start  # type: ignore[method-assign]
    try:
        yield
    finally:
        QTimer.start = start  # type: ignore[method-assign]
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    widgets = [
        w for w in QApplication.topLevelWidgets() if shiboken6.getCppPointer(w)[0] not in before
    ]
    timers = {
        id(t): t
        for ref in started
        if (t := ref()) is not None and shiboken6.isValid(t) and t.isActive()
    }
    problems = [f"  widget {_describe(w)} (visible: {w.isVisible()})" for w in widgets]
    problems += [f"  timer {_describe(t)} ({t.interval()} ms)" for t in timers.values()]
    for timer in timers.values():
        timer.stop()
    for widget in widgets:
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if problems:
        pytest.fail("left alive after the test:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The kiosk's data folder ({data}: demo prints, outbox) lives in a fresh temp folder."""
    data = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_STATE_HOME", str(data))  # logs too
    folder = data / "botox-kiosk"
    folder.mkdir()
    # a staff PIN (KIOSK_PIN) where configs look by default, so fullscreen configs pass
    (folder / "staff-pin").write_text(_KIOSK_PIN_HASH + "\n", encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path_factory, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The user's run-time folder (the single-instance lock) is the test's own, so a kiosk
    left running on this machine, or another test, never holds the lock a test needs."""
    folder = tmp_path_factory.mktemp("xdg-runtime")
    folder.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    """A private certificate authority for the mail servers of the email tests."""
    import trustme

    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """That authority's certificate as a PEM file, for [email] ca_file."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def pack() -> ContentPack:
    return app.load().packs["en"]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config file into tmp_path and return its path."""

    def write(body: str, name: str = "kiosk.toml") -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the built-in content packs that a test may break."""
    dest = tmp_path / "content"
    shutil.copytree(resources.content_dir(), dest)
    return dest


@pytest.fixture
def window(qtbot, request) -> Iterator[app.MainWindow]:  # type: ignore[no-untyped-def]
    """The kiosk window built by the composition root, shown at 1920x1080."""
    marker = request.node.get_closest_marker("config")
    config = None
    if marker is not None:
        config = Path(request.getfixturevalue("tmp_path")) / "kiosk.toml"
        config.write_text(marker.args[0], encoding="utf-8")
    win = app.build_window(config)
    qtbot.addWidget(win)
    win.resize(*app.LANDSCAPE)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def clock(qtbot, window) -> helpers.FakeClock:  # type: ignore[no-untyped-def]
    """The window after its first paint (filter, staff tools, every screen), with a tap
    clock that moves only when the test says so (``helpers.LATER`` is past the guard)."""
    helpers.settle(qtbot, window)
    fake = helpers.FakeClock()
    window.taps.clock = fake
    return fake


@pytest.fixture(autouse=True, scope="session")
def _one_qapplication(qapp):  # type: ignore[no-untyped-def]
    """Make pytest-qt's QApplication first, before any code under test makes a lesser one."""
    return qapp
