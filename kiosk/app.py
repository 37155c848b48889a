"""The composition root: the config, the content, the services and the window are put
together here, and only here. The window, the command line and the tests get theirs here.

- ``load(path)``: the config and its content packs, validated.
- ``Services(loaded)``: the outside world for that config, each part made when first asked
  for: the print target, the mail transport, the outbox, the counters, the summary renderer,
  and the clients of the child jobs (print, email, outbox, the staff checks).
- ``StaffDesk``: what the staff panel does, on those services (``kiosk.ui.staff`` draws it).
- ``build_window(path)`` / ``main_window(services)``: the main window, as the kiosk shows it.
- ``run(...)``: the kiosk's process, from the first paint to the quit.

It is one module, not a package of factories, because DESIGN.md and the tests name it as
the root (``kiosk.app.build_window``, ``kiosk.app.load``) and the layers read
``cli → app → ui | services | runtime → core``. Importing it loads no Qt: ``check-config``
and the headless proof of the core rely on that, so Qt, the window and the services come
through ``kiosk.lazy``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__, lazy, resources
from kiosk.core import signoff
from kiosk.core.config import Config, data_dir, load_config
from kiosk.core.content import ContentPack, load_packs
from kiosk.core.flow import Screen
from kiosk.core.jobs import EMAIL_JOB, PRINT_JOB
from kiosk.core.printer import PRINTER_STATUS, printer_name
from kiosk.core.visit import Visit
from kiosk.ui import theme
from kiosk.ui.context import UiContext

if TYPE_CHECKING:  # deferred: see kiosk.lazy
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    from kiosk import runtime
    from kiosk.core import staff as staff_core
    from kiosk.core import summary
    from kiosk.core.summary import SummaryRenderer
    from kiosk.services import (
        counters_store,
        files,
        fonts,
        jobs,
        mail,
        outbox,
        printer_check,
        printing,
        staff_pin,
    )
    from kiosk.services.counters_store import CountersFile
    from kiosk.services.jobs import ChildJobs, SummaryJobs
    from kiosk.services.mail import MailTransport
    from kiosk.services.outbox import Outbox
    from kiosk.services.printer_check import PrinterCheck
    from kiosk.services.printing import PrintTarget
    from kiosk.ui import staff
    from kiosk.ui import window as ui_window
    from kiosk.ui.staff import StaffAccess
    from kiosk.ui.window import MainWindow
else:
    QtCore = lazy.load("PySide6.QtCore")
    QtWidgets = lazy.load("PySide6.QtWidgets")
    runtime = lazy.load("kiosk.runtime")
    summary = lazy.load("kiosk.core.summary")
    staff_core = lazy.load("kiosk.core.staff")
    counters_store = lazy.load("kiosk.services.counters_store")
    files = lazy.load("kiosk.services.files")
    fonts = lazy.load("kiosk.services.fonts")
    jobs = lazy.load("kiosk.services.jobs")
    mail = lazy.load("kiosk.services.mail")
    outbox = lazy.load("kiosk.services.outbox")
    printing = lazy.load("kiosk.services.printing")
    printer_check = lazy.load("kiosk.services.printer_check")
    staff_pin = lazy.load("kiosk.services.staff_pin")
    staff = lazy.load("kiosk.ui.staff")
    ui_window = lazy.load("kiosk.ui.window")

log = logging.getLogger("kiosk.app")

LANDSCAPE = (1920, 1080)

#: Transient failures are retried (with a back-off capped at an hour) until the message is
#: older than [outbox] max_age_days and purged, not given up after a few tries: a mail server
#: down for a weekend must not lose Friday's emails.
UNTIL_PURGED = 1_000_000


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


class Services:
    """The outside world for one loaded config, for the window and the commands alike.

    Each part is made when asked for, so a command pays only for what it uses and the
    kiosk's first paint for none of it. The kiosk process itself never prints or sends:
    its child jobs do (``print_jobs``, ``email_jobs``), so it never loads QtPrintSupport.
    """

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.config = loaded.config
        self._renderer: SummaryRenderer | None = None

    @property
    def outbox_dir(self) -> Path:
        """``[outbox] path``, or the outbox's place in the kiosk's data folder."""
        return self.config.outbox.path or data_dir() / "outbox"

    def renderer(self) -> SummaryRenderer:
        """The summary's templates (jinja2 loads at the first render), made once."""
        if self._renderer is None:
            self._renderer = summary.SummaryRenderer(self.loaded.template_dirs)
        return self._renderer

    def printer_description(self) -> str:
        """Where prints go, for the log and the staff panel, from the config alone."""
        folder = self.config.print.output_dir
        if folder is not None:
            return f"PDF files in {folder}"
        return printer_name(self.config.print.printer)

    def print_target(self) -> PrintTarget:
        """The printer itself (QtPrintSupport): for the print commands and the print job."""
        cfg = self.config.print
        return printing.make_target(cfg.output_dir, cfg.printer, cfg.paper)

    def transport(self) -> MailTransport:
        """The clinic's mail server, or the demo's folder of .eml files. Raises SendError
        (e.g. when the password's environment variable is missing)."""
        email = self.config.email
        if email.eml_dir is not None:
            return mail.EmlFolder(email.eml_dir)
        return mail.SmtpSender(
            host=email.host,
            port=email.port,
            security=email.security,
            username=email.username,
            password=mail.password_from(email.password, email.password_env),
            timeout_s=email.timeout_s,
            ca_file=str(email.ca_file) if email.ca_file is not None else None,
        )

    def outbox(self) -> Outbox:
        """The encrypted outbox of emails waiting to be delivered; its key where
        ``outbox.key_location`` says (a systemd credential, ``[outbox] key_file``, or beside
        the database). Raises OutboxError (a missing key, a full disk)."""
        key, provided = outbox.key_location(self.outbox_dir, self.config.outbox.key_file)
        return outbox.Outbox(
            self.outbox_dir, max_attempts=UNTIL_PURGED, key_path=key, create_key=not provided
        )

    def counters(self) -> CountersFile:
        """The anonymous usage counters, in the kiosk's data folder."""
        return counters_store.CountersFile(
            data_dir() / "counters.json", languages=list(self.loaded.packs)
        )

    def counts_export(self, day: dt.date) -> Path:
        """Where staff's export of the counts goes (the folder is made)."""
        return files.private_dir(data_dir() / "exports") / f"counts-{day.isoformat()}.csv"

    def expire_demo_files(self) -> None:
        """Delete the demo's prints and emails older than an hour (``files.DEMO_PRINTS``,
        ``files.DEMO_EMAILS``): a folder standing in for a printer or a mail server holds
        patients' summaries."""
        kinds = (
            (self.config.print.output_dir, files.DEMO_PRINTS),
            (self.config.email.eml_dir, files.DEMO_EMAILS),
        )
        for folder, kind in kinds:
            if folder is not None:
                kind.expire(folder)

    # The child jobs: each a process of this program, so the screen never waits on them.

    def _command(self, subcommand: str, *args: str) -> list[str]:
        return [*jobs.child_command(subcommand, self.config.source), *args]

    def _email_timeout_ms(self) -> int:
        # generous: connect, TLS, AUTH, MAIL, RCPT, DATA may each take timeout_s
        return int((self.config.email.timeout_s * 8 + 30) * 1000)

    def print_jobs(self) -> SummaryJobs | None:
        """The print service (each print a child process); None when printing is off."""
        if not self.config.print.enabled:
            return None
        log.info("printing to %s", self.printer_description())
        return jobs.SummaryJobs(self._command(PRINT_JOB), name="print")

    def printer_check(self) -> PrinterCheck | None:
        """Whether the printer takes jobs, each look a child process (``printer-status``);
        None when printing is off or goes to a PDF folder (nothing to ask)."""
        cfg = self.config.print
        if not cfg.enabled or cfg.output_dir is not None:
            return None
        return printer_check.PrinterCheck(self._command(PRINTER_STATUS))

    def email_jobs(self) -> SummaryJobs | None:
        """The email service (each email a child process); None when email is off."""
        if not self.config.email.enabled:
            return None
        return jobs.SummaryJobs(
            self._command(EMAIL_JOB), timeout_ms=self._email_timeout_ms(), name="email"
        )

    def outbox_jobs(self, parent: QObject) -> ChildJobs:
        """Rounds of delivering the queued emails (``outbox deliver``)."""
        return jobs.ChildJobs(
            self._command("outbox", "deliver"),
            timeout_ms=self._email_timeout_ms() * 4,
            name="outbox",
            parent=parent,
        )

    def staff_check(self, name: str, *args: str, parent: QObject) -> ChildJobs:
        """One of the staff panel's checks (``print-test``, ``send-test-email``, ...)."""
        return jobs.ChildJobs(self._command(name, *args), name=name, parent=parent)


