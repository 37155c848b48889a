"""The configuration schema, declared once.

Each setting is a dataclass field with its type, default and description. The same
declaration validates a clinic's TOML file (``load_config``, through the walker in
``kiosk.core.schema``) and generates the README's config reference (``reference_markdown``).
Path settings are resolved once, here, when the file is loaded: the loaded ``Config`` holds
absolute ``Path``s (or None for an empty setting).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from kiosk import lazy
from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.schema import (
    CONFIG_WORDS,
    Reader,
    Rule,
    Spec,
    fields_of,
    optional,
    read_toml,
    shown,
)

if TYPE_CHECKING:  # 8 ms: not on Linux before the first paint, see data_dir()
    import platformdirs
else:
    platformdirs = lazy.load("platformdirs")

#: A day, in seconds: no kiosk timer is longer (Qt's timers overflow past about 24 days,
#: and a value that large is a typo).
DAY_S = 86_400
#: The longest wait for the mail server, in seconds: an email job waits up to 8 such steps
#: (connect, TLS, AUTH, MAIL, RCPT, DATA...) and a round of the outbox 4 jobs' worth, so
#: the outbox's timer (4 x (8 x 600 + 30) s, about 5.4 hours) stays within a day
#: (tests/test_config.py checks every timer the settings make).
MAIL_TIMEOUT_MAX_S = 600

REQUIRED: Any = object()
DATA_PREFIX = "{data}"


APP_NAME = "botox-kiosk"


def data_dir() -> Path:
    """The kiosk's own data folder (Linux: $XDG_DATA_HOME or ~/.local/share, then botox-kiosk).

    The config's ``{data}`` paths are resolved as it loads, before the kiosk's first paint,
    and importing platformdirs costs 8 ms of that. So on Linux, the kiosk's platform, the
    XDG rule platformdirs applies there is written out here
    (``tests/test_config.py`` checks the two agree); elsewhere platformdirs decides.
    """
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.expanduser("~/.local/share")
        return Path(base) / APP_NAME
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def resolve_path(value: str, source: Path | None) -> Path | None:
    """A path setting: ``{data}/…`` is in the kiosk's data folder, a relative path is
    relative to the config file's folder; None when empty."""
    if not value:
        return None
    if value.startswith(DATA_PREFIX):
        return data_dir() / value[len(DATA_PREFIX) :].lstrip("/\\")
    p = Path(value).expanduser()
    if not p.is_absolute() and source is not None:
        p = source.parent / p
    return p


#: The longest text setting, in characters (a clinic's name, a location, an address): more
#: is a mistake, and a text of half a megabyte would slow every screen that shows it.
TEXT_MAX = 1000


def setting(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    path: bool = False,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """Declare one config key. ``default=REQUIRED`` makes the key mandatory in a file.

    A ``path`` setting is declared ``Path | None``: ``default`` is the text a file would
    hold, resolved with the file's own values when the config is loaded."""
    if path:
        rule = Rule(doc=doc, path=True, file_default=default)
        return field(default=None, metadata={"rule": rule})
    rule = Rule(
        doc=doc,
        minimum=minimum,
        maximum=maximum,
        required=default is REQUIRED or None,
        check=check,
        longest=TEXT_MAX,
    )
    if default is REQUIRED:
        return field(metadata={"rule": rule})
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"rule": rule})
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"rule": rule})
    return field(default=default, metadata={"rule": rule})


