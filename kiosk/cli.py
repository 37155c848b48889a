"""The command line (contract in DESIGN.md).

``botox-kiosk [--config FILE] [--windowed] [--lang CODE]`` runs the kiosk;
``--self-test``, ``check-config`` and ``render-summary`` are for clinic IT and CI.
Exit codes: 0 done; 1 the outside world failed; 2 bad input or config.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.core.jobs import EMAIL_JOB, PRINT_JOB, JobEvent

if TYPE_CHECKING:
    from PySide6.QtGui import QFont

    from kiosk.app import Loaded
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.session import Session
    from kiosk.services.outbox import Outbox

EXIT_OK, EXIT_WORLD, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="botox-kiosk",
        description="Waiting-room kiosk that walks a patient through their Botox visit.",
    )
    p.add_argument("--version", action="version", version=f"botox-kiosk {__version__}")
    p.add_argument(
        "--config", type=Path, metavar="FILE", help="clinic config (TOML); default: the demo clinic"
    )
    p.add_argument(
        "--windowed", action="store_true", help="a normal window even if the config says fullscreen"
    )
    p.add_argument("--lang", metavar="CODE", help="start in this language")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="walk every screen offscreen, render a summary PDF, print 'self-test ok'",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check-config", help="validate a config, its content packs and templates"
    )
    check.add_argument("file", nargs="?", type=Path, metavar="FILE")
    check.add_argument(
        "--config", type=Path, metavar="FILE", dest="sub_config", help=argparse.SUPPRESS
    )
    render = sub.add_parser(
        "render-summary", help="render a summary from a session answers JSON file"
    )
    render.add_argument("answers", type=Path, metavar="ANSWERS.json")
    render.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    render.add_argument("--html", type=Path, metavar="FILE")
    render.add_argument("--text", type=Path, metavar="FILE")
    render.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    ptest = sub.add_parser("print-test", help="print a test page on the configured printer")
    ptest.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    # Internal: the kiosk runs each print job in a child process (session JSON on stdin).
    job = sub.add_parser(PRINT_JOB)
    job.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    # Internal: the kiosk emails each summary from a child process (session JSON on stdin).
    ejob = sub.add_parser(EMAIL_JOB)
    ejob.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    box = sub.add_parser("outbox", help="emails waiting to be delivered: list, flush or purge")
    box.add_argument("action", choices=["list", "flush", "purge", "deliver"], metavar="ACTION")
    box.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    pin = sub.add_parser("set-staff-pin", help="set the staff PIN (read twice from stdin)")
    pin.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    mail = sub.add_parser("send-test-email", help="send a test email to ADDRESS, now")
    mail.add_argument("address", metavar="ADDRESS")
    mail.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = getattr(args, "sub_config", None) or args.config
    from kiosk.core.errors import ProblemsError

    try:
        if args.command == "check-config":
            return check_config(args.file or config)
        if args.command == "render-summary":
            return render_summary(args.answers, args.out, args.html, args.text, config)
        if args.command == "print-test":
            return print_test(config)
        if args.command == PRINT_JOB:
            return print_job(config)
        if args.command == EMAIL_JOB:
            return email_job(config)
        if args.command == "outbox":
            return outbox_command(args.action, config)
        if args.command == "send-test-email":
            return send_test_email(args.address, config)
        if args.command == "set-staff-pin":
            return set_staff_pin(config)
        if args.self_test:
            return self_test(config)
        from kiosk import app

        app.ensure_display()
        return app.run(config, windowed=args.windowed, language=args.lang)
    except ProblemsError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT


def check_config(path: Path | None) -> int:
    """Exit 0 when the config, its content packs and templates are sound; else 2."""
    import datetime as dt

    from kiosk import app
    from kiosk.core.errors import Problem, ProblemsError
    from kiosk.core.readability import readability_problems
    from kiosk.core.signoff import sign_off_problems
    from kiosk.core.summary import SummaryRenderer, build_context, sample_session

    loaded = app.load(path)  # raises ProblemsError: printed by main, exit 2
    problems: list[Problem] = []
    config = loaded.config
    logo = config.clinic.logo
    if logo is not None and not logo.is_file():
        problems.append(Problem(str(config.source), "clinic.logo", f"file not found: {logo}"))
    pin_file = config.kiosk.staff_pin_file
    if config.kiosk.fullscreen:
        from kiosk.core.staff import verify_pin

        try:
            stored = pin_file.read_text(encoding="utf-8") if pin_file else ""
            verify_pin("0000", stored) if stored.strip() else None
        except (OSError, ValueError):
            stored = ""
        if not stored.strip():
            problems.append(
                Problem(
                    str(config.source),
                    "kiosk.staff_pin_file",
                    f"no staff PIN in {pin_file}: a fullscreen kiosk needs one "
                    "(run botox-kiosk set-staff-pin)",
                )
            )
    templates = config.content.templates
    if templates is not None and not templates.is_dir():
        problems.append(
            Problem(str(config.source), "content.templates", f"folder not found: {templates}")
        )
    source = str(config.source)
    warnings = []
    if config.print.enabled and config.print.output_dir:
        warnings.append(
            Problem(
                source,
                "print.output_dir",
                "summaries are saved as PDF files there, not "
                "printed (remove it to print on the printer)",
                warning=True,
            )
        )
    if config.email.enabled and config.email.eml_dir:
        warnings.append(
            Problem(
                source,
                "email.eml_dir",
                "emails are saved as .eml files there, not sent "
                "(set host and the rest of [email] to send them)",
                warning=True,
            )
        )
    for pack in loaded.packs.values():
        problems.extend(readability_problems(pack))
        for problem in sign_off_problems(pack, config, dt.date.today()):
            (warnings if problem.warning else problems).append(problem)
    for warning in warnings:
        print(warning, file=sys.stderr)
    renderer = SummaryRenderer(loaded.template_dirs)
    for pack in loaded.packs.values():
        try:
            context = build_context(sample_session(pack), pack, loaded.config)
            renderer.html(context)
            renderer.text(context)
        except Exception as exc:  # a template error of any kind is the clinic's to fix
            problems.append(
                Problem(str(loaded.template_dirs[0]), "templates", f"{type(exc).__name__}: {exc}")
            )
    if problems:
        raise ProblemsError(problems)
    print(f"{source}: ok ({', '.join(loaded.packs)})")
    return EXIT_OK


def render_summary(
    answers: Path, out: Path, html_out: Path | None, text_out: Path | None, config: Path | None
) -> int:
    import json

    from kiosk import app
    from kiosk.core.errors import Problem, ProblemsError
    from kiosk.core.session import Session
    from kiosk.core.summary import SummaryRenderer, build_context

    loaded = app.load(config)
    try:
        data = json.loads(answers.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProblemsError([Problem(str(answers), "(file)", "not found")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemsError([Problem(str(answers), "(syntax)", f"not valid JSON: {exc}")]) from None
    language = data.get("language") if isinstance(data, dict) else None
    pack = loaded.packs.get(language) if isinstance(language, str) else None
    session = Session.from_dict(data, str(answers), pack, list(loaded.packs))
    assert pack is not None  # from_dict rejected a language that is not offered
    context = build_context(session, pack, loaded.config)
    renderer = SummaryRenderer(loaded.template_dirs)
    html = renderer.html(context)
    for path, body in ((html_out, html), (text_out, renderer.text(context) if text_out else "")):
        if path is None:
            continue
        try:
            path.write_text(body, encoding="utf-8")
        except OSError as exc:
            print(f"{path}: cannot write: {exc.strerror}", file=sys.stderr)
            return EXIT_WORLD
    _offscreen()
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    from kiosk.services.pdf import RenderError, write_pdf

    try:
        write_pdf(
            html,
            out,
            paper=loaded.config.print.paper,
            title=context["title"],
            footer=pack.t("summary.footer"),
        )
    except RenderError as exc:
        print(f"{out}: cannot write the PDF: {exc}", file=sys.stderr)
        return EXIT_WORLD
    print(out)
    return EXIT_OK


def print_test(config: Path | None) -> int:
    """Print a test page on the configured printer; exit 1 when the printer fails."""
    import datetime as dt
    import html

    from kiosk import __version__, app
    from kiosk.services.printing import PrintError, make_target

    loaded = app.load(config)
    cfg = loaded.config
    target = make_target(cfg.print.output_dir, cfg.print.printer, cfg.print.paper)
    _offscreen()
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (
        f"<h1>{html.escape(cfg.clinic.name)}</h1><h2>Kiosk printer test page</h2>"
        f"<p>Printed {now} by botox-kiosk {__version__} to {html.escape(target.describe())}, "
        f"paper {html.escape(cfg.print.paper)}.</p>"
        "<p>If you can read this, patients' summaries will print here.</p>"
    )
    try:
        where = target.print_html(page, title="botox-kiosk test page", footer=cfg.clinic.name)
    except PrintError as exc:
        print(f"print-test: failed: {exc}", file=sys.stderr)
        return EXIT_WORLD
    print(f"Test page sent to {where}.")
    return EXIT_OK


def _request_from_stdin(loaded: Loaded) -> tuple[Session, ContentPack, str]:
    """The summary request a job's parent wrote on its standard input, validated: the
    session, its language's pack, and the address to email (empty for a print)."""
    from kiosk.core.jobs import SummaryRequest
    from kiosk.core.session import Session

    request = SummaryRequest.decode(sys.stdin.buffer.read())
    data = request.answers
    language = data.get("language")
    pack = loaded.packs.get(language) if isinstance(language, str) else None
    session = Session.from_dict(dict(data), "<stdin>", pack, list(loaded.packs))
    assert pack is not None
    return session, pack, request.to


