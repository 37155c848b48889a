"""The composition root: config, content, session, flow and window are put together here,
and only here. The command line and the tests both build the kiosk through this module."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__, resources
from kiosk.core.config import Config, load_config
from kiosk.core.content import ContentPack, load_packs

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from kiosk.core.summary import SummaryRenderer
    from kiosk.services.jobs import ChildJobs, SummaryJobs
    from kiosk.ui.window import MainWindow

log = logging.getLogger("kiosk.app")

LANDSCAPE = (1920, 1080)


@dataclass(frozen=True)
class Loaded:
    config: Config
    packs: dict[str, ContentPack]
    template_dirs: list[Path]


def load(config_path: Path | None = None) -> Loaded:
    """Read and validate the config and its content packs. Raises ProblemsError."""
    config = load_config(config_path or resources.demo_config())
    content_dir = config.content.dir or resources.content_dir()
    packs = load_packs(content_dir, config.kiosk.languages)
    clinic = config.clinic
    packs = {
        code: pack.bind(
            clinic_name=clinic.name,
            clinic_phone=clinic.phone,
            emergency_number=clinic.emergency_number,
        )
        for code, pack in packs.items()
    }
    custom = config.content.templates
    templates = ([custom] if custom is not None else []) + [resources.path("templates")]
    return Loaded(config, packs, templates)


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created once, with the kiosk's theme."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("botox-kiosk")
    app.setOrganizationName("botox-kiosk")
    qss = resources.read_text("style", "kiosk.qss")
    if app.styleSheet() != qss:  # re-setting it would restyle every widget again
        app.setStyleSheet(qss)
    return app


def printer_description(config: Config) -> str:
    """Where prints go, for the log and the staff panel. From the config alone: the kiosk
    process itself never prints (its print jobs do), so it need not load QtPrintSupport."""
    folder = config.print.output_dir
    if folder is not None:
        return f"PDF files in {folder}"
    return config.print.printer or "the system default printer"


def build_window(
    config_path: Path | str | None = None, *, language: str | None = None
) -> MainWindow:
    """The main window, built exactly as the command line builds it, but not shown."""
    loaded = load(Path(config_path) if config_path is not None else None)
    application()
    return _window(loaded, language)


def _window(loaded: Loaded, language: str | None) -> MainWindow:
    from kiosk.core.jobs import EMAIL_JOB, PRINT_JOB
    from kiosk.core.visit import Visit
    from kiosk.ui.context import UiContext
    from kiosk.ui.window import MainWindow

    renderer: SummaryRenderer | None = None

    def get_renderer() -> SummaryRenderer:
        nonlocal renderer
        if renderer is None:
            from kiosk.core.summary import SummaryRenderer

            renderer = SummaryRenderer(loaded.template_dirs)
        return renderer

    def make_printer() -> SummaryJobs | None:
        config = loaded.config
        if not config.print.enabled:
            return None
        from kiosk.services.jobs import SummaryJobs, child_command

        log.info("printing to %s", printer_description(config))
        return SummaryJobs(child_command(PRINT_JOB, config.source), name="print")

    def make_mailer() -> SummaryJobs | None:
        config = loaded.config
        if not config.email.enabled:
            return None
        from kiosk.services.jobs import SummaryJobs, child_command

        # generous: connect, TLS, AUTH, MAIL, RCPT, DATA may each take timeout_s
        timeout_ms = int((config.email.timeout_s * 8 + 30) * 1000)
        return SummaryJobs(
            child_command(EMAIL_JOB, config.source), timeout_ms=timeout_ms, name="email"
        )

    ctx = UiContext(
        config=loaded.config,
        packs=loaded.packs,
        visit=Visit(
            languages=list(loaded.packs),
            max_copies=loaded.config.print.max_copies,
            language=language,
        ),
        renderer=get_renderer,
        face_svg=resources.path("images", "face_map.svg"),
        make_printer=make_printer,
        make_mailer=make_mailer,
    )
    window = MainWindow(ctx)
    window.first_paint.connect(_after_first_paint)
    window.first_paint.connect(lambda: _install_counters_and_staff(window, loaded))
    if loaded.config.email.enabled:
        window.first_paint.connect(lambda: _start_outbox_worker(window, loaded.config))
    return window


def _install_counters_and_staff(window: MainWindow, loaded: Loaded) -> None:
    """After the first paint: the anonymous counters, and the staff corner, pad and panel."""
    from kiosk.core.config import data_dir
    from kiosk.services.counters_store import CountersFile
    from kiosk.services.jobs import ChildJobs, child_command
    from kiosk.ui import staff

    config = loaded.config

    window.activity_filter()  # the start screen's waking tap is watched from now on
    counters = CountersFile(data_dir() / "counters.json", languages=list(loaded.packs))
    window.ctx.counters = counters

    def job(name: str, failed: str, *args: str) -> ChildJobs:
        """A staff check in a child process; its result reads as a sentence on the panel."""
        jobs = ChildJobs([*child_command(name, config.source), *args], name=name, parent=window)
        # A failed check: its own last sentence when it printed one (``outbox flush`` says
        # what it sent and what waits), else the reason on its standard error.
        jobs.finished.connect(
            lambda _job, ok, detail: actions.reported.emit(
                detail if ok else jobs.last_line() or staff.failure_sentence(failed, detail)
            )
        )
        window.ctx.background.append(jobs)
        return jobs

    print_test = job("print-test", "The test page did not print")
    address = config.email.reply_to or config.email.sender
    email_test = (
        job("send-test-email", "The test email was not sent", address)
        if config.email.enabled and address
        else None
    )
    flush = (
        job("outbox", "Queued emails were not all sent", "flush") if config.email.enabled else None
    )

    def run(jobs: ChildJobs | None, working: str) -> None:
        if jobs is None:
            actions.reported.emit("Email is turned off in this kiosk's settings.")
        elif not jobs.busy():
            actions.reported.emit(working)
            jobs.submit("")

    def export() -> None:
        out = data_dir() / "exports" / f"counts-{dt.date.today().isoformat()}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        counters.export_csv(out)
        actions.reported.emit(f"Counts of the last 30 days saved to {out}.")

    def summary() -> str:
        day = counters.day()
        counts = (
            f"{day['sessions_started']} started, {day['sessions_finished']} finished, "
            f"{day['print_jobs']} printed copies; took away: "
            + ", ".join(f"{k} {v}" for k, v in day["outcome"].items())
        )
        if config.email.enabled:
            from kiosk.services import emailing

            stats = emailing.outbox(config).stats()
            oldest = f", oldest {int(stats.oldest_age_s // 60)} min" if stats.oldest_age_s else ""
            outbox = f"{stats.queued} queued, {stats.failed} failed{oldest}"
        else:
            outbox = "email off"
        text = staff.summary_text(__version__, outbox, counts, printer_description(config))
        from kiosk.runtime import binding_problem

        broken = binding_problem()
        return f"WARNING: {broken}. Ask IT to reinstall the kiosk.\n{text}" if broken else text

    actions = staff.StaffActions(
        reset=window.reset_session,
        print_test=lambda: run(print_test, "Printing a test page…"),
        email_test=lambda: run(email_test, "Sending a test email…"),
        flush_outbox=lambda: run(flush, "Sending the queued emails…"),
        export_counts=export,
        leave_kiosk_mode=window.leave_kiosk_mode,
        quit=window.quit_kiosk,
        summary=summary,
        back=window.back_to_kiosk,
    )
    pin_file = config.kiosk.staff_pin_file
    window.staff = staff.install(
        window, window.activity_filter(), lambda: staff.read_pin_file(pin_file), actions
    )


def _start_outbox_worker(window: MainWindow, config: Config) -> None:
    """While the kiosk runs, retry queued emails every ``[outbox] retry_s`` seconds, each
    round in a child process (``outbox deliver``), and delete those too old to keep."""
    from PySide6.QtCore import QTimer

    from kiosk.services.jobs import ChildJobs, child_command

    jobs = ChildJobs(
        [*child_command("outbox", config.source), "deliver"],
        timeout_ms=int((config.email.timeout_s * 8 + 30) * 1000) * 4,
        name="outbox",
        parent=window,
    )
    timer = QTimer(window)
    timer.setObjectName("outbox_retry")
    timer.setInterval(config.outbox.retry_s * 1000)
    timer.timeout.connect(lambda: None if jobs.busy() else jobs.submit(""))
    timer.start()
    window.ctx.background.append(jobs)


def _after_first_paint() -> None:
    """Work that need not delay the first screen: the shipped fonts (summary, PDF); on a PC
    with no fonts at all, the window is laid out again with them (the first frame had none)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.services import fonts

    if fonts.ensure_available():
        QApplication.setFont(QApplication.font())  # every widget re-lays out with the new font
        for widget in QApplication.topLevelWidgets():
            widget.update()
    QTimer.singleShot(0, fonts.register)


