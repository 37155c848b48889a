"""Printing the summary: silently, off the UI thread, to a real CUPS queue in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.core.flow import Screen
from kiosk.core.jobs import JobEvent, Kind
from kiosk.services.jobs import ChildJobs, SummaryJobs

from . import helpers
from .helpers import DEMO_CLINIC, run_kiosk, settle

QUEUE = os.environ.get("KIOSK_TEST_PRINTER", "KioskPDF")
CUPS_CONFIG = DEMO_CLINIC + f'[print]\nprinter = "{QUEUE}"\nlocation = "reception desk 2"\n'


def completed_jobs() -> set[str]:
    out = subprocess.run(
        ["lpstat", "-W", "completed", "-o", QUEUE], capture_output=True, text=True, check=False
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.fixture
def cups() -> str:
    """The cups-pdf queue that .ci/run sets up; KIOSK_REQUIRE_CUPS=1 turns a skip into a failure."""
    ready = shutil.which("lpstat") is not None and (
        subprocess.run(["lpstat", "-p", QUEUE], capture_output=True, check=False).returncode == 0
    )
    if not ready:
        message = f"no CUPS server with a {QUEUE!r} queue (see .ci/run)"
        if os.environ.get("KIOSK_REQUIRE_CUPS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return QUEUE


def to_summary(window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.visit.session.first_name = "Ana"
    window.ctx.visit.session.toggle_area("frown_lines")
    while window.ctx.visit.step is not Screen.SUMMARY:
        window.ctx.visit.flow.next()
        # as between a patient's taps: each screen is laid out and painted before the next
        # (a timed test must not time six screens' pending polish with its job)
        QApplication.processEvents()
    assert window.screen_id() == "summary"


def status(window) -> str:  # type: ignore[no-untyped-def]
    """What the Print card says became of the print (in the card the patient tapped)."""
    return window.findChild(QLabel, "summary_print_state").text()


def test_demo_clinic_prints_to_a_pdf_folder(qtbot, window, _private_data_dir: Path) -> None:
    to_summary(window)
    button = window.findChild(QAbstractButton, "summary_print")
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000) as done:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert status(window) == "Printing your summary…"
        assert not button.isEnabled()
    assert done.args[1].kind is Kind.PRINTED
    assert status(window) == "Your summary is printing. Please collect it from the front desk."
    (pdf,) = (_private_data_dir / "prints").glob("summary-*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert button.isEnabled()


@pytest.mark.config(DEMO_CLINIC + '[print]\nprinter = "NoSuchPrinter"\n')
def test_missing_printer_is_not_offered_and_the_patient_has_a_way_on(qtbot, window) -> None:
    to_summary(window)
    check = window.ctx.printer_check
    qtbot.waitUntil(lambda: check.ready is False, timeout=20000)  # asked as the session began
    assert "NoSuchPrinter" in check.describe() and "missing" in check.describe()
    button = window.findChild(QAbstractButton, "summary_print")
    assert status(window) == (
        "Sorry, the printer is not working right now. Please ask at the front desk for a copy."
    )
    assert not button.isEnabled()
    button.click()
    assert not window.ctx.printer.busy()  # nothing was sent
    assert window.nav_next.isEnabled()  # Finish still works: never a dead end
    window.nav_next.click()
    assert window.screen_id() == "done"


@pytest.fixture
def jammed(tmp_path: Path) -> tuple[list[str], Path]:
    """A print-job command that holds the job until the test writes to a pipe."""
    fifo = tmp_path / "release"
    os.mkfifo(fifo)
    script = "import sys; sys.stdin.buffer.read(); open(sys.argv[1]).read(); print(sys.argv[2])"
    printed = JobEvent(Kind.PRINTED, detail="jammed test printer").to_line()
    return [sys.executable, "-c", script, str(fifo), printed], fifo


def release(fifo: Path) -> None:
    """Let the jammed job go. From a thread: opening the pipe blocks until the child opens
    it, and the child first needs the event loop to deliver its standard input."""

    def write() -> None:
        with fifo.open("w") as fh:
            fh.write("go")

    threading.Thread(target=write, daemon=True).start()


def test_screen_keeps_responding_while_the_printer_is_busy(qtbot, window, jammed) -> None:
    command, fifo = jammed
    window.ctx.make_printer = lambda: SummaryJobs(command)
    to_summary(window)
    window.findChild(QAbstractButton, "summary_print").click()
    assert window.ctx.printer.busy()
    # the event loop runs: the patient can go back and forth while the job is stuck
    window.nav_back.click()
    assert window.screen_id() == "side_effects"
    window.nav_next.click()
    assert status(window) == "Printing your summary…"
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000) as done:
        release(fifo)
    assert done.args == [1, JobEvent(Kind.PRINTED, detail="jammed test printer")]
    assert status(window).startswith("Your summary is printing.")


def test_a_late_copy_counts_after_the_screens_are_rebuilt(qtbot, window, jammed) -> None:
    """The visit hears the print job, not the summary screen: a copy that comes out after
    the patient finished counts even when the screens were rebuilt meanwhile."""
    command, fifo = jammed
    window.ctx.make_printer = lambda: SummaryJobs(command)
    qtbot.waitUntil(lambda: window.ctx.visit.counters is not None, timeout=10000)
    to_summary(window)
    window.findChild(QAbstractButton, "summary_print").click()
    window.ctx.visit.next()  # finished, the copy still printing
    window.recover()  # every screen is rebuilt (as after a language change)
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000):
        release(fifo)
    assert window.ctx.visit.counters.day()["print_jobs"] == 1
    assert window.ctx.visit.counters.day()["outcome"]["print"] == 1


def test_a_job_finishing_after_a_reset_says_nothing(qtbot, window, jammed) -> None:
    command, fifo = jammed
    window.ctx.make_printer = lambda: SummaryJobs(command)
    to_summary(window)
    window.findChild(QAbstractButton, "summary_print").click()
    window.ctx.visit.flow.reset()  # the patient walked away; the session is wiped
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000):
        release(fifo)
    assert status(window) == ""
    assert window.page(Screen.SUMMARY).print_button.isEnabled()


def test_a_hung_print_job_times_out(qtbot, jammed) -> None:
    command, _ = jammed
    jobs = ChildJobs(command, timeout_ms=300)
    with qtbot.waitSignal(jobs.finished, timeout=20000) as done:
        jobs.submit("<p>x</p>")
    assert done.args == [1, False, "no answer in 0.3 s"]
    assert not jobs.busy()
    jobs.shutdown()


def test_jobs_run_one_after_another(qtbot, tmp_path: Path) -> None:
    script = "import sys; data = sys.stdin.buffer.read(); print(len(data))"
    jobs = ChildJobs([sys.executable, "-c", script])
    results = []
    jobs.finished.connect(lambda *args: results.append(args))
    jobs.submit("a" * 10)
    jobs.submit("b" * 20)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=20000)
    assert results == [(1, True, "10"), (2, True, "20")]
    jobs.shutdown()


@pytest.mark.qt_log_ignore("QProcess: Destroyed while process")  # Qt kills it, and says so
def test_jobs_deleted_while_a_job_runs_end_quietly(qtbot, jammed) -> None:
    """The service's owner goes (the window closes, a reload's retired service is dropped)
    while a child still runs: Qt kills it and says so from inside the process's destructor;
    that must not reach a process already deleted (an exception in the Qt event loop)."""
    command, _ = jammed
    owner = QObject()
    jobs = ChildJobs(command, timeout_ms=20000)
    jobs.setParent(owner)
    started = []
    jobs.line.connect(lambda *args: started.append(args))
    jobs.submit("<p>x</p>")
    qtbot.waitUntil(lambda: jobs._current is not None and jobs._current[1].processId() > 0)
    proc = jobs._current[1]
    with qtbot.waitSignal(owner.destroyed, timeout=5000):
        owner.deleteLater()  # pytest-qt fails the test on an exception in the event loop
    assert not shiboken6.isValid(proc)


@pytest.mark.config(CUPS_CONFIG)
def test_print_from_summary_completes_as_a_cups_job(qtbot, window, cups) -> None:
    before = completed_jobs()
    settle(qtbot, window)
    to_summary(window)
    # the looks at the printer (as the session began, at the summary) have answered: timed
    # here is the print alone, not their child processes' share of the machine's two cores
    qtbot.waitUntil(lambda: not window.ctx.printer_check.busy(), timeout=20000)
    assert window.ctx.printer_check.ready is True
    with (
        helpers.loop_gaps() as gaps,
        qtbot.waitSignal(window.ctx.printer.reported, timeout=30000) as done,
    ):
        window.findChild(QAbstractButton, "summary_print").click()
    assert [done.args[1].kind, done.args[1].detail] == [Kind.PRINTED, QUEUE]
    assert status(window) == "Your summary is printing. Please collect it from reception desk 2."
    qtbot.waitUntil(lambda: bool(completed_jobs() - before), timeout=60000)
    # the UI thread never stalled while the job was laid out and sent
    assert len(gaps) > 10 and max(gaps) < 50, f"event loop stalled {max(gaps):.0f} ms"


def test_print_test_command_completes_as_a_cups_job(qtbot, cups, write_config) -> None:
    before = completed_jobs()
    config = write_config(CUPS_CONFIG)
    result = run_kiosk("print-test", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Test page sent to {QUEUE}."
    qtbot.waitUntil(lambda: bool(completed_jobs() - before), timeout=60000)


def test_print_test_with_no_such_printer_exits_1(write_config) -> None:
    config = write_config(DEMO_CLINIC + '[print]\nprinter = "NoSuchPrinter"\n')
    result = run_kiosk("print-test", "--config", str(config))
    assert result.returncode == 1
    assert "print-test: failed: no printer named 'NoSuchPrinter'" in result.stderr
    assert "Traceback" not in result.stderr