def web_address_problem(url: Any) -> str | None:
    """Why ``url`` cannot be a public web page's address, or None when it can (empty is
    allowed: the setting is then off)."""
    if not isinstance(url, str) or url == "":
        return None  # not text: the type check says so
    if any(c.isspace() or not c.isprintable() for c in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return f"not a valid web address: {shown(url)}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"must start with https:// (or http://), not {shown(url)}"
    if not parts.hostname:
        return f"must name a host, as in https://clinic.example/aftercare, not {shown(url)}"
    return None


#: A language code, as a content pack's folder is named: "en", "pt-BR", "zh_Hant" (letters
#: first; never a path such as "../x").
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


def language_codes_problem(codes: list[str]) -> str | None:
    """Why ``codes`` cannot be the languages offered, or None."""
    if not codes:
        return "must name at least one language"
    bad = next((c for c in codes if not _LANGUAGE_CODE.fullmatch(c)), None)
    if bad is not None:
        return f'each item must be a language code such as "en" or "pt-BR", not {shown(bad)}'
    return None


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class ClinicConfig:
    """Who the patient is visiting; shown on every screen and every summary."""

    name: str = setting(REQUIRED, "Clinic name, at the top of every screen and summary.")
    phone: str = setting(REQUIRED, "Clinic phone number patients call with questions.")
    emergency_number: str = setting(
        REQUIRED, "Local emergency number shown with the get-help-now signs (e.g. 911, 999, 112)."
    )
    logo: Path | None = setting(
        "", "Logo image (PNG, JPEG or SVG) at the top of the summary; empty: the name.", path=True
    )
    check_up_visit: bool = setting(
        False,
        "The clinic offers a check-up about two weeks after a treatment for lines, neck bands "
        "or underarm sweating: the timeline and the calendar file show it.",
    )
    aftercare_url: str = setting(
        "",
        "The clinic's public aftercare web page (http:// or https://). The summary then offers "
        "“Take it on your phone”: a QR code of this address, and nothing else (no patient "
        "data). Empty: that choice is not offered.",
        check=web_address_problem,
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
        "Seconds the “Still there?” countdown lasts before the session is wiped. At least "
        "20: WCAG 2.2.1 asks for a warning of 20 seconds or more before time runs out.",
        minimum=20,
        maximum=DAY_S,
    )
    done_return_s: int = setting(
        20,
        "Seconds the final screen stays before the kiosk returns to the start.",
        minimum=1,
        maximum=DAY_S,
    )
    staff_pin_file: Path | None = setting(
        "{data}/staff-pin",
        "File holding the salted hash of the staff PIN (write it with "
        "`botox-kiosk set-staff-pin`); required in fullscreen.",
        path=True,
    )
    languages: list[str] = setting(
        ["en"],
        "Content-pack language codes offered on the start screen; the first is default.",
        check=lambda codes: language_codes_problem(codes),
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class PrintConfig:
    """Printing the patient's summary."""

    enabled: bool = setting(True, "Offer to print the summary.")
    printer: str = setting("", "CUPS / Windows printer name; empty for the system default.")
    paper: Literal["A4", "Letter", "receipt80"] = setting(
        "A4", "Paper: `A4`, `Letter`, or `receipt80` for an 80 mm receipt roll."
    )
    output_dir: Path | None = setting(
        "",
        "If set, summaries are saved as PDF files in this folder instead of printed.",
        path=True,
    )
    location: str = setting(
        "",
        "Where patients collect their printout, as in “collect it from …”, in the kiosk's "
        "first language; empty: the content pack's words (“the front desk”).",
    )
    locations: dict[str, str] = setting(
        {},
        'The same in other languages, by language code: `{ es = "la recepción 2" }`. A '
        "language not listed gets its pack's words, never another language's.",
    )

    def location_for(self, language: str, first: str, pack_words: str) -> str:
        """Where a patient reading ``language`` collects a printout (``first``: the
        kiosk's first language, the one ``location`` is written in)."""
        own = self.locations.get(language) or (self.location if language == first else "")
        return own or pack_words

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
    ca_file: Path | None = setting(
        "",
        "PEM file of the CA that signed a private mail server's certificate (replaces the "
        "system's trusted CAs); empty: the system's.",
        path=True,
    )
    timeout_s: float = setting(
        10.0,
        "Seconds to wait for the mail server.",
        minimum=1,
        maximum=MAIL_TIMEOUT_MAX_S,
    )
    include_screening: bool = setting(
        False,
        "Include the patient's health-question answers in emails (off: email is not a safe "
        "way to send health facts; the printout always has them).",
    )
    eml_dir: Path | None = setting(
        "",
        "If set, emails are written as .eml files into this folder instead of sent.",
        path=True,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class OutboxConfig:
    """Emails waiting to be delivered (encrypted at rest)."""

    path: Path | None = setting(
        "",
        "Folder of the outbox database and its key; empty: `{data}/outbox`.",
        path=True,
    )
    key_file: Path | None = setting(
        "",
        "The outbox's encryption key file, kept apart from the database (another volume, not "
        "in the backups of the data folder); made on first use. Empty: `outbox.key` in the "
        "outbox folder. Under systemd with credentials the key is the credential `outbox.key` "
        "instead (docs/outbox.md).",
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
        maximum=30,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class ContentConfig:
    """Where the patient-facing words come from."""

    dir: Path | None = setting(
        "",
        "Folder of content packs (one sub-folder per language); empty for the built-in.",
        path=True,
    )
    templates: Path | None = setting(
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
    reviewed_languages: list[str] = setting(
        ["en"],
        "The languages that sign-off covers: each pack the clinician read. A language not "
        "listed keeps its pack's own `[meta]` sign-off; a pack with none is a draft (staff "
        "see a warning; a fullscreen kiosk refuses it).",
    )
    public_key: Path | None = setting(
        "",
        "Ed25519 public key (PEM, from `botox-kiosk content keygen`) the `dir` folder must be "
        "signed with (`botox-kiosk content sign`): an unsigned or altered folder is refused "
        "at start, by `check-config` and on a reload (the kiosk keeps its last good content). "
        "`templates`, when set, must be inside `dir` or signed with the same key. "
        'Needs `dir`. Empty: content is not checked (docs/content-pack.md, "Signed content").',
        path=True,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class SpeechConfig:
    """Read aloud: the kiosk speaks each page in the patient's language (docs/speech.md)."""

    engine: str = setting(
        "",
        "The text-to-speech engine: empty for the platform's own (speech-dispatcher with "
        "espeak-ng on Linux, SAPI on Windows), or a QtTextToSpeech engine name (`speechd`, "
        "`sapi`, `winrt`). `botox-kiosk speech-test` checks it speaks.",
    )
    voices: dict[str, str] = setting(
        {},
        "The voice for a language, by the engine's name for it, e.g. "
        '`{ en = "English (America)", es = "Spanish (Latin America)" }`; a language not '
        "listed (or a name the engine lacks) takes the engine's first voice for it. "
        "`botox-kiosk speech-test --lang CODE` names the voice it spoke with.",
    )
    volume: float = setting(
        0.8,
        "The speech volume each patient starts at, 0.1 to 1.0 of the system volume; the "
        "patient's own choice goes with their session. Loudness in decibels is the "
        "speaker's and the system mixer's: Section 508 asks for at least 65 dB at the ear.",
        minimum=0.1,
        maximum=1.0,
    )


METRICS_NAME_PROBLEM = (
    "must end in .prom: node_exporter's textfile collector ignores every other file"
)


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class OpsConfig:
    """What the fleet's monitoring sees (deploy/prometheus/README.md)."""

    metrics_file: Path | None = setting(
        "",
        "Prometheus text file for node_exporter's textfile collector (e.g. "
        "`/var/lib/botox-kiosk/metrics/botox-kiosk.prom`; the name must end in `.prom`), "
        "written every minute (a session's counts) and within a second of a change of the "
        "kiosk's state: counts and states only, no patient data. Its folder must exist; the "
        "file is 0640 so node_exporter's group can read it (docs/files-at-rest.md). Changing "
        "it needs a restart. Empty: no metrics.",
        path=True,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class AccessibilityConfig:
    """The patient's accessibility settings (the header's accessibility button)."""

    more_time_factor: int = setting(
        4,
        "With “more time” on, the idle timeout (`kiosk.idle_timeout_s`) is multiplied by "
        "this; the session is still wiped in the end.",
        minimum=2,
        maximum=10,
    )


@dataclass(frozen=True, eq=False)  # eq unused: a cheaper class to create at start-up
class Config:
    """The whole file: one table per section (an absent table takes its defaults)."""

    clinic: ClinicConfig
    kiosk: KioskConfig
    print: PrintConfig
    email: EmailConfig
    outbox: OutboxConfig
    content: ContentConfig
    speech: SpeechConfig
    ops: OpsConfig
    accessibility: AccessibilityConfig = field(default_factory=AccessibilityConfig)
    source: Path | None = field(default=None, metadata={"rule": Rule(skip=True)})


def _sections() -> dict[str, type[Any]]:
    return {s.name: s.tp for s in fields_of(Config) if not s.rule.skip}


def parse_config(data: dict[str, Any], file: str, source: Path | None = None) -> Config:
    """Validate parsed TOML against the schema; raise ProblemsError naming every bad key.
    Path settings are resolved against ``source``, the config file."""
    reader = Reader(file, CONFIG_WORDS, resolve=partial(resolve_path, source=source))
    sections = reader.record(Config, data, "")
    problems = reader.problems
    metrics_file: Path | None = sections["ops"].metrics_file
    if metrics_file is not None and metrics_file.suffix != ".prom":
        problems.append(Problem(file, "ops.metrics_file", METRICS_NAME_PROBLEM))
    email: EmailConfig = sections["email"]
    if email.enabled:
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
    return parse_config(read_toml(path), str(path), source=path.resolve())


def _type_name(tp: Any) -> str:
    if optional(tp) is not None:
        return _type_name(optional(tp))
    if tp is dt.date:
        return "date"
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in typing.get_args(tp))
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return f"table of {_type_name(typing.get_args(tp)[1])}"
    return {str: "string", int: "integer", float: "number", bool: "true/false"}[tp]


def _default_repr(spec: Spec) -> str:
    if spec.default is None:
        return "*required*"
    value = spec.default()
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
    for name, cls in _sections().items():
        lines.append(f"#### `[{name}]`: {(cls.__doc__ or '').strip()}")
        lines.append("")
        lines.append("| key | type | default | description |")
        lines.append("| --- | --- | --- | --- |")
        for spec in fields_of(cls):
            rule = spec.rule
            doc = rule.doc
            bounds = []
            if rule.minimum is not None:
                bounds.append(f"at least {rule.minimum}")
            if rule.maximum is not None:
                bounds.append(f"at most {rule.maximum}")
            if rule.path:
                bounds.append("a path; relative to the config file, `{data}/` for the data folder")
            if bounds:
                doc += f" ({'; '.join(bounds)})"
            tname = _type_name(spec.tp).replace("|", "\\|")
            lines.append(f"| `{spec.key}` | {tname} | {_default_repr(spec)} | {doc} |")
        lines.append("")
    return "\n".join(lines)
