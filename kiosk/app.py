"""The composition root: the config, the content, the services and the window are put
together here, and only here. The window, the command line and the tests get theirs here.

- ``load(path)``: the config and its content packs, validated.
- ``Services(loaded)``: the outside world for that config, each part made when first asked
  for: the print target, the mail transport, the outbox, the counters, the summary renderer,
  and the clients of the child jobs (print, email, outbox, the staff checks).
- ``StaffDesk``: what the staff panel does, on those services (``kiosk.ui.staff`` draws it).
- ``build_window(path)`` / ``main_window(services)``: the main window, as the kiosk shows it.
- ``run(...)``: the kiosk's process, from the first paint to the quit.
- ``_start_ops``: what systemd and Prometheus see of it (``kiosk.services.ops``).

It is one module, not a package of factories, because DESIGN.md and the tests name it as
the root (``kiosk.app.build_window``, ``kiosk.app.load``) and the layers read
``cli → app → ui | services | runtime → core``. Importing it loads no Qt: ``check-config``
and the headless proof of the core rely on that, so Qt, the window and the services come
through ``kiosk.lazy``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__, lazy, resources
from kiosk.core import reload, signoff
from kiosk.core.config import Config, data_dir, load_config
from kiosk.core.content import ContentPack, load_packs
from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.flow import Screen
from kiosk.core.jobs import EMAIL_JOB, PRINT_JOB
from kiosk.core.printer import PRINTER_STATUS, printer_name
from kiosk.core.visit import CountersPort, Visit
from kiosk.ui import theme
from kiosk.ui.context import UiContext

if TYPE_CHECKING:  # deferred: see kiosk.lazy
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    from kiosk import runtime
    from kiosk.core import checks, signing, summary
    from kiosk.core import staff as staff_core
    from kiosk.core.counters import Outcome
    from kiosk.core.summary import SummaryRenderer
    from kiosk.services import (
        counters_store,
        files,
        fonts,
        jobs,
        mail,
        metrics,
        notify,
        ops,
        outbox,
        outbox_counts,
        printer_check,
        printing,
        speech,
        staff_pin,
    )
    from kiosk.services.counters_store import CountersFile
    from kiosk.services.jobs import ChildJobs, SummaryJobs
    from kiosk.services.mail import MailTransport
    from kiosk.services.outbox import Outbox
    from kiosk.services.printer_check import PrinterCheck
    from kiosk.services.printing import PrintTarget
    from kiosk.services.speech import Speaker
    from kiosk.ui import staff
    from kiosk.ui import window as ui_window
    from kiosk.ui.ports import PrinterCheck as PrinterCheckPort
    from kiosk.ui.staff import StaffAccess
    from kiosk.ui.window import MainWindow
else:
    QtCore = lazy.load("PySide6.QtCore")
    QtWidgets = lazy.load("PySide6.QtWidgets")
    runtime = lazy.load("kiosk.runtime")
    summary = lazy.load("kiosk.core.summary")
    signing = lazy.load("kiosk.core.signing")
    checks = lazy.load("kiosk.core.checks")
    staff_core = lazy.load("kiosk.core.staff")
    counters_store = lazy.load("kiosk.services.counters_store")
    files = lazy.load("kiosk.services.files")
    fonts = lazy.load("kiosk.services.fonts")
    jobs = lazy.load("kiosk.services.jobs")
    mail = lazy.load("kiosk.services.mail")
    metrics = lazy.load("kiosk.services.metrics")
    notify = lazy.load("kiosk.services.notify")
    ops = lazy.load("kiosk.services.ops")
    outbox = lazy.load("kiosk.services.outbox")
    outbox_counts = lazy.load("kiosk.services.outbox_counts")
    printing = lazy.load("kiosk.services.printing")
    printer_check = lazy.load("kiosk.services.printer_check")
    speech = lazy.load("kiosk.services.speech")
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
    #: What was read (``fingerprint``): the print and email jobs, which read the files
    #: again, refuse a job whose files are not the ones the kiosk shows.
    fingerprint: str = ""


def fingerprint(config: Config, packs: dict[str, ContentPack], templates: Path | None) -> str:
    """A digest of the files a summary is made from: the config file, each pack's
    content.toml, one's own templates. Cheap (a few small files) and the same in the
    kiosk and in its jobs when, and only when, they read the same bytes."""
    files = [config.source] if config.source is not None else []
    files += [pack.source for pack in packs.values()]
    if templates is not None:
        try:
            files += sorted(p for p in templates.iterdir() if p.is_file())
        except OSError:
            files.append(templates)
    digest = hashlib.sha256()
    for path in files:
        digest.update(os.fsencode(path) + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()[:16]


def load(config_path: Path | None = None) -> Loaded:
    """Read and validate the config and its content packs, the packs' signature first when
    ``[content] public_key`` is set. Raises ProblemsError."""
    config = load_config(config_path or resources.demo_config())
    signed = verify_content(config)
    # a signed folder is read where it was verified: its real path (a rollout's ``current``
    # link switched later changes nothing in use), its pictures checked as they are read
    content_dir = signed[0] if signed else config.content.dir or resources.content_dir()
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
    if signed:
        packs = {code: pack.signed(signed[1]) for code, pack in packs.items()}
    custom = config.content.templates
    templates = ([custom] if custom is not None else []) + [resources.path("templates")]
    return Loaded(config, packs, templates, fingerprint(config, packs, custom))


def verify_content(config: Config) -> tuple[Path, dict[str, str]] | None:
    """With ``[content] public_key`` set: check every file of ``[content] dir`` is exactly as
    signed, and of ``[content] templates`` too (the summary's words: inside ``dir``, its
    signature covers them; elsewhere, the folder must be signed with the same key). Raises
    ProblemsError (``content.public_key: …`` or ``content.templates: …``) on an unsigned or
    altered folder, or a key that cannot be read. The built-in content is not signed (it
    comes with the program, not a rollout): a key needs ``[content] dir``. Every process
    that loads a config checks it, the kiosk's print and email jobs included: none shows,
    prints or mails words that were not signed. Returns the folder's real path and its
    verified manifest (None without a key)."""
    key = config.content.public_key
    if key is None:
        return None
    folder = config.content.dir
    try:
        if folder is None:
            raise signing.SigningError(
                "needs content.dir: the built-in content is not signed (it comes with the "
                "program); set content.dir to the signed folder, or remove public_key"
            )
        real = folder.resolve()
        manifest = signing.verify_with(real, key)
    except signing.SigningError as exc:
        raise ProblemsError([Problem(str(config.source), "content.public_key", str(exc))]) from None
    except OSError as exc:  # resolve: a loop of links
        problem = Problem(str(config.source), "content.public_key", f"{folder}: {exc}")
        raise ProblemsError([problem]) from None
    templates = config.content.templates
    if templates is None or templates.resolve().is_relative_to(real):
        return real, manifest  # none of its own, or covered by the folder's signature
    try:
        signing.verify_with(templates, key)
    except signing.SigningError as exc:
        raise ProblemsError(
            [Problem(str(config.source), "content.templates", f"with public_key: {exc}")]
        ) from None
    return real, manifest


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
        #: The running kiosk's metrics (``_start_ops``), None without ``[ops] metrics_file``
        #: or systemd: a reload says how it went with ``metrics.reload(what, ok)``,
        #: ``metrics.content(pack_infos(loaded))``, ``metrics.content_signature(valid)`` and
        #: ``metrics.signature_refused(refused)``.
        self.metrics: metrics.Recorder | None = None

    def replace(self, loaded: Loaded) -> None:
        """A reloaded config and content: every part made from now on follows them (the
        child jobs read the config file themselves)."""
        self.loaded = loaded
        self.config = loaded.config
        self._renderer = None

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

    def outbox_counts(self) -> metrics.OutboxCounts | None:
        """The outbox's counts for the metrics, read without its key or its module (None
        when email is off). Raises sqlite3.Error."""
        if not self.config.email.enabled:
            return None
        queued, failed, oldest, quarantined = outbox_counts.read(
            self.outbox_dir / outbox_counts.DB_NAME
        )
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest)
        return metrics.OutboxCounts(queued, failed, quarantined, age)

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

    def _job_command(self, subcommand: str) -> list[str]:
        """A print or email job, told which files the kiosk loaded: it reads them again
        and refuses, plainly, files that changed since (a reload held back until the
        session ends must not change a patient's summary under them)."""
        return self._command(subcommand, "--expect", self.loaded.fingerprint)

    def _email_timeout_ms(self) -> int:
        # generous: connect, TLS, AUTH, MAIL, RCPT, DATA may each take timeout_s
        return int((self.config.email.timeout_s * 8 + 30) * 1000)

    def speaker(self) -> Speaker:
        """Read aloud's voice: the speech child (``speech-host``), started on first use."""
        return speech.Speaker(self._command(speech.HOST_COMMAND), self.config.speech.volume)

    def print_jobs(self) -> SummaryJobs | None:
        """The print service (each print a child process); None when printing is off."""
        if not self.config.print.enabled:
            return None
        log.info("printing to %s", self.printer_description())
        return jobs.SummaryJobs(self._job_command(PRINT_JOB), name="print")

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
            self._job_command(EMAIL_JOB), timeout_ms=self._email_timeout_ms(), name="email"
        )

    def outbox_timeout_ms(self) -> int:
        """How long one round of ``outbox deliver`` may take (several emails)."""
        return self._email_timeout_ms() * 4

    def outbox_jobs(self, parent: QObject) -> ChildJobs:
        """Rounds of delivering the queued emails (``outbox deliver``)."""
        return jobs.ChildJobs(
            self._command("outbox", "deliver"),
            timeout_ms=self.outbox_timeout_ms(),
            name="outbox",
            parent=parent,
        )

    def staff_check(self, name: str, *args: str, parent: QObject) -> ChildJobs:
        """One of the staff panel's checks (``print-test``, ``send-test-email``, ...)."""
        return jobs.ChildJobs(self._command(name, *args), name=name, parent=parent)