class StaffDesk:
    """What the staff panel does (``kiosk.ui.staff`` only draws it): the checks run in
    child processes and come back as sentences for the receptionist; the counts go to a
    CSV file; the panel's status text names the version, the printer, the outbox and today.
    """

    def __init__(self, window: MainWindow, services: Services, counters: CountersFile) -> None:
        self.window = window
        self.services = services
        self.counters = counters
        self._watching = False  # the printer check refreshes the panel
        self._answered = False
        self.actions = staff.StaffActions(
            reset=window.reset_session,
            print_test=self.print_test,
            email_test=self.email_test,
            flush_outbox=self.flush_outbox,
            export_counts=self.export_counts,
            leave_kiosk_mode=window.leave_kiosk_mode,
            quit=window.quit_kiosk,
            summary=self.summary,
            back=window.back_to_kiosk,
        )
        email = services.config.email
        address = email.reply_to or email.sender
        self._print_test = self._check("print-test", "The test page did not print")
        self._email_test = (
            self._check("send-test-email", "The test email was not sent", address)
            if email.enabled and address
            else None
        )
        self._flush = (
            self._check("outbox", "Queued emails were not all sent", "flush")
            if email.enabled
            else None
        )

    def install(self) -> StaffAccess:
        """The staff corner, PIN pad and panel on the window."""
        kiosk = self.services.config.kiosk
        lock = staff_core.PinLock(  # kept on disk: a restart does not give five more tries
            store=staff_pin.LockFile(data_dir() / "staff-pin.lockout"),
            kiosk_mode=kiosk.fullscreen,  # as check-config judges it: 6 digits at least
        )
        return staff.install(
            self.window,
            self.window.activity_filter(),
            lambda: staff_pin.read_pin(kiosk.staff_pin_file),
            self.actions,
            lock,
        )

    def _check(self, name: str, failed: str, *args: str) -> ChildJobs:
        check = self.services.staff_check(name, *args, parent=self.window)
        check.finished.connect(
            lambda _job, ok, detail: self._report(check, failed, ok=ok, detail=detail)
        )
        self.window.ctx.background.append(check)
        return check

    def _report(self, check: ChildJobs, failed: str, *, ok: bool, detail: str) -> None:
        # A failed check: its own last sentence when it printed one (``outbox flush`` says
        # what it sent and what waits), else the reason on its standard error.
        self.actions.reported.emit(
            detail if ok else check.last_line() or staff.failure_sentence(failed, detail)
        )

    def _run(self, check: ChildJobs | None, working: str) -> None:
        if check is None:
            self.actions.reported.emit("Email is turned off in this kiosk's settings.")
        elif not check.busy():
            self.actions.reported.emit(working)
            check.submit("")

    def print_test(self) -> None:
        self._run(self._print_test, "Printing a test page…")

    def email_test(self) -> None:
        self._run(self._email_test, "Sending a test email…")

    def flush_outbox(self) -> None:
        self._run(self._flush, "Sending the queued emails…")

    def export_counts(self) -> None:
        out = self.services.counts_export(dt.date.today())
        self.counters.export_csv(out)
        self.actions.reported.emit(f"Counts of the last 30 days saved to {out}.")

    def _printer_line(self) -> str:
        """Where prints go and, for a real printer, its state as last checked (name,
        idle/printing/stopped, accepting or not, the reasons); asked again for the next look,
        and the open panel is refreshed when the answer comes."""
        check = self.window.ctx.printer_check
        if check is None:
            return self.services.printer_description()
        if not self._watching:
            check.changed.connect(self._printer_checked)
            self._watching = True
        if not self._answered:  # not the refresh that the answer itself brought
            check.check()
        return check.describe()

    def _printer_checked(self) -> None:
        staff_access = self.window.staff
        if staff_access is not None and staff_access.panel.isVisible():
            self._answered = True
            try:
                staff_access.panel.refresh()
            finally:
                self._answered = False

    def summary(self) -> str:
        day = self.counters.day()
        counts = (
            f"{day['sessions_started']} started, {day['sessions_finished']} finished, "
            f"{day['print_jobs']} printed copies; took away: "
            + ", ".join(f"{k} {v}" for k, v in day["outcome"].items())
        )
        warnings = []
        if self.services.config.email.enabled:
            queue, alert = self._outbox_state()
            if alert:
                warnings.append(f"WARNING: {alert}")
        else:
            queue = "email off"
        for code in signoff.drafts(
            self.services.loaded.packs, self.services.config, dt.date.today()
        ):
            name = self.services.loaded.packs[code].language_name
            warnings.append(
                f"WARNING: the {name} ({code}) content is a draft: no clinician has signed it "
                "off (botox-kiosk check-config says how)."
            )
        text = staff.summary_text(__version__, queue, counts, self._printer_line())
        broken = runtime.binding_problem()
        if broken:
            warnings.insert(0, f"WARNING: {broken}. Ask IT to reinstall the kiosk.")
        return "\n".join([*warnings, text])

    def _outbox_state(self) -> tuple[str, str]:
        """The outbox's line (counts, and what was kept aside) and an alert for staff, empty
        when all is well: emails cannot queue or be sent without IT."""
        try:
            stats = self.services.outbox().stats()
        except outbox.OutboxError as exc:
            log.warning("staff panel: %s", exc)
            return "cannot be opened", f"emails cannot be sent or queued: {exc}. Ask IT."
        oldest = f", oldest {int(stats.oldest_age_s // 60)} min" if stats.oldest_age_s else ""
        queue = f"{stats.queued} queued, {stats.failed} failed{oldest}"
        kept = [
            f"{stats.quarantined} quarantined" if stats.quarantined else "",
            f"{stats.set_aside} damaged database(s) kept aside" if stats.set_aside else "",
            f"{stats.lost} lost database(s)" if stats.lost else "",
        ]
        kept = [k for k in kept if k]
        if not kept:
            return queue, ""
        return f"{queue}, {', '.join(kept)}", (
            f"the email outbox has {', '.join(kept)}; some emails were not sent. Ask IT "
            "(see `botox-kiosk outbox list`)."
        )


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created once, with the kiosk's theme."""
    QApplication = QtWidgets.QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("botox-kiosk")
    app.setOrganizationName("botox-kiosk")
    theme.use(high_contrast=False, scale=100)  # a new window's patient starts at the defaults
    qss = theme.style_sheet()
    if app.styleSheet() != qss:  # re-setting it would restyle every widget again
        app.setStyleSheet(qss)
    return app


