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
from typing import Literal

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
    problems.extend(same_questions_problems(packs))
    problems.extend(_location_problems(config))
    for pack in packs.values():
        problems.extend(readability_problems(pack))
        for problem in sign_off_problems(pack, config, today):
            (warnings if problem.warning else problems).append(problem)
    problems.extend(template_problems(config, packs, template_dirs))
    return problems + warnings


def _file_problems(config: Config) -> list[Problem]:
    """The files and folders the config names: each of the right kind (a file where a file is
    read, a folder where files are written), the ones read there, and the staff PIN."""
    source = str(config.source)
    problems = []
    for key, path, want, must_exist in _paths(config):
        message = kind_problem(path, want, must_exist=must_exist)
        if message is not None:
            problems.append(Problem(source, key, message))
    known = {p.key for p in problems}  # a PIN file of the wrong kind is not read
    if config.kiosk.fullscreen and "kiosk.staff_pin_file" not in known:
        pin_file = config.kiosk.staff_pin_file
        unusable = _pin_problem(pin_file)
        if unusable is not None:
            problems.append(Problem(source, "kiosk.staff_pin_file", unusable))
    return problems


Kind = Literal["file", "folder"]


def _paths(config: Config) -> list[tuple[str, Path, Kind, bool]]:
    """Each path setting that is set: its key, its path, what it must be, and whether it
    must be there already (the folders the kiosk writes to it makes; the PIN file
    ``set-staff-pin`` writes)."""
    settings: list[tuple[str, Path | None, Kind, bool]] = [
        ("clinic.logo", config.clinic.logo, "file", True),
        ("kiosk.staff_pin_file", config.kiosk.staff_pin_file, "file", False),
        ("print.output_dir", config.print.output_dir, "folder", False),
        ("email.ca_file", config.email.ca_file, "file", True),
        ("email.eml_dir", config.email.eml_dir, "folder", False),
        ("outbox.path", config.outbox.path, "folder", False),
        ("outbox.key_file", config.outbox.key_file, "file", False),
        ("content.dir", config.content.dir, "folder", True),
        ("content.templates", config.content.templates, "folder", True),
    ]
    templates = config.content.templates
    if templates is not None:  # the clinic's own templates, where there are any
        for name in (SummaryRenderer.HTML, SummaryRenderer.TEXT):
            if (templates / name).exists():
                settings.append(("content.templates", templates / name, "file", True))
    return [(key, path, want, must) for key, path, want, must in settings if path is not None]


def kind_problem(path: Path, want: Kind, *, must_exist: bool) -> str | None:
    """Why ``path`` cannot be the file or folder wanted, or None: a file where a folder is
    wanted or the other way round, a file on the way to it, or (``must_exist``) nothing
    there. Never raises: a path the system refuses (too long, a loop, no permission) is a
    message too. A NUL is ``kiosk.core.schema.path_problem``'s to find (pathlib says such a
    path does not exist)."""
    try:
        if path.exists():
            if want == "file" and path.is_dir():
                return f"is a folder, not a file: {path}"
            if want == "file" and not path.is_file():  # /dev/zero, a pipe: never read whole
                return f"is not a regular file: {path}"
            if want == "folder" and not path.is_dir():
                return f"is a file, not a folder: {path}"
            return None
        if must_exist:
            return f"{want} not found: {path}"
        above = next(p for p in path.parents if p.exists())  # the root always exists
        if not above.is_dir():
            return f"cannot be made: {above} is a file, not a folder"
    except OSError as exc:
        return f"cannot be checked: {exc.strerror or exc}: {path}"
    return None


def _pin_problem(pin_file: Path | None) -> str | None:
    """Why a fullscreen kiosk's PIN pad could not use the staff PIN stored there, or None."""
    try:
        stored = ""
        if pin_file is not None:
            with pin_file.open("rb") as fh:  # a hash is under 200 bytes: never read a disk
                stored = fh.read(4096).decode("utf-8")
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
    """Print and email that go to a folder instead of the printer and the mail server; a
    metrics file whose folder is not there (the kiosk runs on, writing none)."""
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
    metrics_file = config.ops.metrics_file
    if metrics_file is not None and not metrics_file.parent.is_dir():
        warnings.append(
            Problem(
                source,
                "ops.metrics_file",
                f"folder not found: {metrics_file.parent} (no metrics are written until "
                "it exists: node_exporter's textfile folder)",
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


def _ids(pack: ContentPack) -> dict[str, list[str]]:
    """What a pack asks and offers, by id: the same in every language the kiosk offers."""
    return {
        "consultation.areas": [a.id for a in pack.areas],
        "consultation.screening": [q.id for q in pack.screening],
        "consultation.questions": [q.id for q in pack.questions],
        "side_effects.levels": [h.level for h in pack.help],
        "side_effects.signs": [s.id for h in pack.help for s in h.signs],
    }


def same_questions_problems(packs: Mapping[str, ContentPack]) -> list[Problem]:
    """Every language asks the same health questions and shows the same areas and signs as
    the first: a translation that drops one would drop a safety question for its readers
    (and a switch mid-visit would land on a page that is not there)."""
    if len(packs) < 2:
        return []
    first, *others = packs.values()
    want = _ids(first)
    problems = []
    for pack in others:
        for key, ids in _ids(pack).items():
            if ids != want[key]:
                missing = [i for i in want[key] if i not in ids]
                extra = [i for i in ids if i not in want[key]]
                said = "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"not in {first.language}: {', '.join(extra)}" if extra else "",
                        "in another order" if not (missing or extra) else "",
                    )
                    if part
                )
                problems.append(
                    Problem(
                        str(pack.source),
                        key,
                        f"must be the same as the {first.language_name} pack's ({said})",
                    )
                )
    return problems


def _location_problems(config: Config) -> list[Problem]:
    """``[print] locations`` for a language the kiosk does not offer is a slip."""
    return [
        Problem(
            str(config.source),
            f"print.locations.{code}",
            f"is not a language this kiosk offers ({', '.join(config.kiosk.languages)})",
        )
        for code in config.print.locations
        if code not in config.kiosk.languages
    ]