def _say(event: JobEvent) -> None:
    """Tell the parent how the job goes: one JSON line per event (``kiosk.core.jobs``)."""
    print(event.to_line(), flush=True)


def print_job(config: Path | None) -> int:
    """Print the summary of the session JSON on standard input (the kiosk's child process
    for each print). The summary is laid out here, not in the kiosk: rendering it on the
    patient's tap stalled the screen for tens of milliseconds."""
    from kiosk import app
    from kiosk.core.jobs import JobEvent, Kind, Reason
    from kiosk.core.summary import SummaryRenderer, build_context
    from kiosk.services.printing import PrintError, make_target

    loaded = app.load(config)
    session, pack, _ = _request_from_stdin(loaded)
    cfg = loaded.config
    target = make_target(cfg.print.output_dir, cfg.print.printer, cfg.print.paper)
    _offscreen()
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    context = build_context(session, pack, cfg)
    html = SummaryRenderer(loaded.template_dirs).html(context)
    try:
        where = target.print_html(html, title=context["title"], footer=pack.t("summary.footer"))
    except PrintError as exc:
        _say(JobEvent(Kind.FAILED, Reason.PRINTER, str(exc)))
        print(f"print-job: {exc}", file=sys.stderr)
        return EXIT_WORLD
    _say(JobEvent(Kind.PRINTED, detail=where))
    return EXIT_OK