class StaffDesk:
    """What the staff panel does (``kiosk.ui.staff`` only draws it): the checks run in
    child processes and come back as sentences for the receptionist; the counts go to a
    CSV file; the panel's status text names the version, the printer, the outbox, today and
    the last reload (``request_reload``: the Reloader's, which answers in a sentence).
    """

    def __init__(
        self,
        window: MainWindow,
        services: Services,
        counters: CountersFile,
        request_reload: Callable[[str], str],
    ) -> None:
        self.window = window
        self.services = services
        self.counters = counters
        self._watching: object = None  # the check that refreshes the panel
        self._answered = False
        self._checks: dict[tuple[str, ...], ChildJobs] = {}  # made on first use
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
            reload=lambda: self.actions.reported.emit(request_reload("staff panel")),
        )

    def install(self) -> StaffAccess:
        """The staff corner, PIN pad and panel on the window."""
        services = self.services
        kiosk = services.config.kiosk
        lock = staff_core.PinLock(  # kept on disk: a restart does not give five more tries
            store=staff_pin.LockFile(data_dir() / "staff-pin.lockout"),
            kiosk_mode=kiosk.fullscreen,  # as check-config judges it: 6 digits at least
        )
        return staff.install(
            self.window,
            self.window.activity_filter(),
            lambda: staff_pin.read_pin(services.config.kiosk.staff_pin_file),
            self.actions,
            lock,
        )

    def _check(self, name: str, failed: str, *args: str) -> ChildJobs:
        """The child check ``name ARGS``, made on first use (after a reload, the address of
        a test email may differ: another check)."""
        key = (name, *args)
        check = self._checks.get(key)
        if check is None:
            check = self.services.staff_check(name, *args, parent=self.window)
            check.finished.connect(
                lambda _job, ok, detail: self._report(check, failed, ok=ok, detail=detail)
            )
            self.window.ctx.background.append(check)
            self._checks[key] = check
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
        self._run(self._check("print-test", "The test page did not print"), "Printing a test page…")

    def email_test(self) -> None:
        email = self.services.config.email  # as it is now: a reload may have changed it
        address = email.reply_to or email.sender
        check = (
            self._check("send-test-email", "The test email was not sent", address)
            if email.enabled and address
            else None
        )
        self._run(check, "Sending a test email…")

    def flush_outbox(self) -> None:
        enabled = self.services.config.email.enabled
        check = (
            self._check("outbox", "Queued emails were not all sent", "flush") if enabled else None
        )
        self._run(check, "Sending the queued emails…")

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
        if self._watching is not check:  # the first look, or a new check after a reload
            check.changed.connect(self._printer_checked)
            self._watching = check
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
        reloads = self.window.ctx.reloads
        if reloads.outcome().startswith("Reload refused"):  # the kiosk runs on the old ones
            warnings.insert(0, f"WARNING: {reloads.outcome()}")
        elif reloads.outcome():
            text += f"\n{reloads.outcome()}"
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


