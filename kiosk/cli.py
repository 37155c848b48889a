"""The command line (contract in DESIGN.md): thin handlers over the composition root.

``botox-kiosk [--config FILE] [--windowed] [--lang CODE] [--size WxH]`` runs the kiosk;
``--self-test``, ``check-config`` and ``render-summary`` are for clinic IT and CI;
``print-test``, ``send-test-email``, ``outbox`` and ``set-staff-pin`` for staff and IT;
``content keygen|sign|verify`` for whoever approves the content (docs/content-pack.md);
``print-job`` and ``email-job`` are the kiosk's own child processes. ``--config FILE`` goes
before the command or after it. Exit codes: 0 done; 1 the outside world failed; 2 bad
input or config.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__, app, lazy
from kiosk.core import logs
from kiosk.core.addresses import check_address
from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.jobs import (
    EMAIL_JOB,
    PRINT_JOB,
    REQUEST_MAX_BYTES,
    JobEvent,
    Kind,
    Reason,
    SummaryRequest,
)
from kiosk.core.printer import PRINTER_STATUS
from kiosk.core.schema import path_problem
from kiosk.core.session import Session, load_answers

if TYPE_CHECKING:  # deferred: see kiosk.lazy
    import getpass
    import html
    from email import message as email_message
    from email import utils as email_utils

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from PySide6 import QtCore, QtGui
    from PySide6.QtGui import QFont, QGuiApplication

    from kiosk import runtime
    from kiosk.core import checks, signing, summary
    from kiosk.core import staff as staff_pin
    from kiosk.core.content import ContentPack
    from kiosk.services import emailing, files, mail, outbox, pdf, printing, speech
    from kiosk.services.outbox import Outbox
else:
    getpass = lazy.load("getpass")
    html = lazy.load("html")
    email_message = lazy.load("email.message")
    email_utils = lazy.load("email.utils")
    QtCore = lazy.load("PySide6.QtCore")
    QtGui = lazy.load("PySide6.QtGui")
    runtime = lazy.load("kiosk.runtime")
    checks = lazy.load("kiosk.core.checks")
    signing = lazy.load("kiosk.core.signing")
    summary = lazy.load("kiosk.core.summary")
    staff_pin = lazy.load("kiosk.core.staff")
    emailing = lazy.load("kiosk.services.emailing")
    files = lazy.load("kiosk.services.files")
    mail = lazy.load("kiosk.services.mail")
    outbox = lazy.load("kiosk.services.outbox")
    pdf = lazy.load("kiosk.services.pdf")
    printing = lazy.load("kiosk.services.printing")
    speech = lazy.load("kiosk.services.speech")

EXIT_OK, EXIT_WORLD, EXIT_BAD_INPUT = 0, 1, 2

#: A command: its parsed arguments in, its exit code out.
Handler = Callable[[argparse.Namespace], int]


def window_size(text: str) -> tuple[int, int]:
    """``--size``: ``WIDTHxHEIGHT`` in pixels, each 320 to 7680."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080")
    size = int(width), int(height)
    if not all(320 <= n <= 7680 for n in size):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 320 to 7680 pixels")
    return size


