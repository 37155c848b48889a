"""The suite's own guards (``conftest.py``) fail what they promise to fail: a test run inside
this one (pytester) with the real conftest and the real pytest settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication

from .helpers import REPO

HERE = Path(__file__).resolve().parent

INNER = """
import logging

import pytest
from PySide6.QtCore import QTimer, qCritical, qWarning
from PySide6.QtWidgets import QApplication, QWidget

from kiosk import runtime

KEEP = []


def test_clean(qtbot):
    window = QWidget()
    qtbot.addWidget(window)  # pytest-qt closes and deletes it, and its running timer with it
    window.show()
    QTimer(window).start(60_000)
    logging.getLogger("kiosk.inner").warning("a warning is not an error")


def test_logs_an_error():
    logging.getLogger("kiosk.inner").error("the printer caught fire")


@pytest.mark.allow_errors("printer caught fire")
def test_expects_the_error():
    logging.getLogger("kiosk.inner").critical("the printer caught fire")


def test_qt_warns():
    qWarning("a Qt warning nobody expected")


@pytest.mark.qt_log_ignore("nobody expected")
def test_expects_the_qt_warning():
    qWarning("a Qt warning nobody expected")


def test_qt_warns_through_the_apps_routing():
    runtime.route_qt_messages()  # as the app does at start: Qt's messages into logging
    qCritical("a routed Qt critical")


def test_leaves_a_window_open():
    window = QWidget()
    window.setObjectName("leaky_window")
    window.show()
    KEEP.append(window)


def test_leaves_a_closed_window_alive():
    window = QWidget()
    window.setObjectName("leaky_hidden_window")
    KEEP.append(window)


def test_leaves_a_timer_running():
    timer = QTimer(QApplication.instance())
    timer.setObjectName("leaky_timer")
    timer.start(60_000)
"""


@pytest.fixture
def guarded(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder laid out as tests/ is (a package: the conftest imports its
    helpers), with the suite's conftest, helpers, pytest settings and INNER."""
    pytester.makepyfile(__init__="")
    pytester.makepyfile(helpers=(HERE / "helpers.py").read_text(encoding="utf-8"))
    pytester.makeconftest((HERE / "conftest.py").read_text(encoding="utf-8"))
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    ini = dict(settings["tool"]["pytest"]["ini_options"])
    ini.pop("testpaths")
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml(value)}" for key, value in ini.items()]
    pytester.makepyprojecttoml("\n".join(lines))
    pytester.makepyfile(test_inner=INNER)
    return pytester


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _delete_the_stopped_timer() -> None:
    """The inner guard stops the timer and deletes the widgets it reports (this test's own
    guard checks that); the stopped timer, a child of the application, is deleted here."""
    for timer in QApplication.instance().findChildren(QTimer, "leaky_timer"):
        timer.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _outcomes(result: pytest.RunResult) -> dict[str, str]:
    """Each inner test's outcome as the -rA summary reports it ("ERROR" for a teardown)."""
    found: dict[str, str] = {}
    for line in result.outlines:
        match = re.match(r"(PASSED|FAILED|ERROR) test_inner\.py::(\w+)", line)
        if match:
            found[match[2]] = found.get(match[2], "") + match[1]
    return found


# The inner tests log these on purpose; they reach this test's root logger too.
INNER_RECORDS = r"kiosk\.inner: the printer caught fire|kiosk\.qt: a (routed )?Qt"


@pytest.mark.allow_errors(INNER_RECORDS)
@pytest.mark.parametrize("capture", ["captured", "not captured (-s)"])
def test_the_guards_fail_what_they_should(guarded: pytest.Pytester, capture: str) -> None:
    args = ["-rA", "-p", "no:randomly", "-p", "no:cacheprovider"]
    if capture != "captured":
        args.append("-s")  # pytest-qt's own Qt capture is off: the routing into logging is on
    try:
        result = guarded.runpytest_inprocess(*args)
    finally:
        _delete_the_stopped_timer()
    assert _outcomes(result) == {
        "test_clean": "PASSED",
        "test_logs_an_error": "FAILED",
        "test_expects_the_error": "PASSED",
        "test_qt_warns": "FAILED",
        "test_expects_the_qt_warning": "PASSED",
        "test_qt_warns_through_the_apps_routing": "FAILED",
        "test_leaves_a_window_open": "PASSEDERROR",
        "test_leaves_a_closed_window_alive": "PASSEDERROR",
        "test_leaves_a_timer_running": "PASSEDERROR",
    }, result.stdout.str()
    qt_warning = (  # pytest-qt's own failure, or the warning as it comes through logging
        "*Qt messages with level WARNING or above emitted*"
        if capture == "captured"
        else "*WARNING kiosk.qt: a Qt warning nobody expected"
    )
    result.stdout.fnmatch_lines_random(
        [
            "*unexpected log records during the test*",
            "*ERROR kiosk.inner: the printer caught fire",
            qt_warning,
            "*ERROR kiosk.qt: a routed Qt critical",
            "*left alive after the test:",
            "*widget leaky_window (visible: True)",
            "*widget leaky_hidden_window (visible: False)",
            "*timer leaky_timer (60000 ms)",
        ]
    )


def test_no_test_imports_from_conftest() -> None:
    """Shared helpers live in tests/helpers.py; conftest holds only fixtures and hooks."""
    pattern = re.compile(r"^\s*(from\s+(\.|tests\.)?conftest\s+import|import\s+(tests\.)?conftest)")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("tests", "benchmarks", "scripts")
        for path in sorted((REPO / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.match(line)
    ]
    assert offenders == []