def build_window(
    config_path: Path | str | None = None, *, language: str | None = None
) -> MainWindow:
    """The main window, built exactly as the command line builds it, but not shown."""
    loaded = load(Path(config_path) if config_path is not None else None)
    application()
    return main_window(Services(loaded), language)


def main_window(services: Services, language: str | None = None) -> MainWindow:
    """The window on these services; what the first screen does not need comes after its
    first paint: the fonts, the counters and the staff tools, the outbox's retries."""
    loaded = services.loaded
    ctx = UiContext(
        config=loaded.config,
        packs=loaded.packs,
        visit=Visit(
            languages=list(loaded.packs),
            max_copies=loaded.config.print.max_copies,
            language=language,
            pages=lambda code: {Screen.HEALTH: len(loaded.packs[code].health_pages())},
        ),
        renderer=services.renderer,
        face_svg=resources.path("images", "face_map.svg"),
        make_printer=services.print_jobs,
        make_printer_check=services.printer_check,
        make_mailer=services.email_jobs,
    )
    window = ui_window.MainWindow(ctx)
    window.first_paint.connect(_after_first_paint)
    window.first_paint.connect(lambda: _install_staff(window, services))
    if loaded.config.email.enabled:
        window.first_paint.connect(lambda: _start_outbox_worker(window, services))
    if loaded.config.print.output_dir is not None or loaded.config.email.eml_dir is not None:
        window.first_paint.connect(lambda: _sweep_demo_files(window, services))
    return window