def _parser() -> argparse.ArgumentParser:
    # One --config for the kiosk and every command, before the command or after it. After
    # it wins; SUPPRESS keeps a command that was not given one from erasing one given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="clinic config (TOML); default: the demo clinic",
    )
    p = argparse.ArgumentParser(
        prog="botox-kiosk",
        description="Waiting-room kiosk that walks a patient through their Botox visit.",
        parents=[common],
    )
    p.set_defaults(func=run_kiosk)
    p.add_argument("--version", action="version", version=f"botox-kiosk {__version__}")
    p.add_argument(
        "--windowed", action="store_true", help="a normal window even if the config says fullscreen"
    )
    p.add_argument("--lang", metavar="CODE", help="start in this language")
    p.add_argument(
        "--size",
        type=window_size,
        metavar="WxH",
        help="a window of this size, e.g. 1920x1080 or 1080x1920, to preview a kiosk display "
        "(implies --windowed)",
    )
    p.add_argument(
        "--self-test",
        action="store_true",
        help="walk every screen offscreen, render a summary PDF, print 'self-test ok'",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func: Handler, help: str | None = None) -> argparse.ArgumentParser:
        if help is None:  # the child jobs: not listed
            parser = sub.add_parser(name, parents=[common])
        else:
            parser = sub.add_parser(name, parents=[common], help=help)
        parser.set_defaults(func=func)
        return parser

    check = command(
        "check-config", check_config, "validate a config, its content packs and templates"
    )
    check.add_argument("file", nargs="?", type=Path, metavar="FILE")
    render = command(
        "render-summary", render_summary, "render a summary from a session answers JSON file"
    )
    render.add_argument("answers", type=Path, metavar="ANSWERS.json")
    render.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    render.add_argument("--html", type=Path, metavar="FILE")
    render.add_argument("--text", type=Path, metavar="FILE")
    command("print-test", print_test, "print a test page on the configured printer")
    for job, run in ((PRINT_JOB, print_job), (EMAIL_JOB, email_job)):  # request on stdin
        # --expect: the kiosk's Loaded.fingerprint (the job refuses other files)
        command(job, run).add_argument("--expect", default="", help=argparse.SUPPRESS)
    command(PRINTER_STATUS, printer_status)  # the kiosk's look at its printer (one JSON line)
    command(
        "doctor",
        doctor,
        "check the print system: the queue takes jobs, retries after an error, keeps no copies",
    )
    box = command("outbox", outbox_command, "emails waiting to be delivered: list, flush or purge")
    box.add_argument("action", choices=["list", "flush", "purge", "deliver"], metavar="ACTION")
    command("set-staff-pin", set_staff_pin, "set the staff PIN (read twice from stdin)")
    test_email = command("send-test-email", send_test_email, "send a test email to ADDRESS, now")
    test_email.add_argument("address", metavar="ADDRESS")
    content = command(
        "content", content_command, "sign a content folder, or check its signature (Ed25519)"
    )
    actions = content.add_subparsers(dest="action", metavar="ACTION", required=True)
    keygen = actions.add_parser(
        "keygen", parents=[common], help="make a key pair: PRIVATE (0600) and PUBLIC"
    )
    keygen.add_argument("private", type=Path, metavar="PRIVATE")
    keygen.add_argument("public", type=Path, metavar="PUBLIC")
    sign = actions.add_parser(
        "sign", parents=[common], help="write its signature file (SIGNATURE.json) into DIR"
    )
    sign.add_argument("dir", type=Path, metavar="DIR")
    sign.add_argument("--key", type=Path, required=True, metavar="PRIVATE")
    verify = actions.add_parser(
        "verify", parents=[common], help="check DIR is exactly as it was signed"
    )
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.add_argument("--public-key", type=Path, required=True, metavar="PUBLIC")
    speak = command(
        "speech-test", speech_test, "speak one sentence in a language, to check read-aloud"
    )
    speak.add_argument("--lang", metavar="CODE", help="the language (default: the kiosk's first)")
    command("speech-host", speech_host)  # the kiosk's speech child (JSON lines on stdin)
    return p


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, with ``config`` (None: the demo clinic) and ``func``, the handler."""
    args = _parser().parse_args(argv)
    vars(args).setdefault("config", None)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # Timed to the minute, and no session lines into the journal: kiosk.core.logs says why.
    logging.basicConfig(level=logging.INFO, handlers=[logs.stderr_handler()])
    handler: Handler = args.func
    try:
        return handler(args)
    except ProblemsError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT


# The parts every command shares.

_keep: list[object] = []  # what lives as long as the process (the Qt application)


def _offscreen() -> None:
    """No window: Qt's offscreen platform, unless the caller chose one."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _gui_app() -> QGuiApplication:
    """The Qt application of a command without a window (PDF layout, printing): offscreen,
    made once and kept for the process."""
    _offscreen()
    gui = QtGui.QGuiApplication
    qapp = gui.instance()
    if qapp is None:
        qapp = gui(sys.argv[:1])
        _keep.append(qapp)
    assert isinstance(qapp, gui)
    return qapp


