#!/usr/bin/env python3
"""A clinic month in one process: random patient sessions through the real window.

    .venv/bin/python benchmarks/soak.py [--sessions 1000] [--seed 1] [--jobs-every 25]

Every tap goes through the window's QWindow (Qt's hit-testing and the kiosk's event filter
decide where it lands), as a finger's would: Start, a name typed on the on-screen keyboard,
random areas, health answers and questions (scrolled into view first, as a patient would),
Back and Next at random, sometimes a print and an email (to the demo's local folders, in
child processes, waited for), then Finish, or walking away (an idle timeout, with short
timers injected). The clock of the tap guard is a fake one that moves 0.6 s per tap, so the
guard is exercised without waiting.

Reports: exceptions and Qt warnings (both must be 0), RSS growth after the warm-up (budget:
2 MB per 1,000 sessions), how the reference counts of None, True and False moved (on
Python 3.11 a binding that drops references to None aborts the process after enough
sessions), and milliseconds per session, p50 and p95. Exit status 1 when a budget is broken.
``tests/test_soak.py`` runs a shorter soak in the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QScrollArea, QWidget  # noqa: E402

from tests import helpers  # noqa: E402

#: RSS growth allowed over 1,000 sessions after the warm-up (DESIGN.md).
BUDGET_RSS_MB_PER_1000 = 2.0
#: A reference count that falls further than this is being lost, not just moving about
#: (PySide6 6.12.0 lost about 350 references to None per session on Python 3.11).
MAX_REF_FALL = 50
#: From Python 3.12, None, True and False are immortal: their counts say nothing (a binding
#: built for the stable ABI of an older Python still moves them, harmlessly).
IMMORTAL = sys.version_info >= (3, 12)
#: The soak stops, rather than let the process abort, when None falls this far.
ABORT_REF_FALL = 5000
#: Each tap comes this long after the one before, in the tap guard's (fake) time.
TAP_GAP_MS = 600
NAMES = "abcdefghijklmnopqrstuvwxyz"


def rss_mb() -> float:
    """Resident set size now (Linux: /proc; elsewhere the peak, which is all there is)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class SoakResult:
    sessions: int = 0
    warmup: int = 0
    exceptions: list[str] = field(default_factory=list)
    qt_warnings: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    change_ms: dict[str, list[float]] = field(default_factory=dict)  # by the screen it led to
    rss_mb: list[float] = field(default_factory=list)  # after each session
    refs: dict[str, list[int]] = field(default_factory=dict)  # after each session
    printed: int = 0
    emailed: int = 0
    walked_away: int = 0
    finished: int = 0

    def rss_growth_mb(self) -> float:
        """Growth from the end of the warm-up to the end, per the run's length."""
        after = self.rss_mb[self.warmup :]
        return after[-1] - after[0] if len(after) > 1 else 0.0

    def ref_fall(self, name: str) -> float:
        """How far a reference count fell after the warm-up, from the first tenth of the
        sessions to the last (medians: objects that hold None or a bool come and go)."""
        values = self.refs[name][self.warmup :]
        if len(values) < 2:
            return 0.0
        k = max(1, len(values) // 10)
        return max(0.0, statistics.median(values[:k]) - statistics.median(values[-k:]))

    def changes_report(self) -> str:
        """Tap to new screen shown, p95 per screen it led to, and over all of them."""
        every = [ms for values in self.change_ms.values() for ms in values] or [0.0]
        per = ", ".join(
            f"{screen} {percentile(values, 0.95):.1f}"
            for screen, values in sorted(self.change_ms.items())
        )
        return (
            f"ms per screen change ({len(every)} taps that changed it): "
            f"p50 {statistics.median(every):.1f}, p95 {percentile(every, 0.95):.1f} "
            f"(p95 by screen: {per})"
        )

    def report(self) -> str:
        after = self.sessions - self.warmup
        growth = self.rss_growth_mb()
        per_1000 = growth * 1000 / after if after else 0.0
        drift = ", ".join(f"{n} {-self.ref_fall(n):+.0f}" for n in self.refs)
        if IMMORTAL:
            drift += " (immortal on this Python: not counted)"
        return "\n".join(
            [
                f"python {sys.version.split()[0]}, {self.sessions} sessions "
                f"({self.warmup} warm-up): {self.finished} finished, "
                f"{self.walked_away} walked away, {self.printed} printed, "
                f"{self.emailed} emailed",
                f"exceptions {len(self.exceptions)}, Qt warnings {len(self.qt_warnings)}",
                f"ms per session: p50 {statistics.median(self.ms):.1f}, "
                f"p95 {percentile(self.ms, 0.95):.1f}",
                self.changes_report(),
                f"RSS {self.rss_mb[self.warmup]:.1f} -> {self.rss_mb[-1]:.1f} MB after the "
                f"warm-up: {growth:+.2f} MB ({per_1000:+.2f} MB per 1,000 sessions; "
                f"budget {BUDGET_RSS_MB_PER_1000:g})",
                f"reference counts, fall after the warm-up (first tenth to last): {drift}",
            ]
        )


class Patient:
    """One random patient at the kiosk, tapping through the window."""

    def __init__(
        self,
        window,  # type: ignore[no-untyped-def]
        rng: random.Random,
        clock: helpers.FakeClock,
        wait: Callable[[Callable[[], bool]], None],
        change_ms: dict[str, list[float]],
    ) -> None:
        self.window = window
        self.change_ms = change_ms
        self.rng = rng
        self.clock = clock
        self.wait = wait

    def find(self, name: str) -> QWidget:
        widget = self.window.findChild(QWidget, name)
        assert widget is not None, name
        return widget

    def tap(self, target: QWidget) -> None:
        """Scroll it into view as a patient would, then tap it a moment after the last tap."""
        area = target.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None:
            area.ensureWidgetVisible(target, 0, 40)
        self.clock.advance(TAP_GAP_MS)
        before = self.screen()
        start = time.perf_counter()
        if target.objectName().startswith("nav_") and self.rng.random() < 0.2:
            helpers.double_tap(self.window, target)  # an eager double tap on Next or Back
        elif self.rng.random() < 0.3:
            helpers.touch_tap(self.window, target)
        else:
            helpers.tap(self.window, target)
        if self.screen() != before:  # every screen is prebuilt: this is the change alone
            ms = (time.perf_counter() - start) * 1000
            self.change_ms.setdefault(self.screen(), []).append(ms)

    def screen(self) -> str:
        return str(self.window.screen_id())

    def type_on_keyboard(self, text: str) -> None:
        keyboard = self.window.keyboard()
        for char in text:
            key = {"@": "at", ".": "dot"}.get(char, char)
            self.tap(keyboard.key(key))

    def visit(self, jobs: bool) -> str:
        """One session from the start screen back to it; returns how it ended."""
        rng = self.rng
        self.tap(self.find("nav_start"))
        assert self.screen() == "privacy", self.screen()
        if rng.random() < 0.6:
            self.tap(self.find("first_name"))
            self.type_on_keyboard("".join(rng.choice(NAMES) for _ in range(rng.randint(2, 9))))
            self.tap(self.window.keyboard().key("done"))
        walk_away = not jobs and rng.random() < 0.15
        steps = 0
        while self.screen() != "summary" and steps < 400:
            steps += 1
            if self.screen() in ("areas", "questions") or self.screen().startswith("health_"):
                self.consult()
            chance = rng.random()
            if self.screen() != "privacy" and chance < 0.1:
                self.tap(self.find("nav_back"))
            elif chance < 0.13 and self.seen_steps():
                self.tap(rng.choice(self.seen_steps()))  # back by the progress bar
            else:
                self.tap(self.find("nav_next"))
        assert self.screen() == "summary", self.screen()
        if jobs:
            self.print_and_email()
        if walk_away:
            guard = self.window.idle_guard()
            guard.set_timeouts(5, 5)
            guard.on_activity()
            self.wait(lambda: self.screen() == "attract")
            guard.set_timeouts(3_600_000, 20_000)
            return "walked away"
        self.tap(self.find("nav_next"))  # Finish
        assert self.screen() == "done", self.screen()
        self.tap(self.find("nav_next"))  # Start again
        assert self.screen() == "attract", self.screen()
        return "finished"

    def seen_steps(self) -> list[QWidget]:
        """The progress bar's steps the patient may tap: those already seen."""
        return [
            tab
            for tab in self.window.sections.tabs.values()
            if tab.isVisible() and tab.isEnabled() and tab.state == "seen"
        ]

    def consult(self) -> None:
        rng = self.rng
        page = self.window.page(self.screen())
        buttons = [
            b
            for b in page.findChildren(QAbstractButton)
            if b.objectName().startswith(("area_", "question_"))
            or b.parent().objectName().startswith("screening_")  # yes / no / not sure
        ]
        for button in rng.sample(buttons, k=min(len(buttons), rng.randint(0, 6))):
            self.tap(button)

    def print_and_email(self) -> None:
        summary = self.window.page("summary")
        printer = self.window.ctx.printer
        visit = self.window.ctx.visit
        before = visit.copies
        self.tap(self.find("summary_print"))
        self.wait(lambda: not printer.busy())
        assert visit.copies == before + 1, summary.print_button.state.text()
        self.tap(self.find("summary_email"))
        self.type_on_keyboard("p" + str(self.rng.randint(0, 99)) + "@example.com")
        self.tap(self.find("email_consent"))
        self.tap(self.find("email_send"))
        self.tap(self.find("email_confirm"))  # the address shown back: yes, send it
        mailer = self.window.ctx.mailer
        self.wait(lambda: not mailer.busy())
        assert visit.took_away() == "both", summary.email_button.state.text()


def run_soak(
    sessions: int,
    *,
    seed: int = 1,
    jobs_every: int = 25,
    warmup: int = 20,
    folder: Path | None = None,
    window=None,  # type: ignore[no-untyped-def]
) -> SoakResult:
    """``sessions`` random sessions in this process. ``window``: a kiosk window already built
    (the test suite's); by default one is built on the demo clinic, printing and emailing to
    folders under ``folder``."""
    from kiosk import app
    from kiosk.services import fonts

    result = SoakResult(warmup=min(warmup, max(0, sessions - 2)))
    qapp = app.application()
    if window is None:
        folder = folder or Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
        # its counters and logs too: a soak must not count in the clinic's real figures
        os.environ["XDG_DATA_HOME"] = os.environ["XDG_STATE_HOME"] = str(folder)
        config = folder / "kiosk.toml"
        config.write_text(
            '[clinic]\nname = "Soak Clinic"\nphone = "555-0100"\nemergency_number = "911"\n'
            f'[kiosk]\nfullscreen = false\nidle_timeout_s = 3600\nstaff_pin_file = ""\n'
            f'[print]\noutput_dir = "{folder}/prints"\n'
            f'[email]\nenabled = true\nsender = "kiosk@soak.example"\neml_dir = "{folder}/eml"\n'
            f'[outbox]\npath = "{folder}/outbox"\n',
            encoding="utf-8",
        )
        window = app.build_window(config)
        window.resize(1920, 1080)
        window.show()

    def wait(condition: Callable[[], bool], timeout_ms: int = 60_000) -> None:
        timer = QElapsedTimer()
        timer.start()
        while not condition():
            if timer.elapsed() > timeout_ms:
                raise TimeoutError("the kiosk did not get there in time")
            qapp.processEvents()
            if not condition():
                from PySide6.QtCore import QThread

                QThread.msleep(2)  # the child jobs run in their own processes

    wait(lambda: window.staff is not None)  # everything that follows the first paint
    window.build_all()
    fonts.register()
    clock = helpers.FakeClock()
    window.taps.clock = clock
    saved_hook = sys.excepthook

    def on_exception(kind, error, tb) -> None:  # type: ignore[no-untyped-def]
        result.exceptions.append(f"{kind.__name__}: {error}")

    def on_qt_message(kind: QtMsgType, _context: object, message: str) -> None:
        quiet = kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg)
        if not quiet and "propagateSizeHints" not in message:  # the offscreen platform's note
            result.qt_warnings.append(message)

    sys.excepthook = on_exception
    previous = qInstallMessageHandler(on_qt_message)
    rng = random.Random(seed)
    patient = Patient(window, rng, clock, wait, result.change_ms)
    result.refs = {"None": [], "True": [], "False": []}
    try:
        for i in range(sessions):
            start = time.perf_counter()
            jobs = jobs_every > 0 and i % jobs_every == jobs_every - 1
            try:
                ended = patient.visit(jobs)
            except Exception as exc:  # a failed step: counted, and the next patient starts
                result.exceptions.append(f"session {i}: {type(exc).__name__}: {exc}")
                window.on_walked_away()
                ended = "error"
            result.ms.append((time.perf_counter() - start) * 1000)
            result.sessions += 1
            result.finished += ended == "finished"
            result.walked_away += ended == "walked away"
            result.printed += jobs
            result.emailed += jobs
            qapp.processEvents()
            gc.collect()
            result.rss_mb.append(rss_mb())
            result.refs["None"].append(sys.getrefcount(None))
            result.refs["True"].append(sys.getrefcount(True))
            result.refs["False"].append(sys.getrefcount(False))
            if not IMMORTAL and result.refs["None"][0] - result.refs["None"][-1] > ABORT_REF_FALL:
                result.exceptions.append(
                    f"session {i}: None lost {result.refs['None'][0] - result.refs['None'][-1]}"
                    " references: stopped before Python aborts (a binding drops references)"
                )
                break
    finally:
        sys.excepthook = saved_hook
        qInstallMessageHandler(previous)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs-every", type=int, default=25, help="print and email every Nth")
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    result = run_soak(args.sessions, seed=args.seed, jobs_every=args.jobs_every, warmup=args.warmup)
    print(result.report())
    after = result.sessions - result.warmup
    per_1000 = result.rss_growth_mb() * 1000 / after if after else 0.0
    broken = (
        result.exceptions
        or result.qt_warnings
        or per_1000 > BUDGET_RSS_MB_PER_1000
        or (not IMMORTAL and any(result.ref_fall(name) > MAX_REF_FALL for name in result.refs))
    )
    for line in (result.exceptions + result.qt_warnings)[:20]:
        print("  ", line)
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