def run(config_path: Path | None, *, windowed: bool, language: str | None) -> int:
    """Start the kiosk and run until it quits."""
    loaded = load(config_path)
    if language is not None and language not in loaded.packs:
        offered = ", ".join(loaded.packs)
        print(f"--lang: {language!r} is not offered (offered: {offered})", file=sys.stderr)
        return 2
    app = application()
    from kiosk import runtime

    try:
        lock = runtime.single_instance()
    except OSError as exc:
        print(f"botox-kiosk: cannot take the single-instance lock: {exc}", file=sys.stderr)
        return 1
    if lock is None:
        print("botox-kiosk is already running here; this second start exits.", file=sys.stderr)
        return 1
    window = _window(loaded, language)
    runtime.install_excepthook(window.recover)
    runtime.quit_on_signals(window.quit_kiosk)

    def start_logging() -> None:  # the log file and the signal wake-up can wait a moment
        runtime.wake_on_signals()
        logs = runtime.setup_file_logging()
        runtime.route_qt_messages()
        log.info("kiosk started (log folder %s)", logs)
        broken = runtime.binding_problem()
        if broken is not None:
            log.critical("%s; install the PySide6 version pyproject.toml names", broken)

    window.first_paint.connect(start_logging)
    if loaded.config.kiosk.fullscreen and not windowed:
        window.enter_kiosk_mode()
    else:
        window.resize(1366, 800)
        window.show()
    code = app.exec()
    log.info("kiosk stopped")
    return code


def ensure_display() -> None:
    """Qt aborts with a misleading xcb message when there is no display: say it plainly."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise SystemExit(
            "botox-kiosk: no display found (DISPLAY and WAYLAND_DISPLAY are not set).\n"
            "Start it from a desktop session, or set QT_QPA_PLATFORM=offscreen for a headless run."
        )