def _answers_file(loaded: app.Loaded, path: Path) -> tuple[Session, ContentPack]:
    """The session of an answers JSON file (``render-summary``)."""
    return _session(loaded, load_answers(path), str(path))


def _request_from_stdin(loaded: app.Loaded) -> tuple[Session, ContentPack, str]:
    """The summary request a job's parent wrote on its standard input, validated: the
    session, its language's pack, and the address to email (empty for a print)."""
    request = SummaryRequest.decode(sys.stdin.buffer.read(REQUEST_MAX_BYTES + 1))
    session, pack = _session(loaded, dict(request.answers), "<stdin>")
    return session, pack, request.to


def _session(loaded: app.Loaded, data: object, source: str) -> tuple[Session, ContentPack]:
    """Answers (parsed JSON) as a session and its language's pack, validated against the
    config's packs: the one way from answers to a session, for a file and a job alike."""
    language = data.get("language") if isinstance(data, dict) else None
    pack = loaded.packs.get(language) if isinstance(language, str) else None
    session = Session.from_dict(data, source, pack, list(loaded.packs))
    assert pack is not None  # from_dict rejected a language that is not offered
    return session, pack


def _changed_since(loaded: app.Loaded, expect: str, job: str) -> bool:
    """Whether the config or content on disk differs from what the kiosk that started this
    job loaded (``--expect``, its ``Loaded.fingerprint``): then the job refuses, saying so,
    rather than print or send other words or clinic details than the patient saw."""
    if not expect or expect == loaded.fingerprint:
        return False
    why = (
        "the config or content on disk changed since the kiosk loaded it (a reload waits "
        f"for the session to end, or was refused): the {job} was not made"
    )
    _say(JobEvent(Kind.FAILED, Reason.SETTINGS, why))
    print(f"{job}-job: {why}", file=sys.stderr)
    return True


def _say(event: JobEvent) -> None:
    """Tell the parent how the job goes: one JSON line per event (``kiosk.core.jobs``)."""
    print(event.to_line(), flush=True)


# The commands.


def run_kiosk(args: argparse.Namespace) -> int:
    """No command: the kiosk itself, or its self-test."""
    if args.self_test:
        return self_test(args.config)
    app.ensure_display()
    return app.run(args.config, windowed=args.windowed, language=args.lang, size=args.size)


def check_config(args: argparse.Namespace) -> int:
    """Exit 0 when the config, its content packs and templates are sound; else 2."""
    loaded = app.load(args.file or args.config)  # raises ProblemsError: printed by main
    found = checks.config_problems(
        loaded.config, loaded.packs, loaded.template_dirs, dt.date.today()
    )
    for warning in (problem for problem in found if problem.warning):
        print(warning, file=sys.stderr)
    if not all(problem.warning for problem in found):
        raise ProblemsError(found)  # the errors only: printed by main, exit 2
    print(f"{loaded.config.source}: ok ({', '.join(loaded.packs)})")
    return EXIT_OK


def render_summary(args: argparse.Namespace) -> int:
    _check_outputs(args)
    loaded = app.load(args.config)
    session, pack = _answers_file(loaded, args.answers)
    context = summary.build_context(session, pack, loaded.config)
    renderer = app.Services(loaded).renderer()
    html = renderer.html(context)
    text_out: Path | None = args.text
    for path, body in ((args.html, html), (text_out, renderer.text(context) if text_out else "")):
        if path is None:
            continue
        try:
            files.atomic_write(path, body.encode("utf-8"))  # a patient's answers: 0600
        except OSError as exc:
            print(f"{path}: cannot write: {exc.strerror}", file=sys.stderr)
            return EXIT_WORLD
    _gui_app()
    out: Path = args.out
    try:
        pdf.write_pdf(
            html,
            out,
            paper=loaded.config.print.paper,
            title=context["title"],
            footer=context["footer"],
        )
    except pdf.RenderError as exc:
        print(f"{out}: cannot write the PDF: {exc}", file=sys.stderr)
        return EXIT_WORLD
    print(out)
    return EXIT_OK


