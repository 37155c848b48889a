"""Printing tells the truth and leaves nothing behind, against a real CUPS server.

Each test makes its own queue (a unique name, deleted after) and breaks it the way a clinic's
printer breaks: rejecting jobs (``cupsreject``), disabled (``cupsdisable``), its device
unreachable, a job held. Print jobs are real child processes, one killed with SIGKILL half-way.
``KIOSK_REQUIRE_CUPS=1`` (CI) turns a skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QAbstractButton, QLabel

from kiosk import app

try:
    import cups  # pycups: a dependency on Linux
except ImportError:
    cups = None
from kiosk.core.flow import Screen
from kiosk.core.jobs import JobEvent, Kind, Reason, SummaryRequest
from kiosk.core.printer import PrinterStatus, State
from kiosk.core.visit import Visit
from kiosk.services import printing

from .helpers import DEMO_CLINIC, REPO, run_kiosk

PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
#: A name no summary, template or font holds: found in a file, it is the patient's.
PATIENT = "Quillonbey"


def need(what: str) -> None:
    message = f"{what} (see .ci/run)"
    if os.environ.get("KIOSK_REQUIRE_CUPS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def lp(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def job_ids(queue: str) -> list[int]:
    conn = printing.CupsPrinter(queue, "A4").connect()
    jobs = conn.getJobs(which_jobs="not-completed", requested_attributes=["job-printer-uri"])
    return [job for job, attrs in jobs.items() if attrs["job-printer-uri"].endswith(f"/{queue}")]


@pytest.fixture
def make_queue() -> Iterator:  # type: ignore[type-arg]
    """``make_queue(device="cups-pdf:/", *lpadmin options)``: a new CUPS queue, removed after."""
    if (
        shutil.which("lpadmin") is None
        or subprocess.run(["lpstat", "-r"], capture_output=True, check=False).returncode
    ):
        need("no CUPS server running here")
    if cups is None:
        need("pycups is not installed")
    made: list[str] = []

    def make(device: str = "cups-pdf:/", *options: str) -> str:
        name = f"KioskTest_{uuid.uuid4().hex[:10]}"
        model = ["-m", PPD] if device.startswith("cups-pdf") else []
        result = subprocess.run(
            ["lpadmin", "-p", name, "-E", "-v", device, *model, *options],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            need(f"cannot add a CUPS queue: {result.stderr.strip()}")
        made.append(name)
        return name

    yield make
    for name in made:
        subprocess.run(["cancel", "-a", "-x", name], capture_output=True, check=False)
        subprocess.run(["lpadmin", "-x", name], capture_output=True, check=False)


def config_for(write_config, queue: str) -> Path:  # type: ignore[no-untyped-def]
    return write_config(DEMO_CLINIC + f'[print]\nprinter = "{queue}"\n')


def request() -> str:
    return SummaryRequest({"language": "en", "first_name": PATIENT}).encode().decode()


def print_job(config: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_kiosk("print-job", "--config", str(config), input_text=request(), env=env)


def last_event(stdout: str) -> JobEvent | None:
    lines = stdout.strip().splitlines()
    return JobEvent.from_line(lines[-1]) if lines else None


def status_of(config: Path) -> PrinterStatus:
    result = run_kiosk("printer-status", "--config", str(config))
    assert result.returncode == 0, result.stderr
    status = PrinterStatus.from_line(result.stdout.strip().splitlines()[-1])
    assert status is not None, result.stdout
    return status


# --- refused before anything is sent -----------------------------------------------------------
def test_a_rejecting_queue_is_a_failure_and_shown(make_queue, write_config) -> None:
    queue = make_queue()
    lp("cupsreject", queue)
    config = config_for(write_config, queue)
    result = print_job(config)
    assert result.returncode == 1
    event = last_event(result.stdout)
    assert event is not None and (event.kind, event.reason) == (Kind.FAILED, Reason.PRINTER)
    assert f"printer '{queue}' refuses new jobs (rejecting)" in event.detail
    assert result.stderr.strip().splitlines()[-1] == f"print-job: {event.detail}"
    assert "Traceback" not in result.stderr
    assert job_ids(queue) == []
    status = status_of(config)
    assert (status.state, status.accepting, status.ready) == (State.IDLE, False, False)
    assert status.describe() == f"{queue}: idle, NOT accepting jobs: Rejecting Jobs"
    doctor = run_kiosk("doctor", "--config", str(config))
    assert doctor.returncode == 1 and f"sudo cupsaccept {queue}" in doctor.stderr


def test_a_disabled_queue_is_a_failure_and_shown(make_queue, write_config) -> None:
    queue = make_queue()
    lp("cupsdisable", queue)
    config = config_for(write_config, queue)
    result = run_kiosk("print-test", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"print-test: failed: printer '{queue}' is stopped (disabled) (paused)"
    )
    result = print_job(config)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    event = last_event(result.stdout)
    assert event is not None and event.kind is Kind.FAILED
    assert job_ids(queue) == []  # nothing waits in the queue to come out later
    status = status_of(config)
    assert (status.state, status.accepting, status.ready) == (State.STOPPED, True, False)
    assert status.describe() == f"{queue}: stopped, accepting jobs (paused): Paused"


# --- followed after it was sent ------------------------------------------------------------------
def submit(queue: str, **options: str) -> tuple[printing.CupsPrinter, object, int]:
    """A job on ``queue`` as the kiosk sends it, with the test's own options."""
    printer = printing.CupsPrinter(queue, "A4", confirm_s=10, poll_s=0.02)
    conn = printer.connect()
    job = conn.createJob(queue, "test", options)
    conn.startDocument(queue, job, printing.DOCUMENT_NAME, "application/pdf", 1)
    data = b"%PDF-1.4\n%%EOF\n"  # never printed: held, or on a stopped queue
    conn.writeRequestData(data, len(data))
    conn.finishDocument(queue)
    return printer, conn, job