class Reloader:
    """SIGHUP and the staff panel's button: the config file and the content read again and
    put to use, between sessions only.

    On the start screen it runs at once; while a patient's session runs it waits until the
    session ends (finished, walked away, reset by staff) and runs before the next patient.
    The new config and content must pass what ``check-config`` checks (the content's
    signature too, with ``[content] public_key``); else they are refused: the old ones stay
    in use, the reason (the first line ``check-config`` would print) is logged, counted in
    ``ctx.reloads`` and shown on the staff panel.
    """

    def __init__(self, window: MainWindow, services: Services) -> None:
        self.window = window
        self.services = services
        self.counts = window.ctx.reloads
        self.desk: StaffDesk | None = None  # after the first paint
        self.waiting = ""  # who asked, while a session runs
        # as started: a restart changes them
        self.fullscreen = services.config.kiosk.fullscreen
        self.metrics_file = services.config.ops.metrics_file
        window.ctx.visit.listen(self._on_step)

    def request(self, who: str) -> str:
        """Reload now, or once the session in progress ends; a sentence for staff."""
        if self.window.ctx.visit.step is Screen.ATTRACT:
            return self.run(who)
        self.waiting = who
        log.info("reload asked (%s): it waits for the session in progress to end", who)
        return "The reload will run when the patient's session ends."

    def _on_step(self, _old: Screen, new: Screen) -> None:
        if new is Screen.ATTRACT and self.waiting:
            who, self.waiting = self.waiting, ""
            # after the start screen is shown, on the loop's next turn (not inside the step)
            QtCore.QTimer.singleShot(0, self.window, lambda: self.request(who))

    def run(self, who: str) -> str:
        source = self.services.config.source or resources.demo_config()
        try:
            loaded = load(source)
            errors = [
                problem
                for problem in checks.config_problems(
                    loaded.config, loaded.packs, loaded.template_dirs, dt.date.today()
                )
                if not problem.warning
            ]
            if errors:
                raise ProblemsError(errors)
        except ProblemsError as exc:
            return self._refused(who, exc.problems, str(source))
        except Exception as exc:  # a failure no check foresaw: refused all the same, old kept
            log.exception("reload (%s): reading the config and content failed", who)
            failed = Problem(str(source), "reload", f"failed: {type(exc).__name__}: {exc}")
            return self._refused(who, [failed], str(source))
        self.services.replace(loaded)
        self.window.reload(loaded.config, loaded.packs)
        counters = self.services.counters()  # the new languages are counted
        self.window.ctx.visit.counters = _with_metrics(counters, self.services.metrics)
        if self.desk is not None:
            self.desk.counters = counters
        recorder = self.services.metrics
        if recorder is not None:
            recorder.content(pack_infos(loaded))
            # signed and checked, or no key: nothing to say of a signature
            recorder.content_signature(True if loaded.config.content.public_key else None)
            recorder.signature_refused(False)
        _background_work(self.window, self.services)
        restart = self._needs_restart(loaded.config)
        self.counts.took(restart)
        versions = ", ".join(f"{code} {pack.version}" for code, pack in loaded.packs.items())
        log.info("reloaded (%s): config %s, content %s", who, source, versions)
        if restart:
            log.warning("reloaded (%s): %s", who, restart)
        return self.counts.outcome()

    def _needs_restart(self, config: Config) -> str:
        """What of ``config`` only a restart puts in use, as a sentence for staff ("")."""
        changed = []
        if config.kiosk.fullscreen != self.fullscreen:
            changed.append(f"[kiosk] fullscreen = {str(config.kiosk.fullscreen).lower()}")
        if config.ops.metrics_file != self.metrics_file:
            changed.append(f'[ops] metrics_file = "{config.ops.metrics_file or ""}"')
        if not changed:
            return ""
        needs = "needs" if len(changed) == 1 else "need"
        return f"{' and '.join(changed)} {needs} a restart of the kiosk to take effect."

    def _refused(self, who: str, problems: list[Problem], source: str) -> str:
        reason = str(problems[0])
        more = f"; {len(problems) - 1} more: run check-config" if len(problems) > 1 else ""
        self.counts.refused(reload.about(problems, source), reason)
        signed = ("content.public_key", "content.templates")
        if self.services.metrics is not None and any(p.key in signed for p in problems):
            # the pack on disk is not as signed; the one in use (checked as it came) stays
            self.services.metrics.signature_refused(True)
        versions = ", ".join(f"{c} {p.version}" for c, p in self.services.loaded.packs.items())
        log.warning(
            "reload refused (%s), kept the config and content in use (%s): %s%s",
            who,
            versions,
            reason,
            more,
        )
        return self.counts.outcome()


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
            # the packs in use, a reload's included
            pages=lambda code: {Screen.HEALTH: len(services.loaded.packs[code].health_pages())},
        ),
        renderer=services.renderer,
        face_svg=resources.path("images", "face_map.svg"),
        make_printer=services.print_jobs,
        make_printer_check=services.printer_check,
        make_mailer=services.email_jobs,
        make_speaker=services.speaker,
    )
    window = ui_window.MainWindow(ctx)
    reloader = Reloader(window, services)
    ctx.request_reload = reloader.request
    window.first_paint.connect(_after_first_paint)
    window.first_paint.connect(lambda: _install_staff(window, services, reloader))
    window.first_paint.connect(lambda: _background_work(window, services))
    window.first_paint.connect(lambda: _start_ops(window, services))  # after the counters
    return window


