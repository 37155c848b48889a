"""Jobs in child processes of this program: printing and emailing, off the UI thread.

``ChildJobs`` runs any of this program's commands in a child process, one at a time (staff
checks, the outbox's retries). ``SummaryJobs`` runs print and email jobs on top of it: a typed
request in, typed events out, both defined once in ``kiosk.core.jobs`` for both ends."""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from kiosk.core.jobs import JobEvent, Kind, Reason, SummaryRequest, child_args

log = logging.getLogger("kiosk.jobs")


def child_command(subcommand: str, config: Path | None) -> list[str]:
    """How to start one of this program's commands (source, wheel or frozen bundle)."""
    frozen = getattr(sys, "frozen", False)
    base = [sys.executable] if frozen else [sys.executable, "-m", "kiosk"]
    return [*base, *child_args(subcommand, config)]


class ChildJobs(QObject):
    """Runs jobs in child processes, one at a time, and reports back by signal.

    A child process, not a thread: laying out and painting a summary holds Python's GIL
    for tens of milliseconds at a time, which would freeze the screen, and a printer driver
    or mail server that hangs, or a crash, takes only the child with it. The job's data
    goes to the child on its standard input, never to disk.

    ``line(job, text)``: each line the child prints on standard output, as it comes.
    ``finished(job, ok, detail)``: ``detail`` is the child's last output line, or what went
    wrong (for the log and staff; the children never print patient data).
    """

    line = Signal(int, str)
    finished = Signal(int, bool, str)

    def __init__(
        self,
        command: list[str],
        *,
        timeout_ms: int = 120_000,
        name: str = "child",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.command = command
        self.name = name
        #: The level of a job's "done" log line: a routine check every two minutes logs
        #: at DEBUG (failures are always WARNING).
        self.done_level = logging.INFO
        self._last_line = ""
        #: Why the last job ended, when it did not end on its own (timeout, cancelled...).
        self.last_reason = Reason.NONE
        self.timeout_ms = timeout_ms
        self._queue: deque[tuple[int, bytes, list[str]]] = deque()
        self._current: tuple[int, QProcess, QTimer] | None = None
        self._next = 0
        self._retired: Callable[[], None] | None = None  # told once the last job has ended

    def submit(self, data: str | bytes, *args: str) -> int:
        """Queue a job: ``data`` goes to the child's standard input, ``args`` after the
        command. Returns the job number that the signals carry."""
        self._next += 1
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self._queue.append((self._next, raw, list(args)))
        if self._current is None:
            self._start_next()
        return self._next

    def last_line(self) -> str:
        """The last line the running (or just finished) job printed on standard output."""
        return self._last_line

    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    def _start_next(self) -> None:
        if not self._queue:
            return
        job, data, args = self._queue.popleft()
        self._last_line = ""
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")  # the child draws no window
        proc.setProcessEnvironment(env)
        if sys.platform != "win32":
            # vfork: no copy of this process's page tables at every start (a fork of the
            # kiosk's memory took tens of milliseconds of the UI thread).
            proc.setUnixProcessParameters(QProcess.UnixProcessFlag.UseVFork)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._on_timeout(job))
        self._current = (job, proc, timer)
        proc.finished.connect(lambda code, status: self._on_finished(job, code, status))
        proc.readyReadStandardOutput.connect(lambda: self._on_output(job))
        proc.errorOccurred.connect(lambda error: self._on_error(job, error))
        proc.start(self.command[0], [*self.command[1:], *args])
        proc.write(data)
        proc.closeWriteChannel()
        timer.start(self.timeout_ms)

    def _current_process(self, job: int) -> QProcess | None:
        """The running job's process, if ``job`` is it. A process destroyed while it ran
        (its owner deleted: the window closing, a retired service) says it finished from
        inside its destructor: the job is then over, and nothing of it may be touched."""
        if self._current is None or self._current[0] != job:
            return None
        proc = self._current[1]
        if not shiboken6.isValid(proc):
            self._current = None
            return None
        return proc

    def _on_output(self, job: int) -> None:
        proc = self._current_process(job)
        if proc is None:
            return
        while proc.canReadLine():
            text = bytes(proc.readLine().data()).decode("utf-8", "replace").strip()
            if text:
                self._last_line = text
                self.line.emit(job, text)

    def _end(self, job: int, ok: bool, detail: str, reason: Reason = Reason.NONE) -> None:
        if self._current is None or self._current[0] != job:
            return
        self.last_reason = reason
        _, proc, timer = self._current
        self._current = None
        timer.stop()
        timer.timeout.disconnect()
        timer.deleteLater()
        # No more calls back from this process, whatever it does while it is deleted.
        proc.finished.disconnect()
        proc.errorOccurred.disconnect()
        proc.readyReadStandardOutput.disconnect()
        proc.deleteLater()
        if ok:
            log.log(self.done_level, "%s job %d: %s", self.name, job, detail)
        else:
            log.warning("%s job %d failed: %s", self.name, job, detail)
        self.finished.emit(job, ok, detail)
        self._start_next()
        if self._retired is not None and not self.busy():
            done, self._retired = self._retired, None
            done()

    def _on_finished(self, job: int, code: int, status: QProcess.ExitStatus) -> None:
        proc = self._current_process(job)
        if proc is None:
            return
        self._on_output(job)
        rest = bytes(proc.readAllStandardOutput().data()).decode("utf-8", "replace").strip()
        if rest:
            self._last_line = rest.splitlines()[-1]
            self.line.emit(job, self._last_line)
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            self._end(job, True, self._last_line or "done")
        else:
            last = err.splitlines()[-1] if err else f"exit code {code}"
            self._end(job, False, last)

    def _on_error(self, job: int, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end(job, False, f"could not start the {self.name} job ({self.command[0]})")

    def _on_timeout(self, job: int) -> None:
        if self._current is not None and self._current[0] == job:
            proc = self._current[1]
            self._end(job, False, f"no answer in {self.timeout_ms / 1000:g} s", Reason.TIMEOUT)
            _stop(proc)

    def cancel(self) -> None:
        """Drop the queued jobs and stop the one running: their data (a patient's summary)
        goes with them. A message the email job had already queued stays in the encrypted
        outbox, which delivers it later."""
        self._queue.clear()
        if self._current is not None:
            job, proc, _ = self._current
            self._end(job, False, "cancelled", Reason.CANCELLED)
            _stop(proc)

    def retire(self, done: Callable[[], None]) -> None:
        """Let the job in hand and those queued finish, never waiting for them, then call
        ``done`` (at once when there are none). A reload on the start screen hands the new
        jobs to a new service: the last patient's print must still come out, and the screen
        must not freeze while it does (``shutdown`` waits up to 30 s)."""
        if self.busy():
            self._retired = done
        else:
            done()

    def shutdown(self, wait_ms: int = 30_000) -> None:
        """Let the job in hand finish (up to ``wait_ms``); drop the ones not started."""
        self._queue.clear()
        if self._current is not None:
            job, proc, _ = self._current
            if not proc.waitForFinished(wait_ms):
                self._end(job, False, "stopped: the kiosk is closing", Reason.CANCELLED)
                proc.kill()
                proc.waitForFinished(1000)


#: How long a child told to stop (SIGTERM) may take to tidy up before it is killed: a print
#: job cancels its CUPS job, one request to the local server.
STOP_GRACE_MS = 500


def _stop(proc: QProcess) -> None:
    """Ask the child to stop (SIGTERM: a print job then cancels its CUPS job, so nothing
    comes out later for no one), and kill it when it does not within ``STOP_GRACE_MS``. On
    Windows a console child cannot be asked: it is killed (the spooler has its job)."""
    if sys.platform != "win32":
        proc.terminate()
        if proc.waitForFinished(STOP_GRACE_MS):
            return
    proc.kill()
    proc.waitForFinished(1000)


class SummaryJobs(QObject):
    """Print or email jobs: a ``SummaryRequest`` in, ``JobEvent``s out.

    ``reported(job, JobEvent)``: each event the child reports. Every job ends with exactly one
    final event, given once the child has gone (so ``busy()`` is false by then): the child's
    own last word, or, when it died, timed out or was cancelled without one, a ``failed``
    event made here with the reason.
    """

    reported = Signal(int, object)

    def __init__(
        self,
        command: list[str],
        *,
        timeout_ms: int = 120_000,
        name: str = "child",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self._jobs = ChildJobs(command, timeout_ms=timeout_ms, name=name, parent=self)
        self._jobs.line.connect(self._on_line)
        self._jobs.finished.connect(self._on_finished)
        self._last_word: dict[int, JobEvent] = {}  # a job's final event, until it exits

    def submit(self, request: SummaryRequest) -> int:
        return self._jobs.submit(request.encode())

    def busy(self) -> bool:
        return self._jobs.busy()

    def cancel(self) -> None:
        self._jobs.cancel()

    def shutdown(self) -> None:
        self._jobs.shutdown()

    def retire(self, done: Callable[[], None]) -> None:
        """``ChildJobs.retire``: the jobs in hand finish, then ``done()``, and this service
        is deleted (with the connections that kept it alive); nothing waits."""

        def ended() -> None:
            done()
            self.deleteLater()

        self._jobs.retire(ended)

    def _on_line(self, job: int, text: str) -> None:
        event = JobEvent.from_line(text)
        if event is None or job in self._last_word:
            return  # not an event (a library's chatter), or after the job's last word
        if event.final:
            self._last_word[job] = event
        else:
            self.reported.emit(job, event)

    def _on_finished(self, job: int, ok: bool, detail: str) -> None:
        event = self._last_word.pop(job, None)
        if event is None:
            reason = self._jobs.last_reason
            if reason is Reason.NONE:
                reason = Reason.CRASHED
                detail = detail if not ok else "it ended without saying how it went"
            event = JobEvent(Kind.FAILED, reason, detail)
        self.reported.emit(job, event)