def _install_staff(window: MainWindow, services: Services) -> None:
    """After the first paint: the activity filter, the anonymous counters, the staff desk."""
    window.activity_filter()  # the start screen's waking tap is watched from now on
    counters = services.counters()
    window.ctx.visit.counters = counters
    window.staff = StaffDesk(window, services, counters).install()


def _start_outbox_worker(window: MainWindow, services: Services) -> None:
    """While the kiosk runs, retry queued emails every ``[outbox] retry_s`` seconds, each
    round in a child process (``outbox deliver``), and delete those too old to keep."""
    rounds = services.outbox_jobs(parent=window)
    timer = QtCore.QTimer(window)
    timer.setObjectName("outbox_retry")
    timer.setInterval(services.config.outbox.retry_s * 1000)
    timer.timeout.connect(lambda: None if rounds.busy() else rounds.submit(""))
    timer.start()
    window.ctx.background.append(rounds)


#: How often the kiosk clears the demo's prints and emails older than an hour.
DEMO_SWEEP_MS = 10 * 60 * 1000


def _sweep_demo_files(window: MainWindow, services: Services) -> None:
    """After the first paint, then every ten minutes: the demo's old prints and emails go,
    even on a day with no new ones (each new one also clears the old)."""
    services.expire_demo_files()
    timer = QtCore.QTimer(window)
    timer.setObjectName("demo_sweep")
    timer.setInterval(DEMO_SWEEP_MS)
    timer.timeout.connect(services.expire_demo_files)
    timer.start()


