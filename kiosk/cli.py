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

if TYPE_CHECKING:
    from PySide6.QtGui import QFont

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
    # Internal: the kiosk runs each print job in a child process (HTML on standard input).
    job = sub.add_parser("print-job")
    job.add_argument("--config", type=Path, metavar="FILE", dest="sub_config")
    job.add_argument("--title", default="")
    job.add_argument("--footer", default="")
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
        if args.command == "print-job":
            return print_job(config, args.title, args.footer)
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
    from kiosk.core.content import review_problems
    from kiosk.core.errors import Problem, ProblemsError
    from kiosk.core.summary import SummaryRenderer, build_context, sample_session

    loaded = app.load(path)  # raises ProblemsError: printed by main, exit 2
    problems: list[Problem] = []
    config = loaded.config
    logo = config.resolve(config.clinic.logo)
    if logo is not None and not logo.is_file():
        problems.append(Problem(str(config.source), "clinic.logo", f"file not found: {logo}"))
    templates = config.resolve(config.content.templates)
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
    for pack in loaded.packs.values():
        warnings.extend(review_problems(pack, dt.date.today()))
        if "demo" in pack.reviewed_by.lower():
            warnings.append(
                Problem(
                    str(pack.source),
                    "meta.reviewed_by",
                    "the built-in demo content: have "
                    "your clinician review it and put their name here",
                    warning=True,
                )
            )
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
    target = make_target(cfg.resolve(cfg.print.output_dir), cfg.print.printer, cfg.print.paper)
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
    print(f"print-test: sent to {where}")
    return EXIT_OK


def print_job(config: Path | None, title: str, footer: str) -> int:
    """Print the HTML on standard input (the kiosk's child process for each print)."""
    from kiosk import app
    from kiosk.services.printing import PrintError, make_target

    html = sys.stdin.buffer.read().decode("utf-8")
    cfg = app.load(config).config
    target = make_target(cfg.resolve(cfg.print.output_dir), cfg.print.printer, cfg.print.paper)
    _offscreen()
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    try:
        where = target.print_html(html, title=title, footer=footer)
    except PrintError as exc:
        print(f"print-job: {exc}", file=sys.stderr)
        return EXIT_WORLD
    print(where)
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
    seen = []
    for expected in JOURNEY:
        if expected is not Screen.ATTRACT:
            window.ctx.flow.next()
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