def _background_work(window: MainWindow, services: Services) -> None:
    """The timers the config asks for, after the first paint and after each reload."""
    _outbox_worker(window, services)
    _sweep_demo_files(window, services)


def _install_staff(window: MainWindow, services: Services, reloader: Reloader) -> None:
    """After the first paint: the activity filter, the anonymous counters, the staff desk."""
    window.activity_filter()  # the start screen's waking tap is watched from now on
    counters = services.counters()
    window.ctx.visit.counters = counters
    desk = StaffDesk(window, services, counters, reloader.request)
    window.staff = desk.install()
    reloader.desk = desk


def _outbox_worker(window: MainWindow, services: Services) -> None:
    """While the kiosk runs with email on, retry queued emails every ``[outbox] retry_s``
    seconds, each round in a child process (``outbox deliver``), and delete those too old
    to keep. After a reload: started, stopped or re-timed as the new config says."""
    timer = window.findChild(QtCore.QTimer, "outbox_retry")
    if not services.config.email.enabled:
        if timer is not None:
            timer.stop()
        return
    if timer is None:
        rounds = services.outbox_jobs(parent=window)
        rounds.setObjectName("outbox_rounds")
        timer = QtCore.QTimer(window)
        timer.setObjectName("outbox_retry")
        timer.timeout.connect(lambda: None if rounds.busy() else rounds.submit(""))
        window.ctx.background.append(rounds)
    else:  # a reload: the next round takes the email settings' timeout as they are now
        kept = window.findChild(jobs.ChildJobs, "outbox_rounds")
        if kept is not None:
            kept.timeout_ms = services.outbox_timeout_ms()
    timer.setInterval(services.config.outbox.retry_s * 1000)
    timer.start()