def _gui_app() -> None:
    """A QGuiApplication for PDF layout in a command without a window."""
    _offscreen()
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _keep.append(QGuiApplication(sys.argv[:1]))


_keep: list[object] = []


def email_job(config: Path | None) -> int:
    """Email the summary of the session JSON on standard input (the kiosk's child process).

    Says ``queued`` once the message is safely in the encrypted outbox, then ``sent``, or
    ``retrying`` (it stays queued), or ``failed`` (exit 1) when it failed for good: JSON lines
    of ``kiosk.core.jobs``. Never says the address or anything else the patient typed.
    """
    from kiosk import app
    from kiosk.core.addresses import check_address
    from kiosk.core.jobs import JobEvent, Kind, Reason
    from kiosk.core.summary import SummaryRenderer
    from kiosk.services import emailing

    loaded = app.load(config)
    session, pack, to = _request_from_stdin(loaded)
    if check_address(to) is not None:
        _say(JobEvent(Kind.FAILED, Reason.ADDRESS, "no valid address to email"))
        print("email-job: no valid address to email", file=sys.stderr)
        return EXIT_BAD_INPUT
    # A request to email exists only once the patient agreed to it (kiosk.core.visit).
    session.email, session.email_consent = to, True
    _gui_app()
    message = emailing.compose(session, pack, loaded.config, SummaryRenderer(loaded.template_dirs))
    box = emailing.outbox(loaded.config)
    entry_id = box.add(message, loaded.config.email.sender, [to])
    del message, session, to  # the raw JSON went with _request_from_stdin
    _say(JobEvent(Kind.QUEUED))
    return _deliver_one(box, entry_id, loaded.config)