def cancelled(conn, job: int) -> bool:  # type: ignore[no-untyped-def]
    """The job was cancelled, or purged (its record and document gone from CUPS)."""
    try:
        attrs = conn.getJobAttributes(job, requested_attributes=["job-state"])
    except cups.IPPError:
        return True
    return int(attrs["job-state"]) == 7


def test_a_held_job_is_a_failure_and_is_cancelled(make_queue) -> None:
    queue = make_queue()
    printer, conn, job = submit(queue, **{"job-hold-until": "indefinite"})
    with pytest.raises(printing.PrintError, match=rf"printer '{queue}': job {job} held"):
        printer.follow(conn, queue, job)
    assert cancelled(conn, job)  # it will not come out later, for the next patient


def test_a_job_on_a_queue_stopped_after_it_was_sent_is_a_failure(make_queue) -> None:
    queue = make_queue()
    lp("cupsdisable", queue)  # a disabled queue still takes jobs: they wait
    printer, conn, job = submit(queue)
    with pytest.raises(printing.PrintError, match="the printer is stopped"):
        printer.follow(conn, queue, job)
    assert cancelled(conn, job)


def test_an_unreachable_printer_is_a_failure_not_a_printout(qapp, make_queue) -> None:
    # A port bound but not listening: connections to it are refused, and no one else gets it.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        queue = make_queue(f"socket://127.0.0.1:{closed.getsockname()[1]}")
        printer = printing.CupsPrinter(queue, "A4", confirm_s=1.0, poll_s=0.05)
        with pytest.raises(printing.PrintError, match=r"not printed within 1 s \(still processing"):
            printer.print_html(f"<p>{PATIENT}</p>", title="test", footer="")
    assert job_ids(queue) == []  # cancelled, and its document purged


# --- no patient data on disk ---------------------------------------------------------------------
def holds_name(path: Path) -> bool:
    """The file holds the patient's name: as bytes, or as the text of a PDF (whose text is
    compressed, so a plain search would miss it)."""
    data = path.read_bytes()
    if PATIENT.encode() in data or PATIENT.encode("utf-16-be") in data:
        return True
    if data.startswith(b"%PDF"):
        try:
            return any(PATIENT in (p.extract_text() or "") for p in PdfReader(path).pages)
        except Exception:  # a half-written PDF: count it as patient data
            return True
    return False