def pack_infos(loaded: Loaded) -> dict[str, metrics.PackInfo]:
    """What the metrics say of each content pack: its version and its sign-off's date."""
    return {
        code: metrics.PackInfo(pack.version, signoff.sign_off(pack, loaded.config).on)
        for code, pack in loaded.packs.items()
    }


class _BothCounters:
    """The visit's counters port, reported to the counters file and the metrics alike."""

    def __init__(self, *ports: CountersPort) -> None:
        self.ports = ports

    def started(self, language: str) -> None:
        for port in self.ports:
            port.started(language)

    def finished(self, outcome: Outcome) -> None:
        for port in self.ports:
            port.finished(outcome)

    def abandoned(self, at_screen: str) -> None:
        for port in self.ports:
            port.abandoned(at_screen)

    def printed(self) -> None:
        for port in self.ports:
            port.printed()


def _with_metrics(counters: CountersPort | None, recorder: metrics.Recorder | None) -> Any:
    """The visit's counters port: the counters file, and the metrics when they run."""
    if recorder is None:
        return counters
    return _BothCounters(*([counters] if counters is not None else []), recorder)


#: While the printer was not ready at its last check, it is asked again every this many
#: metrics periods (a minute each); while it was, every two: a printer that stops is seen
#: within two minutes, so "stopped over 10 minutes" alerts within about twelve
#: (deploy/prometheus/README.md). Cheap: a child process of about 0.25 s, started with
#: vfork, waited for by signal; the screen never waits for it.
PRINTER_RECHECK = (1, 2)


