"""The configuration schema, declared once.

Each setting is a dataclass field with its type, default and description. The same
declaration validates a clinic's TOML file (``load_config``) and generates the README's
config reference (``reference_markdown``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kiosk.core.errors import Problem, ProblemsError

#: A day, in seconds: no kiosk timer is longer (Qt's timers overflow past about 24 days,
#: and a value that large is a typo).
DAY_S = 86_400

REQUIRED: Any = object()
DATA_PREFIX = "{data}"


def data_dir() -> Path:
    """The kiosk's own data folder (Linux: ~/.local/share/botox-kiosk)."""
    import platformdirs

    return platformdirs.user_data_path("botox-kiosk", appauthor=False)


def setting(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    path: bool = False,
) -> Any:
    """Declare one config key. ``default=REQUIRED`` makes the key mandatory in a file."""
    meta = {"doc": doc, "min": minimum, "max": maximum, "path": path}
    if default is REQUIRED:
        return field(metadata={**meta, "required": True})
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class ClinicConfig:
    """Who the patient is visiting; shown on every screen and every summary."""

    name: str = setting(REQUIRED, "Clinic name, at the top of every screen and summary.")
    phone: str = setting(REQUIRED, "Clinic phone number patients call with questions.")
    emergency_number: str = setting(
        REQUIRED, "Local emergency number shown with the get-help-now signs (e.g. 911, 999, 112)."
    )
    logo: str = setting(
        "", "Logo image (PNG, JPEG or SVG) at the top of the summary; empty: the name.", path=True
    )
    check_up_visit: bool = setting(
        False,
        "The clinic offers a check-up about two weeks after a treatment for lines, neck bands "
        "or underarm sweating: the timeline and the calendar file show it.",
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class KioskConfig:
    """The kiosk window and the patient session."""

    fullscreen: bool = setting(True, "Fullscreen kiosk mode. `false` gives a normal window.")
    idle_timeout_s: int = setting(
        90,
        "Seconds without a touch before the kiosk asks “Still there?”.",
        minimum=5,
        maximum=DAY_S,
    )
    idle_warning_s: int = setting(
        20,
        "Seconds the “Still there?” countdown lasts before the session is wiped.",
        minimum=1,
        maximum=DAY_S,
    )
    done_return_s: int = setting(
        20,
        "Seconds the final screen stays before the kiosk returns to the start.",
        minimum=1,
        maximum=DAY_S,
    )
    staff_pin_file: str = setting(
        "{data}/staff-pin",
        "File holding the salted hash of the staff PIN (write it with "
        "`botox-kiosk set-staff-pin`); required in fullscreen.",
        path=True,
    )
    languages: list[str] = setting(
        ["en"], "Content-pack language codes offered on the start screen; the first is default."
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class PrintConfig:
    """Printing the patient's summary."""

    enabled: bool = setting(True, "Offer to print the summary.")
    printer: str = setting("", "CUPS / Windows printer name; empty for the system default.")
    paper: Literal["A4", "Letter", "receipt80"] = setting(
        "A4", "Paper: `A4`, `Letter`, or `receipt80` for an 80 mm receipt roll."
    )
    output_dir: str = setting(
        "",
        "If set, summaries are saved as PDF files in this folder instead of printed.",
        path=True,
    )
    location: str = setting(
        "the front desk", "Where patients collect their printout, as in “collect it from …”."
    )
    max_copies: int = setting(
        2,
        "Copies one patient may print: after the first, the button offers another copy "
        "until this many have printed.",
        minimum=1,
        maximum=10,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class EmailConfig:
    """Emailing the summary (only with the patient's consent)."""

    enabled: bool = setting(False, "Offer to email the summary.")
    host: str = setting("", "SMTP server host name.")
    port: int = setting(587, "SMTP server port.", minimum=1, maximum=65535)
    security: Literal["starttls", "ssl", "none"] = setting(
        "starttls", "`starttls`, `ssl` (implicit TLS) or `none`."
    )
    username: str = setting("", "SMTP user name; empty for no AUTH.")
    password: str = setting("", "SMTP password. Prefer `password_env`.")
    password_env: str = setting("", "Name of an environment variable holding the SMTP password.")
    sender: str = setting("", "From address of summary emails (required when enabled).")
    reply_to: str = setting("", "Reply-To address of summary emails; empty: none.")
    ca_file: str = setting(
        "",
        "PEM file of the CA that signed a private mail server's certificate (replaces the "
        "system's trusted CAs); empty: the system's.",
        path=True,
    )
    timeout_s: float = setting(
        10.0, "Seconds to wait for the mail server.", minimum=1, maximum=3600
    )
    include_screening: bool = setting(
        True, "Include the patient's health-question answers in emails."
    )
    eml_dir: str = setting(
        "",
        "If set, emails are written as .eml files into this folder instead of sent.",
        path=True,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class OutboxConfig:
    """Emails waiting to be delivered (encrypted at rest)."""

    path: str = setting(
        "",
        "Folder of the outbox database and its key; empty: `{data}/outbox`.",
        path=True,
    )
    retry_s: int = setting(
        60,
        "Seconds between delivery attempts of queued emails while the kiosk runs.",
        minimum=5,
        maximum=DAY_S,
    )
    max_age_days: int = setting(
        7,
        "Emails still undelivered after this many days are deleted (they hold patient data).",
        minimum=1,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class ContentConfig:
    """Where the patient-facing words come from."""

    dir: str = setting(
        "",
        "Folder of content packs (one sub-folder per language); empty for the built-in.",
        path=True,
    )
    templates: str = setting(
        "",
        "Folder of your own summary.html.j2 / summary.txt.j2; missing ones fall back to the "
        "built-in templates.",
        path=True,
    )
    reviewed_by: str = setting(
        "",
        "The clinician who checked the content for your clinic, as every summary names them "
        '(e.g. "Dr A. Example, Medical Director"); with `reviewed_on`, it signs off the '
        "built-in content (it overrides a pack's own `[meta]`). A fullscreen kiosk needs a "
        "sign-off here or in the pack.",
    )
    reviewed_on: dt.date | None = setting(
        None,
        "The date of that sign-off, as a TOML date (2026-11-30, no quotes); not in the future.",
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class Config:
    clinic: ClinicConfig
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    print: PrintConfig = field(default_factory=PrintConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    source: Path | None = None

    def resolve(self, value: str) -> Path | None:
        """A path setting: ``{data}/…`` is in the kiosk's data folder, a relative path is
        relative to the config file's folder; None when empty."""
        if not value:
            return None
        if value.startswith(DATA_PREFIX):
            return data_dir() / value[len(DATA_PREFIX) :].lstrip("/\\")
        p = Path(value).expanduser()
        if not p.is_absolute() and self.source is not None:
            p = self.source.parent / p
        return p


SECTIONS: dict[str, type[Any]] = {
    "clinic": ClinicConfig,
    "kiosk": KioskConfig,
    "print": PrintConfig,
    "email": EmailConfig,
    "outbox": OutboxConfig,
    "content": ContentConfig,
}


def _optional(tp: Any) -> Any:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


def _type_name(tp: Any) -> str:
    if _optional(tp) is not None:
        return _type_name(_optional(tp))
    if tp is dt.date:
        return "date"
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in typing.get_args(tp))
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return {str: "string", int: "integer", float: "number", bool: "true/false"}[tp]


def _check_value(tp: Any, value: Any, meta: dict[str, Any]) -> str | None:
    """Return what is wrong with ``value`` for type ``tp``, or None."""
    if _optional(tp) is not None:
        return _check_value(_optional(tp), value, meta)
    if tp is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return None
        return f"must be a date like 2026-11-30 (no quotes), not {value!r}"
    origin = typing.get_origin(tp)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            return f"must be one of {', '.join(repr(c) for c in choices)}, not {value!r}"
        return None
    if origin is list:
        if not isinstance(value, list):
            return f"must be a {_type_name(tp)}, not {value!r}"
        item = typing.get_args(tp)[0]
        for v in value:
            err = _check_value(item, v, {})
            if err:
                return f"each item {err}"
        return None
    ok: bool
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    if not ok:
        return f"must be {_type_name(tp)}, not {value!r}"
    if tp is float and not math.isfinite(value):
        return f"must be a finite number, not {value!r}"
    if meta.get("min") is not None and value < meta["min"]:
        return f"must be at least {meta['min']}, not {value!r}"
    if meta.get("max") is not None and value > meta["max"]:
        return f"must be at most {meta['max']}, not {value!r}"
    return None


def _build_section(name: str, cls: type[Any], raw: Any, file: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, dict):
        problems.append(Problem(file, name, f"must be a table [{name}], not {raw!r}"))
        raw = {}
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key in raw:
        if key not in fields:
            known = ", ".join(fields)
            problems.append(Problem(file, f"{name}.{key}", f"unknown key (known: {known})"))
    for fname, f in fields.items():
        if fname not in raw:
            if f.metadata.get("required"):
                problems.append(Problem(file, f"{name}.{fname}", "missing (required)"))
            continue
        value = raw[fname]
        if hints[fname] is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        err = _check_value(hints[fname], value, dict(f.metadata))
        if err is None and hints[fname] is str and f.metadata.get("required") and not value:
            err = "must not be empty"
        if err:
            problems.append(Problem(file, f"{name}.{fname}", err))
        else:
            values[fname] = value
    try:
        return cls(**values)
    except TypeError:  # a required key was missing: the problem is already recorded
        return None


def parse_config(data: dict[str, Any], file: str, source: Path | None = None) -> Config:
    """Validate parsed TOML against the schema; raise ProblemsError naming every bad key."""
    problems: list[Problem] = []
    for section in data:
        if section not in SECTIONS:
            problems.append(
                Problem(file, section, f"unknown section (known: {', '.join(SECTIONS)})")
            )
    sections = {
        name: _build_section(name, cls, data.get(name, {}), file, problems)
        for name, cls in SECTIONS.items()
    }
    kiosk = sections["kiosk"]
    if kiosk is not None and not kiosk.languages:
        problems.append(Problem(file, "kiosk.languages", "must name at least one language"))
    email = sections["email"]
    if email is not None and email.enabled:
        for key in ("sender",) if email.eml_dir else ("host", "sender"):
            if not getattr(email, key):
                problems.append(
                    Problem(file, f"email.{key}", "must be set when email.enabled = true")
                )
    if problems:
        raise ProblemsError(problems)
    return Config(**sections, source=source)


def load_config(path: Path) -> Config:
    """Read and validate a TOML config file. Raises ProblemsError."""
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ProblemsError([Problem(file, "(file)", "not found")]) from None
    except IsADirectoryError:
        raise ProblemsError([Problem(file, "(file)", "is a folder, not a file")]) from None
    except PermissionError:
        raise ProblemsError(
            [Problem(file, "(file)", "cannot be read (permission denied)")]
        ) from None
    except UnicodeDecodeError:
        raise ProblemsError([Problem(file, "(file)", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsError([Problem(file, "(syntax)", f"not valid TOML: {exc}")]) from None
    return parse_config(data, file, source=path.resolve())


def _default_repr(f: dataclasses.Field[Any]) -> str:
    if f.metadata.get("required"):
        return "*required*"
    factory: Any = f.default_factory
    value = factory() if factory is not dataclasses.MISSING else f.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    return f"`{value}`"


def reference_markdown() -> str:
    """The README's config reference, generated from the schema."""
    lines: list[str] = []
    for name, cls in SECTIONS.items():
        hints = typing.get_type_hints(cls)
        lines.append(f"#### `[{name}]`: {(cls.__doc__ or '').strip()}")
        lines.append("")
        lines.append("| key | type | default | description |")
        lines.append("| --- | --- | --- | --- |")
        for f in dataclasses.fields(cls):
            doc = f.metadata["doc"]
            bounds = []
            if f.metadata.get("min") is not None:
                bounds.append(f"at least {f.metadata['min']}")
            if f.metadata.get("max") is not None:
                bounds.append(f"at most {f.metadata['max']}")
            if f.metadata.get("path"):
                bounds.append("a path; relative to the config file, `{data}/` for the data folder")
            if bounds:
                doc += f" ({'; '.join(bounds)})"
            tname = _type_name(hints[f.name]).replace("|", "\\|")
            lines.append(f"| `{f.name}` | {tname} | {_default_repr(f)} | {doc} |")
        lines.append("")
    return "\n".join(lines)