def _after_first_paint() -> None:
    """Work that need not delay the first screen: the shipped fonts (summary, PDF); on a PC
    with no fonts at all, the window is laid out again with them (the first frame had none)."""
    QApplication = QtWidgets.QApplication
    if fonts.ensure_available():
        QApplication.setFont(QApplication.font())  # every widget re-lays out with the new font
        for widget in QApplication.topLevelWidgets():
            widget.update()
    QtCore.QTimer.singleShot(0, fonts.register)


#: The window's size when it is not fullscreen and no --size was given.
WINDOWED = (1366, 800)


def run(
    config_path: Path | None,
    *,
    windowed: bool,
    language: str | None,
    size: tuple[int, int] | None = None,
) -> int:
    """Start the kiosk and run until it quits (``size``: a window that size, to preview a
    kiosk display on a desktop)."""
    loaded = load(config_path)
    if language is not None and language not in loaded.packs:
        offered = ", ".join(loaded.packs)
        print(f"--lang: {language!r} is not offered (offered: {offered})", file=sys.stderr)
        return 2
    if loaded.config.kiosk.fullscreen and not windowed and size is None:
        # Kiosk mode shows patients only content a clinician signed off, in every language
        # it offers (a draft translation included), as check-config says.
        unsigned = [
            problem
            for pack in loaded.packs.values()
            for problem in signoff.sign_off_problems(pack, loaded.config, dt.date.today())
            if not problem.warning
        ]
        if unsigned:
            for problem in unsigned:
                print(problem, file=sys.stderr)
            return 2
    app = application()
    try:
        lock = runtime.single_instance()
    except OSError as exc:
        print(f"botox-kiosk: cannot take the single-instance lock: {exc}", file=sys.stderr)
        return 1
    if lock is None:
        print("botox-kiosk is already running here; this second start exits.", file=sys.stderr)
        return 1
    window = main_window(Services(loaded), language)
    runtime.install_excepthook(window.recover)
    runtime.quit_on_signals(window.quit_kiosk)

    def start_logging() -> None:  # the log file and the signal wake-up can wait a moment
        runtime.wake_on_signals()
        logs = runtime.setup_file_logging()
        runtime.route_qt_messages()
        shape = "fullscreen" if window.kiosk_mode else f"window {window.width()}x{window.height()}"
        log.info("kiosk started (%s, log folder %s)", shape, logs)
        broken = runtime.binding_problem()
        if broken is not None:
            log.critical("%s; install the PySide6 version pyproject.toml names", broken)

    window.first_paint.connect(start_logging)
    if loaded.config.kiosk.fullscreen and not windowed and size is None:
        window.enter_kiosk_mode()
    else:
        window.resize(*(size or WINDOWED))
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