def _deliver_one(box: Outbox, entry_id: int, config: Config) -> int:
    from kiosk.core.jobs import JobEvent, Kind, Reason
    from kiosk.services import emailing
    from kiosk.services.mail import SendError

    try:
        send = emailing.transport(config).send
    except SendError as exc:  # e.g. the password's environment variable is missing
        _say(JobEvent(Kind.RETRYING, Reason.SETTINGS, str(exc)))
        return EXIT_OK
    box.deliver_entry(entry_id, send)
    entry = next((e for e in box.list() if e.id == entry_id), None)
    if entry is None:
        _say(JobEvent(Kind.SENT))
        return EXIT_OK
    if entry.state == "failed":
        _say(JobEvent(Kind.FAILED, Reason.SERVER, entry.last_error or ""))
        print(f"email-job: {entry.last_error}", file=sys.stderr)
        return EXIT_WORLD
    _say(JobEvent(Kind.RETRYING, Reason.SERVER, entry.last_error or ""))
    return EXIT_OK


def outbox_command(action: str, config: Path | None) -> int:
    """Staff and IT: list, flush (deliver all now) or purge (old) queued emails."""
    import datetime as dt

    from kiosk import app
    from kiosk.services import emailing
    from kiosk.services.mail import SendError

    loaded = app.load(config)
    box = emailing.outbox(loaded.config)
    if action == "list":
        entries = box.list()
        print(f"{'id':>4}  {'age':>8}  {'tries':>5}  {'state':8}  {'to':24}  last error")
        for e in entries:
            age = str(dt.timedelta(seconds=int(e.age_s)))
            print(
                f"{e.id:>4}  {age:>8}  {e.attempts:>5}  {e.state:8}  {e.masked:24}  {e.last_error}"
            )
        stats = box.stats()
        print(f"{stats.queued} queued, {stats.failed} failed")
        return EXIT_OK
    removed = box.purge(emailing.max_age_s(loaded.config))  # first, whatever else fails
    if action == "purge":
        print(f"purged {removed} older than {loaded.config.outbox.max_age_days} days")
        return EXIT_OK
    try:
        send = emailing.transport(loaded.config).send
    except SendError as exc:
        print(f"outbox: {exc}", file=sys.stderr)
        return EXIT_WORLD
    report = box.flush(send) if action == "flush" else box.deliver_due(send)
    stats = box.stats()
    print(
        f"Sent {report.sent} queued email{'s' if report.sent != 1 else ''}; "
        f"{report.retry} will be tried again, {report.failed} failed. "
        f"Now {stats.queued} queued, {stats.failed} failed."
    )
    return EXIT_OK if report.retry == 0 and report.failed == 0 else EXIT_WORLD


