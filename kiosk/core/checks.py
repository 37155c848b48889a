"""The rules of ``check-config`` beyond the schema that loading a config already checks.

A config and its content packs that load can still fail a clinic: a logo that is not there,
a fullscreen kiosk nobody can unlock, a templates folder that is missing or does not
render, text above a patient's reading level, a sign-off that is missing or old. This
module finds them all at once, as ``Problem`` lines (some only warnings); it reads files,
never writes, and loads no Qt. The command line prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from kiosk.core.config import Config
from kiosk.core.content import ContentPack
from kiosk.core.errors import Problem
from kiosk.core.readability import readability_problems
from kiosk.core.signoff import sign_off_problems
from kiosk.core.staff import stored_pin_problem
from kiosk.core.summary import SummaryRenderer, build_context, sample_session


def config_problems(
    config: Config,
    packs: Mapping[str, ContentPack],
    template_dirs: Sequence[Path],
    today: dt.date,
) -> list[Problem]:
    """Everything wrong with a loaded config, its packs and its templates: the errors in the
    order a clinic would fix them, then the warnings (``Problem.warning``)."""
    problems = _file_problems(config)
    warnings = _output_warnings(config)
    for pack in packs.values():
        problems.extend(readability_problems(pack))
        for problem in sign_off_problems(pack, config, today):
            (warnings if problem.warning else problems).append(problem)
    problems.extend(template_problems(config, packs, template_dirs))
    return problems + warnings


def _file_problems(config: Config) -> list[Problem]:
    """The files and folders the config names: the logo, the staff PIN, the templates."""
    source = str(config.source)
    problems = []
    logo = config.clinic.logo
    if logo is not None and not logo.is_file():
        problems.append(Problem(source, "clinic.logo", f"file not found: {logo}"))
    if config.kiosk.fullscreen:
        pin_file = config.kiosk.staff_pin_file
        unusable = _pin_problem(pin_file)
        if unusable is not None:
            problems.append(Problem(source, "kiosk.staff_pin_file", unusable))
    templates = config.content.templates
    if templates is not None and not templates.is_dir():
        problems.append(Problem(source, "content.templates", f"folder not found: {templates}"))
    return problems


def _pin_problem(pin_file: Path | None) -> str | None:
    """Why a fullscreen kiosk's PIN pad could not use the staff PIN stored there, or None."""
    try:
        stored = pin_file.read_text(encoding="utf-8") if pin_file else ""
    except (OSError, ValueError):
        stored = ""
    if not stored.strip():
        return (
            f"no staff PIN in {pin_file}: a fullscreen kiosk needs one "
            "(run botox-kiosk set-staff-pin)"
        )
    problem = stored_pin_problem(stored, kiosk_mode=True)
    return f"{pin_file}: {problem}" if problem is not None else None


def _output_warnings(config: Config) -> list[Problem]:
    """Print and email that go to a folder instead of the printer and the mail server."""
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
    return warnings


def template_problems(
    config: Config, packs: Mapping[str, ContentPack], template_dirs: Sequence[Path]
) -> list[Problem]:
    """Each pack's sample summary renders, as HTML and as text, with these templates."""
    renderer = SummaryRenderer(list(template_dirs))
    problems = []
    for pack in packs.values():
        try:
            context = build_context(sample_session(pack), pack, config)
            renderer.html(context)
            renderer.text(context)
        except Exception as exc:  # a template error of any kind is the clinic's to fix
            problems.append(
                Problem(str(template_dirs[0]), "templates", f"{type(exc).__name__}: {exc}")
            )
    return problems