def _check_outputs(args: argparse.Namespace) -> None:
    """``render-summary``'s files to write are files that can be written (not a folder, no
    file on the way, a name that fits), before any work: else exit 2, ``FILE: --out: ...``."""
    problems = []
    for option, path in (("--out", args.out), ("--html", args.html), ("--text", args.text)):
        if path is not None:
            message = path_problem(path) or checks.kind_problem(path, "file", must_exist=False)
            if message is not None:
                problems.append(Problem(str(path), option, message))
    if problems:
        raise ProblemsError(problems)


def print_test(args: argparse.Namespace) -> int:
    """Print a test page on the configured printer; exit 1 when the printer fails."""
    loaded = app.load(args.config)
    cfg = loaded.config
    target = app.Services(loaded).print_target()
    _gui_app()
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    escape = html.escape
    page = (
        f"<h1>{escape(cfg.clinic.name)}</h1><h2>Kiosk printer test page</h2>"
        f"<p>Printed {now} by botox-kiosk {__version__} to {escape(target.describe())}, "
        f"paper {escape(cfg.print.paper)}.</p>"
        "<p>If you can read this, patients' summaries will print here.</p>"
    )
    try:
        where = target.print_html(page, title="botox-kiosk test page", footer=cfg.clinic.name)
    except printing.PrintError as exc:
        print(f"print-test: failed: {exc}", file=sys.stderr)
        return EXIT_WORLD
    print(f"Test page sent to {where}.")
    return EXIT_OK


def print_job(args: argparse.Namespace) -> int:
    """Print the summary a ``SummaryRequest`` on standard input asks for (the kiosk's child
    process for each print). The summary is laid out here, not in the kiosk: rendering it on the
    patient's tap stalled the screen for tens of milliseconds."""
    loaded = app.load(args.config)
    if _changed_since(loaded, args.expect, "print"):
        return EXIT_BAD_INPUT
    session, pack, _ = _request_from_stdin(loaded)
    services = app.Services(loaded)
    target = services.print_target()
    _stop_on_sigterm()  # the kiosk stops a job with SIGTERM: its CUPS job is cancelled
    _gui_app()
    context = summary.build_context(session, pack, loaded.config)
    html = services.renderer().html(context)
    try:
        where = target.print_html(html, title=context["title"], footer=context["footer"])
    except printing.PrintError as exc:
        _say(JobEvent(Kind.FAILED, Reason.PRINTER, str(exc)))
        print(f"print-job: {exc}", file=sys.stderr)
        return EXIT_WORLD
    _say(JobEvent(Kind.PRINTED, detail=where))
    return EXIT_OK