def _start_ops(window: MainWindow, services: Services) -> None:
    """After the first paint: ``READY=1`` and the watchdog's pings when systemd asks for
    them, and the metrics file (``[ops] metrics_file``) with the service's ``STATUS=``."""
    notifier = notify.Notifier.from_environ()
    heartbeat = ops.Heartbeat(notifier, parent=window)
    window.quitting.connect(heartbeat.shutdown)  # STOPPING=1 before the jobs are waited for
    window.ctx.background.append(heartbeat)  # a window closed otherwise (tests)
    path = services.config.ops.metrics_file
    if path is None and not notifier.enabled:
        return
    recorder = metrics.Recorder(__version__, pack_infos(services.loaded))
    services.metrics = recorder
    if services.config.content.public_key is not None:
        recorder.content_signature(True)  # the kiosk started: its content passed the check
    ctx = window.ctx
    visit = ctx.visit
    visit.counters = _with_metrics(visit.counters, recorder)
    visit.listen(lambda _old, new: recorder.session_over() if new is Screen.ATTRACT else None)
    # every print and email service's outcomes, a reload's new ones and retired ones too
    ctx.print_watchers.append(recorder.print_event)
    ctx.email_watchers.append(recorder.email_event)
    ctx.reloads.listen(recorder.reload)
    writer = ops.MetricsWriter(recorder, path, notifier, outbox_counts=services.outbox_counts)
    ctx.background.append(writer)
    window.quitting.connect(writer.stopping)  # up 0 before the jobs are waited for
    watched: list[PrinterCheckPort] = []  # the printer check in use (a reload makes a new one)

    def printer_checked(check: PrinterCheckPort) -> None:
        if check not in watched:  # retired by a reload: its late answer is of the old printer
            return
        status = check.status
        if status is not None:
            recorder.printer(status.state.value, status.accepting)

    def current_check() -> PrinterCheckPort | None:
        check = ctx.printer_check
        if check is None:  # a PDF folder, or printing off (a reload may bring either)
            watched.clear()
            recorder.printer(None)
        elif check not in watched:
            watched[:] = [check]
            check.changed.connect(functools.partial(printer_checked, check))
            check.check()
        return check

    ticks = [0]

    def recheck() -> None:
        ticks[0] += 1
        check = current_check()
        if check is not None and ticks[0] % PRINTER_RECHECK[check.ready is True] == 0:
            check.check()

    def reloaded(what: str, ok: bool) -> None:
        if what == "config" and ok:  # the new printer at once, not at the next minute
            current_check()

    current_check()
    writer.period.timeout.connect(recheck)
    ctx.reloads.listen(reloaded)


#: How often the kiosk clears the demo's prints and emails older than an hour.
DEMO_SWEEP_MS = 10 * 60 * 1000


def _sweep_demo_files(window: MainWindow, services: Services) -> None:
    """After the first paint, then every ten minutes: the demo's old prints and emails go,
    even on a day with no new ones (each new one also clears the old). Only when the config
    has such a folder (a reload may bring one)."""
    config = services.config
    if config.print.output_dir is None and config.email.eml_dir is None:
        return
    services.expire_demo_files()
    if window.findChild(QtCore.QTimer, "demo_sweep") is not None:
        return
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
    # Quit and reload from the event loop, not inside the handler: Python runs a handler
    # between two bytecodes of whatever the GUI thread was doing (a ping, a count under its
    # lock, a screen half-built).
    runtime.quit_on_signals(lambda: QtCore.QTimer.singleShot(0, window.quit_kiosk))
    runtime.reload_on_signal(
        lambda: QtCore.QTimer.singleShot(0, lambda: window.ctx.request_reload("SIGHUP"))
    )

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