def recent_and_holds_name(path: Path, since: float) -> bool:
    """For a busy folder (CUPS's spool): files come and go while it is read."""
    try:
        return path.stat().st_mtime >= since and holds_name(path)
    except FileNotFoundError:
        return False


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_the_name_search_finds_a_summary_pdf(tmp_path: Path, write_config) -> None:
    """The search below would see a summary left on disk (a PDF's text is compressed)."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"language": "en", "first_name": PATIENT}))
    out = tmp_path / "out.pdf"
    assert run_kiosk("render-summary", str(answers), "--out", str(out)).returncode == 0
    assert PATIENT.encode() not in out.read_bytes()  # not as plain bytes...
    assert holds_name(out)  # ...but found all the same


def wait_for_reader(fifo: Path, child: subprocess.Popen[bytes], timeout_s: float = 60) -> int:
    """Open the FIFO for writing once the child has opened it to read: it is then inside its
    job, the document streamed and not finished. Returns the write end. (Opening a FIFO's
    write end waits for its reader: on a thread, so a child that never gets there fails
    the test after ``timeout_s`` instead of hanging it.)"""
    opened: list[int] = []
    opener = threading.Thread(target=lambda: opened.append(os.open(fifo, os.O_WRONLY)))
    opener.daemon = True
    opener.start()
    opener.join(timeout_s)
    if not opened:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # lets the opener go
        raise AssertionError(
            "the print job never reached its gate: "
            + (child.stderr.read().decode() if child.poll() is not None and child.stderr else "")
        )
    return opened[0]


def incoming(queue: str, *, after: int) -> list[int]:
    """The jobs on ``queue`` after job ``after`` whose document is still coming (CUPS does
    not list them with the others)."""
    conn = cups.Connection()
    found = []
    for job in range(after + 1, after + 200):
        try:
            attrs = conn.getJobAttributes(job, requested_attributes=["job-printer-uri"])
        except cups.IPPError:
            continue
        if attrs["job-printer-uri"].endswith(f"/{queue}"):
            found.append(job)
    return found


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_print_job_killed_mid_job_leaves_no_patient_data(
    tmp_path: Path, make_queue, write_config, signum: int
) -> None:
    """Killed (SIGKILL) or stopped as the kiosk stops a job (SIGTERM: a walk-away, a staff
    reset, a timeout), half-way through sending: nothing with the name on disk; and when
    stopped, the CUPS job is cancelled, so it never comes out later for no one."""
    queue = make_queue()
    config = config_for(write_config, queue)
    tmpdir, rundir = tmp_path / "tmp", tmp_path / "run"
    tmpdir.mkdir()
    rundir.mkdir(mode=0o700)
    fifo = tmp_path / "gate"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "XDG_RUNTIME_DIR": str(rundir),
        printing.GATE_ENV: str(fifo),
        "QT_QPA_PLATFORM": "offscreen",
    }
    started = time.time()
    last_job = max(cups.Connection().getJobs(which_jobs="all"), default=0)
    child = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "print-job", "--config", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    assert child.stdin is not None
    child.stdin.write(request().encode())
    child.stdin.close()
    try:
        gate = wait_for_reader(fifo, child)
        (job,) = incoming(queue, after=last_job)  # the job is at CUPS, half-sent
        child.send_signal(signum)
        if signum == signal.SIGKILL:
            assert child.wait(timeout=30) == -signal.SIGKILL
        else:
            assert child.wait(timeout=30) == 128 + signal.SIGTERM
            assert cancelled(cups.Connection(), job)
        os.close(gate)
    finally:
        child.kill()
        child.wait()
        for pipe in (child.stdout, child.stderr):
            assert pipe is not None
            pipe.close()
        child.stdout and child.stdout.close()
        child.stderr and child.stderr.close()
    left = [p for p in files_in(tmpdir) + files_in(rundir) if holds_name(p)]
    assert left == []
    assert files_in(tmpdir) == []  # nothing at all: no PDF, no spool file of Qt's
    spool = Path("/var/spool/cups")
    if os.access(spool, os.R_OK | os.X_OK):  # as root (CI): CUPS kept no document either
        assert [p for p in files_in(spool) if recent_and_holds_name(p, started - 1)] == []
        assert not (spool / f"d{job:05d}-001").exists()


# --- what staff and the patient see ------------------------------------------------------------
def test_the_kiosk_does_not_offer_print_on_a_rejecting_queue(
    qtbot, make_queue, write_config
) -> None:
    queue = make_queue()
    lp("cupsreject", queue)
    win = app.build_window(config_for(write_config, queue))
    qtbot.addWidget(win)
    win.resize(*app.LANDSCAPE)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.staff is not None, timeout=10000)
        visit = win.ctx.visit
        visit.start()  # a session starts: the printer is asked now, before the summary
        check = win.ctx.printer_check
        qtbot.waitUntil(lambda: check.ready is False, timeout=20000)
        while visit.step.value != "summary":
            visit.next()
        card = win.findChild(QAbstractButton, "summary_print")
        assert not card.isEnabled()
        assert win.findChild(QLabel, "summary_print_state").text() == (
            "Sorry, the printer is not working right now. Please ask at the front desk for a copy."
        )
        printer_line = next(
            line
            for line in win.staff.panel.staff_actions.summary().splitlines()
            if line.startswith("Printer: ")
        )
        assert printer_line.startswith(
            f"Printer: {queue}: idle, NOT accepting jobs: Rejecting Jobs (checked "
        )
        # accepting again: the next look offers Print again
        lp("cupsaccept", queue)
        win.ctx.check_printer()
        qtbot.waitUntil(card.isEnabled, timeout=20000)
        assert win.findChild(QLabel, "summary_print_state").text() == ""
    finally:
        win.close()


# --- the setup ---------------------------------------------------------------------------------
def test_doctor_reports_the_error_policy_and_kept_job_files(make_queue, write_config) -> None:
    queue = make_queue("cups-pdf:/", "-o", "printer-error-policy=stop-printer")
    config = config_for(write_config, queue)
    settings = subprocess.run(["cupsctl"], capture_output=True, text=True, check=True).stdout
    keeps = "PreserveJobFiles=No" not in settings.splitlines()
    result = run_kiosk("doctor", "--config", str(config))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        f"doctor: fix: printer '{queue}': error policy is stop-printer, so one failed job can "
        f"stop printing for the day: sudo lpadmin -p {queue} -o printer-error-policy=retry-job"
    ) in result.stderr.splitlines()
    assert ("PreserveJobFiles" in result.stderr) is keeps
    lp("lpadmin", "-p", queue, "-o", "printer-error-policy=retry-job")  # as doctor says
    result = run_kiosk("doctor", "--config", str(config))
    assert f"doctor: ok: printer '{queue}': error policy retry-job" in result.stdout
    assert f"doctor: ok: printer {queue}: idle, accepting jobs" in result.stdout
    assert result.returncode == (1 if keeps else 0), result.stderr


def test_doctor_has_nothing_to_check_for_a_pdf_folder() -> None:
    result = run_kiosk("doctor")  # the demo clinic prints to a folder
    assert result.returncode == 0
    assert result.stdout.startswith("doctor: prints go to PDF files in ")


# --- the status line between the child and the kiosk -------------------------------------------
def test_a_status_line_round_trips_and_junk_is_not_one() -> None:
    status = PrinterStatus("Front", State.STOPPED, False, ("paused", "media-empty-error"), "x")
    assert PrinterStatus.from_line(status.to_line()) == status
    assert status.why_not() == (
        "printer 'Front' is stopped (disabled) and refuses new jobs (rejecting) "
        "(paused, media-empty-error)"
    )
    for junk in ("", "[]", "{}", '{"printer": "a", "state": "on fire"}', "Gtk-WARNING"):
        assert PrinterStatus.from_line(junk) is None


ASK_IN_THE_KIOSK = """
import sys
from PySide6.QtCore import QEventLoop, QTimer
from kiosk import app
win = app.build_window(sys.argv[1])
win.ctx.visit.start()  # a session starts: the kiosk asks its printer
check = win.ctx.printer_check
loop = QEventLoop()
check.changed.connect(loop.quit)
QTimer.singleShot(20000, loop.quit)
loop.exec()
print(check.ready, sorted(m for m in ("PySide6.QtPrintSupport", "cups") if m in sys.modules))
"""


def test_the_kiosk_asks_its_printer_without_loading_printing_support(
    make_queue, write_config
) -> None:
    queue = make_queue()
    lp("cupsdisable", queue)
    config = config_for(write_config, queue)
    result = subprocess.run(
        [sys.executable, "-c", ASK_IN_THE_KIOSK, str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "False []", result.stderr


def test_the_visit_asks_for_the_printer_as_a_session_starts_and_at_the_summary() -> None:
    asked: list[Screen] = []
    visit = Visit(languages=["en"], max_copies=2)
    visit.check_printer = lambda: asked.append(visit.step)
    visit.start()
    assert asked == [Screen.PRIVACY]  # known long before the summary
    while visit.step is not Screen.SUMMARY:
        visit.next()
    assert asked == [Screen.PRIVACY, Screen.SUMMARY]
    visit.back()
    visit.next()  # back at the summary: asked again
    visit.next()  # done: no printing any more
    assert asked == [Screen.PRIVACY, Screen.SUMMARY, Screen.SUMMARY]


def test_no_print_server_is_a_plain_failure(tmp_path: Path, write_config) -> None:
    if cups is None:
        need("pycups is not installed")
    config = config_for(write_config, "Front")
    gone = {"CUPS_SERVER": str(tmp_path / "no-cupsd.sock")}
    result = print_job(config, env=gone)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "print-job: cannot reach the CUPS print server (failed to connect to server)"
    )
    status = run_kiosk("printer-status", "--config", str(config), env=gone)
    answer = PrinterStatus.from_line(status.stdout.strip())
    assert answer is not None and (answer.state, answer.ready) == (State.MISSING, False)
    doctor = run_kiosk("doctor", "--config", str(config), env=gone)
    assert doctor.returncode == 1
    assert doctor.stderr.strip() == (
        "doctor: fix: cannot reach the CUPS print server (failed to connect to server)"
    )


def test_without_pycups_the_printer_check_says_so(tmp_path: Path, write_config) -> None:
    """A Linux install without pycups: the check answers "missing" with the reason, and
    print-job says it in one line; never a traceback."""
    config = config_for(write_config, "Front")
    blocked = "import sys; sys.modules['cups'] = None; from kiosk import cli; "
    for command, expect_code in (("printer-status", 0), ("print-job", 1)):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                blocked + f"sys.exit(cli.main({[command, '--config', str(config)]!r}))",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            input=request(),
            timeout=60,
        )
        assert result.returncode == expect_code, result.stderr
        assert "Traceback" not in result.stderr
        said = result.stdout + result.stderr
        assert "needs pycups" in said, said
        if command == "printer-status":
            answer = PrinterStatus.from_line(result.stdout.strip())
            assert answer is not None and (answer.state, answer.ready) == (State.MISSING, False)


def test_a_check_that_gets_no_answer_keeps_the_last_one(qtbot, tmp_path: Path) -> None:
    """A printer known to be stopped stays not offered when the next check says nothing
    (a print server that does not answer): no answer is not good news."""
    from kiosk.services.printer_check import PrinterCheck

    answer = tmp_path / "answer"
    stopped = PrinterStatus("Front", State.STOPPED, False, detail="paused")
    answer.write_text(stopped.to_line())
    check = PrinterCheck([sys.executable, "-c", f"print(open({str(answer)!r}).read())"])
    with qtbot.waitSignal(check.changed, timeout=30000):
        check.check()
    assert check.ready is False
    answer.write_text("")  # the next check says nothing
    with qtbot.waitSignal(check.changed, timeout=30000):
        check.check()
    assert check.ready is False and check.status == stopped
    assert check.describe().endswith("; the last check did not answer)")
    check.shutdown()