def set_staff_pin(config: Path | None) -> int:
    """Read the new PIN twice from standard input; store only its salted scrypt hash."""
    import getpass

    from kiosk import app
    from kiosk.core.staff import check_pin_format, hash_pin
    from kiosk.services.files import atomic_write

    cfg = app.load(config).config
    target = cfg.kiosk.staff_pin_file
    if target is None:
        print(f"{cfg.source}: kiosk.staff_pin_file: must be set", file=sys.stderr)
        return EXIT_BAD_INPUT

    def ask(prompt: str) -> str:
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        return sys.stdin.readline().strip()

    first = ask("New staff PIN (4 to 12 digits): ")
    problem = check_pin_format(first)
    if problem is not None:
        print(f"set-staff-pin: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if ask("The same PIN again: ") != first:
        print("set-staff-pin: the two PINs differ; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, (hash_pin(first) + "\n").encode("utf-8"), mode=0o600)
    print(f"set-staff-pin: staff PIN saved (as a salted hash) in {target}")
    return EXIT_OK


def send_test_email(address: str, config: Path | None) -> int:
    """Send a short test message straight to the mail server (not through the outbox)."""
    import datetime as dt
    import email.utils
    from email.message import EmailMessage

    from kiosk import app
    from kiosk.services import emailing
    from kiosk.services.mail import SendError, check_address

    loaded = app.load(config)
    cfg = loaded.config
    problem = check_address(address)
    if problem is not None:
        print(f"send-test-email: not a valid address: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not cfg.email.sender:
        print(f"{cfg.source}: email.sender: must be set to send email", file=sys.stderr)
        return EXIT_BAD_INPUT
    msg = EmailMessage()
    msg["From"] = cfg.email.sender
    msg["To"] = address
    msg["Subject"] = f"botox-kiosk test email from {cfg.clinic.name}"
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=emailing.sender_domain(cfg))
    msg.set_content(
        f"This is a test from the waiting-room kiosk of {cfg.clinic.name}, sent "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}. If you can read it, summaries can be emailed.\n"
    )
    try:
        transport = emailing.transport(cfg)
        transport.send(msg.as_bytes(), cfg.email.sender, [address])
    except SendError as exc:
        print(f"send-test-email: failed: {exc}", file=sys.stderr)
        return EXIT_WORLD
    from kiosk.services.outbox import mask_address

    print(f"Test email delivered to {mask_address(address)} via {transport.describe()}.")
    return EXIT_OK


def _offscreen() -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _missing_glyphs(font: QFont, text: str) -> str:
    """The characters of ``text`` that no installed font can draw (a machine with no fonts
    renders silent tofu and PDFs without text)."""
    from PySide6.QtGui import QFontDatabase, QFontMetrics

    if not QFontDatabase.families():
        return text
    metrics = QFontMetrics(font)
    return "".join(sorted({c for c in text if not c.isspace() and not metrics.inFont(c)}))


def self_test(config: Path | None) -> int:
    """Walk every screen offscreen and render a summary PDF (the frozen bundle's smoke test)."""
    import tempfile

    _offscreen()
    from kiosk import app
    from kiosk.core.flow import JOURNEY, Screen
    from kiosk.core.summary import build_context, sample_session
    from kiosk.services.pdf import write_pdf

    window = app.build_window(config)
    window.resize(*app.LANDSCAPE)
    window.show()
    qapp = app.application()
    from kiosk.runtime import binding_drops_references

    broken = binding_drops_references()
    if broken is not None:
        print(f"self-test failed: {broken}", file=sys.stderr)
        return EXIT_WORLD
    seen = []
    for expected in JOURNEY:
        if expected is not Screen.ATTRACT:
            window.ctx.visit.next()
        qapp.processEvents()
        if window.screen_id() != expected.value or window.grab().isNull():
            print(f"self-test failed: screen {expected.value} did not show", file=sys.stderr)
            return EXIT_WORLD
        seen.append(expected.value)
    pack = window.ctx.pack
    missing = _missing_glyphs(window.font(), pack.t("attract.title") + pack.t("ui.next"))
    if missing:
        print(
            f"self-test failed: no font shows {missing!r} (install fonts-dejavu-core)",
            file=sys.stderr,
        )
        return EXIT_WORLD
    context = build_context(sample_session(pack), pack, window.ctx.config)
    html = window.ctx.renderer().html(context)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "summary.pdf"
        write_pdf(
            html,
            out,
            paper=window.ctx.config.print.paper,
            title="self-test",
            footer=pack.t("summary.footer"),
        )
        data = out.read_bytes()
        if not data.startswith(b"%PDF") or len(data) < 1000:
            print("self-test failed: summary PDF is empty", file=sys.stderr)
            return EXIT_WORLD
    window.close()
    print(f"screens: {' '.join(seen)}")
    print(f"summary pdf: {len(data)} bytes")
    print("self-test ok")
    return EXIT_OK