def _stop_on_sigterm() -> None:
    """SIGTERM becomes SystemExit, so a print job unwinds (and cancels its CUPS job) before
    it ends; by default SIGTERM ends a Python process at once."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def printer_status(args: argparse.Namespace) -> int:
    """The printer's state, as one JSON line (``kiosk.core.printer``): the kiosk's child that
    it asks when a session starts and when the summary is reached. Exit 0 once it has
    answered, whatever the answer (a printer that takes no jobs is an answer)."""
    loaded = app.load(args.config)
    target = app.Services(loaded).print_target()
    if sys.platform == "win32":
        _gui_app()  # QPrinterInfo asks through the platform plugin
    status = printing.printer_status(target)
    print(status.to_line(), flush=True)
    return EXIT_OK


def doctor(args: argparse.Namespace) -> int:
    """Clinic IT: is printing set up to tell the truth and keep nothing? One line per
    check; exit 1 when something needs fixing (each such line says how), else 0."""
    loaded = app.load(args.config)
    cfg = loaded.config.print
    services = app.Services(loaded)
    target = services.print_target() if cfg.enabled else None
    if target is None or not isinstance(target, printing.CupsPrinter | printing.SystemPrinter):
        what = "printing is off" if target is None else f"prints go to {target.describe()}"
        print(f"doctor: {what}: no print server to check")
        return EXIT_OK
    if isinstance(target, printing.SystemPrinter):  # Windows: the spooler
        _gui_app()
        status = target.status()
        fine = [f"printer {status.describe()}"] if status.ready else []
        fix = [] if status.ready else [status.why_not()]
        fine.append(
            "Windows keeps spool files only while printing, unless the printer's "
            "'Keep printed documents' is on: leave it off (deploy/windows/README-windows.md)"
        )
    else:
        fine, fix = printing.cups_setup_problems(target)
    for line in fine:
        print(f"doctor: ok: {line}")
    for line in fix:
        print(f"doctor: fix: {line}", file=sys.stderr)
    return EXIT_WORLD if fix else EXIT_OK


def email_job(args: argparse.Namespace) -> int:
    """Email the summary a ``SummaryRequest`` on standard input asks for (a child process).

    Says ``queued`` once the message is safely in the encrypted outbox, then ``sent``, or
    ``retrying`` (it stays queued), or ``failed`` (exit 1) when it failed for good or could
    not be queued at all (reason ``storage``: a full disk, no outbox key): JSON lines of
    ``kiosk.core.jobs``. Never says the address or anything else the patient typed.
    """
    loaded = app.load(args.config)
    if _changed_since(loaded, args.expect, "email"):
        return EXIT_BAD_INPUT
    session, pack, to = _request_from_stdin(loaded)
    if check_address(to) is not None:
        _say(JobEvent(Kind.FAILED, Reason.ADDRESS, "no valid address to email"))
        print("email-job: no valid address to email", file=sys.stderr)
        return EXIT_BAD_INPUT
    # A request to email exists only once the patient agreed to it (kiosk.core.visit).
    session.email, session.email_consent = to, True
    services = app.Services(loaded)
    try:
        # Opened before the summary is laid out (Qt), so a missing key or a full disk is
        # told to the patient within a moment, not after a promise to send it shortly.
        box = services.outbox()
        _gui_app()
        message = emailing.compose(session, pack, loaded.config, services.renderer())
        entry_id = box.add(message, loaded.config.email.sender, [to])
    except outbox.OutboxError as exc:
        _say(JobEvent(Kind.FAILED, Reason.STORAGE, str(exc)))
        print(f"email-job: {exc}", file=sys.stderr)
        return EXIT_WORLD
    del message, session, to  # the raw JSON went with _request_from_stdin
    _say(JobEvent(Kind.QUEUED))
    return _deliver_one(box, entry_id, services)


def _deliver_one(box: Outbox, entry_id: int, services: app.Services) -> int:
    try:
        send = services.transport().send
    except mail.SendError as exc:  # e.g. the password's environment variable is missing
        _say(JobEvent(Kind.RETRYING, Reason.SETTINGS, str(exc)))
        return EXIT_OK
    try:
        box.deliver_entry(entry_id, send)
        entry = next((e for e in box.list() if e.id == entry_id), None)
    except outbox.OutboxError as exc:
        # It is queued (said so above); the outbox's next round sends it, or has.
        _say(JobEvent(Kind.RETRYING, Reason.STORAGE, str(exc)))
        print(f"email-job: {exc}", file=sys.stderr)
        return EXIT_WORLD
    if entry is None:
        _say(JobEvent(Kind.SENT))
        return EXIT_OK
    if entry.state == "failed":
        _say(JobEvent(Kind.FAILED, Reason.SERVER, entry.last_error or ""))
        print(f"email-job: {entry.last_error}", file=sys.stderr)
        return EXIT_WORLD
    _say(JobEvent(Kind.RETRYING, Reason.SERVER, entry.last_error or ""))
    return EXIT_OK


def outbox_command(args: argparse.Namespace) -> int:
    """Staff and IT: list, flush (deliver all now) or purge (old) queued emails. A missing
    or wrong key, a full disk: one line on standard error, exit 1 (what is wrong is on the
    disk, not in the config)."""
    loaded = app.load(args.config)
    services = app.Services(loaded)
    try:
        return _outbox_action(args.action, services)
    except outbox.OutboxError as exc:
        print(f"outbox: {exc}", file=sys.stderr)
        return EXIT_WORLD


def _outbox_action(action: str, services: app.Services) -> int:
    config = services.config
    box = services.outbox()
    if action == "list":
        print(f"{'id':>4}  {'age':>8}  {'tries':>5}  {'state':11}  {'to':24}  last error")
        for e in [*box.list(), *box.quarantined()]:
            age = str(dt.timedelta(seconds=int(e.age_s)))
            print(
                f"{e.id:>4}  {age:>8}  {e.attempts:>5}  {e.state:11}  {e.masked:24}  "
                f"{e.last_error or ''}"
            )
        stats = box.stats()
        print(f"{stats.queued} queued, {stats.failed} failed, {stats.quarantined} quarantined")
        for path in box.set_aside():
            print(f"damaged database kept aside: {path}")
        if stats.lost:
            print(f"lost databases (emails queued in them are gone): {stats.lost}")
        return EXIT_OK
    removed = box.purge(emailing.max_age_s(config))  # first, whatever else fails
    if action == "purge":
        print(f"purged {removed} older than {config.outbox.max_age_days} days")
        return EXIT_OK
    try:
        send = services.transport().send
    except mail.SendError as exc:
        print(f"outbox: {exc}", file=sys.stderr)
        return EXIT_WORLD
    report = box.flush(send) if action == "flush" else box.deliver_due(send)
    stats = box.stats()
    kept = f", {report.quarantined} quarantined (unreadable)" if report.quarantined else ""
    print(
        f"Sent {report.sent} queued email{'s' if report.sent != 1 else ''}; "
        f"{report.retry} will be tried again, {report.failed} failed{kept}. "
        f"Now {stats.queued} queued, {stats.failed} failed."
    )
    return EXIT_OK if report.retry == 0 and report.failed == 0 else EXIT_WORLD


def set_staff_pin(args: argparse.Namespace) -> int:
    """Read the new PIN twice from standard input; store only its salted argon2id hash (0600,
    in a 0700 folder). A fullscreen kiosk's PIN has at least 6 digits."""
    loaded = app.load(args.config)
    target = loaded.config.kiosk.staff_pin_file
    if target is None:
        print(f"{loaded.config.source}: kiosk.staff_pin_file: must be set", file=sys.stderr)
        return EXIT_BAD_INPUT
    kiosk_mode = loaded.config.kiosk.fullscreen

    def ask(prompt: str) -> str:
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        return sys.stdin.readline().strip()

    shortest = staff_pin.KIOSK_MIN_DIGITS if kiosk_mode else staff_pin.PIN_MIN_DIGITS
    first = ask(f"New staff PIN ({shortest} to {staff_pin.PIN_MAX_DIGITS} digits): ")
    problem = staff_pin.check_pin_format(first, kiosk_mode=kiosk_mode)
    if problem is not None:
        print(f"set-staff-pin: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if ask("The same PIN again: ") != first:
        print("set-staff-pin: the two PINs differ; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    record = staff_pin.hash_pin(first)
    try:
        files.private_dir(target.parent)
        files.atomic_write(target, (record + "\n").encode("ascii"), mode=0o600)
        # Older versions wrote through NAME.new, which kept the mode of a stale one (0644)
        # and could hold an old hash: it goes.
        target.with_name(target.name + ".new").unlink(missing_ok=True)
    except OSError as exc:
        print(f"set-staff-pin: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WORLD
    print(f"set-staff-pin: staff PIN saved (as a salted hash) in {target}")
    return EXIT_OK


def content_command(args: argparse.Namespace) -> int:
    """``content keygen|sign|verify``: exit 2 on a folder that is not as signed, a key
    that cannot be used or a key file already there; 1 when a file cannot be written."""
    try:
        if args.action == "keygen":
            return _content_keygen(args.private, args.public)
        if args.action == "sign":
            return _content_sign(args.dir, signing.load_private_key(args.key))
        count = len(signing.verify_with(args.dir, args.public_key))
    except signing.SigningError as exc:
        print(f"content {args.action}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"verified: {count} files")
    return EXIT_OK


def _content_keygen(private: Path, public: Path) -> int:
    """Both files new (an existing key is never replaced: it may sign a fleet's content)."""
    there = [path for path in (private, public) if path.exists() or path.is_symlink()]
    if there or private.resolve() == public.resolve():
        name = there[0] if there else public
        print(f"content keygen: {name} already exists; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    missing = [p.parent for p in (private, public) if not p.parent.is_dir()]
    if missing:  # a typo in the path: bad input, named (not the temporary file's name)
        print(f"content keygen: {missing[0]}: no such folder; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    private_pem, public_pem = signing.generate_keys()
    written: list[Path] = []
    try:
        for path, data, mode in ((private, private_pem, 0o600), (public, public_pem, 0o644)):
            files.atomic_write(path, data, mode=mode, exclusive=True)
            written.append(path)
    except OSError as exc:
        for done in written:  # half a key pair is no use
            done.unlink(missing_ok=True)
        print(f"content keygen: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WORLD
    print(f"content keygen: private key {private} (keep it off the kiosks), public key {public}")
    return EXIT_OK


def _content_sign(folder: Path, key: Ed25519PrivateKey) -> int:
    data, count = signing.sign(folder, key)
    target = folder / signing.SIGNATURE_FILE
    try:
        files.atomic_write(target, data, mode=0o644)
    except OSError as exc:
        print(f"content sign: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WORLD
    print(f"signed: {count} files ({target})")
    return EXIT_OK


def send_test_email(args: argparse.Namespace) -> int:
    """Send a short test message straight to the mail server (not through the outbox)."""
    loaded = app.load(args.config)
    cfg = loaded.config
    address: str = args.address
    problem = check_address(address)
    if problem is not None:
        print(f"send-test-email: not a valid address: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not cfg.email.sender:
        print(f"{cfg.source}: email.sender: must be set to send email", file=sys.stderr)
        return EXIT_BAD_INPUT
    msg = email_message.EmailMessage()
    msg["From"] = cfg.email.sender
    msg["To"] = address
    msg["Subject"] = f"botox-kiosk test email from {cfg.clinic.name}"
    msg["Date"] = email_utils.formatdate(localtime=True)
    msg["Message-ID"] = email_utils.make_msgid(domain=emailing.sender_domain(cfg))
    msg.set_content(
        f"This is a test from the waiting-room kiosk of {cfg.clinic.name}, sent "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}. If you can read it, summaries can be emailed.\n"
    )
    try:
        transport = app.Services(loaded).transport()
        transport.send(msg.as_bytes(), cfg.email.sender, [address])
    except mail.SendError as exc:
        print(f"send-test-email: failed: {exc}", file=sys.stderr)
        return EXIT_WORLD
    masked = outbox.mask_address(address)
    print(f"Test email delivered to {masked} via {transport.describe()}.")
    return EXIT_OK


def _missing_glyphs(font: QFont, text: str) -> str:
    """The characters of ``text`` that no installed font can draw (a machine with no fonts
    renders silent tofu and PDFs without text)."""
    if not QtGui.QFontDatabase.families():
        return text
    metrics = QtGui.QFontMetrics(font)
    return "".join(sorted({c for c in text if not c.isspace() and not metrics.inFont(c)}))


def self_test(config: Path | None) -> int:
    """Walk every screen offscreen and render a summary PDF (the frozen bundle's smoke test)."""
    _offscreen()
    window = app.build_window(config)
    window.resize(*app.LANDSCAPE)
    window.show()
    qapp = app.application()
    broken = runtime.binding_drops_references()
    if broken is not None:
        print(f"self-test failed: {broken}", file=sys.stderr)
        return EXIT_WORLD
    seen = []
    for n, expected in enumerate(window.page_ids()):
        if n:
            window.ctx.visit.next()
        qapp.processEvents()
        if window.screen_id() != expected or window.grab().isNull():
            print(f"self-test failed: screen {expected} did not show", file=sys.stderr)
            return EXIT_WORLD
        seen.append(expected)
    pack = window.ctx.pack
    missing = _missing_glyphs(window.font(), pack.t("attract.title") + pack.t("ui.next"))
    if missing:
        print(
            f"self-test failed: no font shows {missing!r} (install fonts-dejavu-core)",
            file=sys.stderr,
        )
        return EXIT_WORLD
    context = summary.build_context(summary.sample_session(pack), pack, window.ctx.config)
    html = window.ctx.renderer().html(context)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "summary.pdf"
        pdf.write_pdf(
            html,
            out,
            paper=window.ctx.config.print.paper,
            title="self-test",
            footer=context["footer"],
        )
        data = out.read_bytes()
        if not data.startswith(b"%PDF") or len(data) < 1000:
            print("self-test failed: summary PDF is empty", file=sys.stderr)
            return EXIT_WORLD
    window.close()
    engines, mute = _speech_engines()
    if mute is not None:
        print(f"self-test failed: {mute}", file=sys.stderr)
        return EXIT_WORLD
    print(f"screens: {' '.join(seen)}")
    print(f"summary pdf: {len(data)} bytes")
    print(f"speech engines: {', '.join(engines)}")
    print("self-test ok")
    return EXIT_OK


def speech_test(args: argparse.Namespace) -> int:
    """Speak the pack's test sentence in ``--lang`` and wait until it was spoken: exit 0;
    1 (one line) when there is no engine, no voice for that language, or it never ended;
    2 when the config offers no such language."""
    loaded = app.load(args.config)
    code = args.lang or next(iter(loaded.packs))
    pack = loaded.packs.get(code)
    if pack is None:
        offered = ", ".join(loaded.packs)
        print(
            f"speech-test: --lang {code}: not a language of this kiosk ({offered})", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    if QtCore.QCoreApplication.instance() is None:  # no window: no platform plugin needed
        _keep.append(QtCore.QCoreApplication(sys.argv[:1]))
    engine = speech.Engine(loaded.config.speech.engine)
    if engine.problem is not None:
        print(f"speech-test: {engine.problem}", file=sys.stderr)
        return EXIT_WORLD
    if not engine.choose(code, loaded.config.speech.voices):
        print(f"speech-test: the {engine.name} engine has no voice for {code}", file=sys.stderr)
        return EXIT_WORLD
    engine.set_volume(loaded.config.speech.volume)
    failed = engine.say_and_wait(pack.t("speech.test_sentence"))
    if failed is not None:
        print(f"speech-test: {failed}", file=sys.stderr)
        return EXIT_WORLD
    print(f"speech-test: spoke {code} with the {engine.name} engine, voice {engine.voice_name()}")
    return EXIT_OK


def speech_host(args: argparse.Namespace) -> int:
    """The kiosk's speech child (``kiosk.services.speech``): it speaks what its parent
    sends on standard input until that closes."""
    loaded = app.load(args.config)
    return speech.serve(loaded.config.speech.engine, loaded.config.speech.voices)


def _speech_engines() -> tuple[list[str], str | None]:
    """Read aloud's engines, and why this platform's is not among them (None: it is).
    QtTextToSpeech must load and list its plugin: a bundle that lost it would be mute.
    Whether the engine speaks is ``speech-test``'s to say."""
    wanted = speech.PLATFORM_ENGINES.get(sys.platform)
    try:
        engines = speech.engine_names()
    except ImportError as exc:
        return [], f"QtTextToSpeech does not load: {exc}"
    if wanted is not None and wanted not in engines:
        return (
            engines,
            f"no {wanted} text-to-speech plugin (QtTextToSpeech has: {', '.join(engines)})",
        )
    return engines, None
