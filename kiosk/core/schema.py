"""One way to validate what the kiosk reads: its config and content packs (TOML) and a
session's answers (JSON).

Each input is declared once, as the dataclass or NamedTuple the rest of the kiosk uses;
the fields' types say what a value must be, and a :class:`Rule` (a dataclass field's
``metadata["rule"]``, or ``Annotated[type, Rule(...)]``) says the rest: bounds, a path, a
translated text, an id, the table a field sits in. :class:`Reader` walks a parsed file
against such a declaration and collects EVERY problem as ``FILE: KEY: message``
(:class:`~kiosk.core.errors.Problem`), keeps going with a stand-in value after each, and
the caller raises them all at once. Rules that tie fields together (a flagged answer needs
its advice, the triage of the side effects) stay with their module, as hooks on the reader.

Why a walker of our own rather than msgspec, pydantic or cattrs:

- msgspec stops at the first error, by design (msgspec issues #264 and #721), and a clinic
  fixing its config one line per run is what ``check-config`` exists to avoid.
- pydantic collects every error with its location, but pydantic-core is a compiled
  dependency of several MB, to bundle with PyInstaller on Linux and Windows, and importing
  it costs tens of milliseconds at every start, against a start-up budget of 1.3x a bare
  Qt window. cattrs (with attrs) collects errors too, as exception groups rendered by its
  ``transform_error`` in its own ``$.path`` style; two more dependencies to bundle.
- None of them would spare the domain rules (placeholders in texts, triage levels,
  the answers that pause a treatment), which are most of the content checks, and each
  would word its messages its own way, where clinics and tests rely on ours.

This module is about 650 lines of the standard library only (no new dependency to bundle).
Measured for issue 10 (``python -X importtime -c "import kiosk.core.config,
kiosk.core.content, kiosk.core.session"``, best of 31 runs): 20.3 ms before, 21.3 ms after,
the module itself about 1 ms; loading the demo config and pack takes as long as before
(about 14 ms).

Messages are worded per input by a :class:`Vocabulary`, because the config has always
said ``must be true/false`` and the content and answers ``must be true or false``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import functools
import json
import math
import os
import re
import reprlib
import tomllib
import types
import typing
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

from kiosk.core.errors import Problem, ProblemsError

_ID = re.compile(r"^[a-z0-9_]+$")
#: Characters no value may hold: C0 and C1 controls (NUL among them: no path, header or PDF
#: takes one) and lone surrogates (JSON's "\ud800": no UTF-8 file, page or email can).
NO_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: The same, but a text a patient reads may be written on several lines (TOML's """).
NO_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: One file or folder name, and a whole path, in bytes: what Linux (ext4 and the rest) and
#: Windows (NTFS, 255 UTF-16 units) both take, and Linux's PATH_MAX.
NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4096
#: The largest TOML file read (a config or a content pack; the built-in pack is 32 KB): a
#: path such as /dev/zero is refused, not read until memory runs out.
TOML_MAX_BYTES = 1024 * 1024

_REPR = reprlib.Repr()  # a value in a message: never a megabyte, never 5,000 levels deep
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def shown(value: Any) -> str:
    """``value`` as a message quotes it: its repr, cut short (long text, deep nesting)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    return _REPR.repr(value)


class _Bad:
    """A value that failed its check (the problem is already recorded)."""


BAD: Any = _Bad()


class Rule(NamedTuple):  # not a dataclass: a NamedTuple is three times cheaper to create
    """What a field's type does not say. Every part is optional."""

    doc: str = ""
    #: None: required when the declaration gives no default (or an ``X | None`` type).
    required: bool | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: The most characters a text may have.
    longest: int | None = None
    #: What a bad value "must be", in place of the type's own words.
    expect: str = ""
    #: A text a patient reads: never empty, and the reader's ``text_hook`` checks it.
    text: bool = False
    #: An id: lower-case letters, digits and _, unique among the entries of its list.
    id: bool = False
    #: A path: a string in the file (default ``file_default``), a ``Path | None`` once
    #: read, resolved by the reader's ``resolve``.
    path: bool = False
    file_default: str = ""
    #: The sub-table the field sits in (``meta`` for ``[meta] language``), "" for here.
    at: str = ""
    #: Not read by the walker; ``keys`` are the file keys it stands for (for unknown keys).
    skip: bool = False
    keys: tuple[str, ...] = ()
    #: Run on the raw value before its type is checked; a message is the problem.
    before: Callable[[Any], str | None] | None = None
    #: Run on a well-typed value; a message is the problem.
    check: Callable[[Any], str | None] | None = None
    #: Take any value as it is, converted (no type check).
    convert: Callable[[Any], Any] | None = None


NO_RULE = Rule()


class Vocabulary(NamedTuple):
    """How one kind of input words its problems."""

    names: Mapping[Any, str]
    quote_choices: bool
    missing: str
    #: Said of a sub-table that is absent; None: absent is an empty table.
    missing_table: str | None
    date_example: str
    #: JSON has no dates: ISO text such as "2026-12-01".
    dates_as_text: bool
    #: List items are reported at the list's key ("each item …"), not at ``key[i]``.
    each_item: bool
    #: The characters no text may hold.
    forbidden: re.Pattern[str] = NO_CONTROLS


CONFIG_WORDS = Vocabulary(
    names={str: "string", int: "integer", float: "number", bool: "true/false"},
    quote_choices=True,
    missing="missing (required)",
    missing_table=None,
    date_example="2026-11-30 (no quotes)",
    dates_as_text=False,
    each_item=True,
)
CONTENT_WORDS = Vocabulary(
    names={str: "text", int: "a whole number", float: "a number", bool: "true or false"},
    quote_choices=False,
    missing="missing",
    missing_table="missing section",
    date_example="2026-11-30 (no quotes)",
    dates_as_text=False,
    each_item=False,
    forbidden=NO_CONTROLS_BUT_LINES,
)
ANSWERS_WORDS = CONTENT_WORDS._replace(
    missing_table=None, date_example='"2026-12-01"', dates_as_text=True, forbidden=NO_CONTROLS
)


class Spec(NamedTuple):
    """One declared field, as the walker reads it."""

    name: str
    key: str  # in the file
    tp: Any  # the type in the file (Annotated and, for paths, the Path stripped)
    rule: Rule
    default: Callable[[], Any] | None  # None: required


def join(base: str, name: str) -> str:
    return f"{base}.{name}" if base and name else base or name


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key_name(name: str) -> str:
    """A key taken from a file, as a problem names it: as it is when TOML could write it
    bare, else quoted as TOML quotes it (``""``, ``"a.b"``, ``"two words"``)."""
    return name if _BARE.fullmatch(name) else json.dumps(name)


@functools.cache  # a handful of types, asked about for every value of every pack
def optional(tp: Any) -> Any:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


@functools.cache
def is_record(tp: Any) -> bool:
    return isinstance(tp, type) and (
        dataclasses.is_dataclass(tp) or (issubclass(tp, tuple) and hasattr(tp, "_fields"))
    )


@functools.cache
def _shape(tp: Any) -> tuple[Any, Any, tuple[Any, ...]]:
    """``(tp, origin, args)`` with ``X | None`` read as ``X``: worked out once per type."""
    inner = optional(tp)
    tp = tp if inner is None else inner
    return tp, typing.get_origin(tp), typing.get_args(tp)


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


_FIELDS: dict[type[Any], tuple[Spec, ...]] = {}


def fields_of(cls: type[Any]) -> tuple[Spec, ...]:
    """The fields of a dataclass or NamedTuple, with their rules and defaults (read once)."""
    specs = _FIELDS.get(cls)
    if specs is None:
        specs = _FIELDS[cls] = _read_fields(cls)
    return specs


def _read_fields(cls: type[Any]) -> tuple[Spec, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out: list[Spec] = []
    declared: list[tuple[str, Rule | None, Callable[[], Any] | None]] = []
    if dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            default: Callable[[], Any] | None = None
            if f.default is not dataclasses.MISSING:
                default = _const(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory
            declared.append((f.name, f.metadata.get("rule"), default))
    else:
        defaults: dict[str, Any] = cls._field_defaults
        for name in cls._fields:
            d = _const(defaults[name]) if name in defaults else None
            declared.append((name, None, d))
    for name, rule, default in declared:
        if name.startswith("_"):
            continue
        tp = hints[name]
        if typing.get_origin(tp) is typing.Annotated:
            rule = rule or next((m for m in tp.__metadata__ if isinstance(m, Rule)), None)
            tp = tp.__origin__
        rule = rule or NO_RULE
        if rule.path:
            tp = str
            default = _const(rule.file_default)
        elif default is None and optional(tp) is not None and not rule.required:
            default = _const(None)
        if rule.required:
            default = None
        out.append(Spec(name, name, tp, rule, default))
    return tuple(out)


_OS_PROBLEMS = {
    errno.ENOENT: "not found",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of its path is a file, not a folder",
    errno.EACCES: "cannot be read (permission denied)",
    errno.EPERM: "cannot be read (permission denied)",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.ELOOP: "too many symbolic links (a link that points to itself?)",
}


def read_bytes(path: Path, limit: int) -> bytes:
    """A file's bytes, at most ``limit`` of them; every way it cannot be read is a
    ProblemsError (``FILE: (file): ...``), never an OSError or a read that does not end."""
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except ValueError:  # the one ValueError of open(): a NUL in the name
        raise ProblemsError([Problem(file, "(file)", "the name holds a NUL character")]) from None
    except OSError as exc:
        message = _OS_PROBLEMS.get(exc.errno or 0) or f"cannot be read: {exc.strerror or exc}"
        raise ProblemsError([Problem(file, "(file)", message)]) from None
    if len(data) > limit:
        raise ProblemsError(
            [
                Problem(
                    file, "(file)", f"is larger than {limit // 1024} KB: not a file the kiosk reads"
                )
            ]
        )
    return data


def _text(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemsError([Problem(file, "(file)", "is not UTF-8 text")]) from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, parsed; every way it cannot be read is a ProblemsError."""
    file = str(path)
    parsed: dict[str, Any] = parse(_text(read_bytes(path, TOML_MAX_BYTES), file), file, "TOML")
    return parsed


def read_json(path: Path, limit: int) -> Any:
    """A JSON file of at most ``limit`` bytes, parsed; every way it cannot be read is a
    ProblemsError."""
    file = str(path)
    return parse(_text(read_bytes(path, limit), file), file, "JSON")


#: Deeper than this, TOML is refused before it is parsed: tomllib recurses per level, and
#: on Python 3.13 a RecursionError deep in it also prints "Exception ignored in
#: sys.unraisablehook" (a finalizer run with no stack left). A config nests 3 levels.
TOML_MAX_DEPTH = 100
#: What is not structure in TOML: strings (multi-line first) and comments.
_TOML_NOT_STRUCTURE = re.compile(
    r'"""(?:\\.|[^\\])*?"""|\'\'\'.*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*',
    re.DOTALL,
)


def _toml_depth(text: str) -> int:
    """How deep ``text``'s arrays and inline tables nest (strings and comments aside)."""
    depth = deepest = 0
    for ch in _TOML_NOT_STRUCTURE.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse(text: str, file: str, kind: Literal["TOML", "JSON"]) -> Any:
    """``text`` parsed as ``kind``; what does not parse is a ProblemsError naming ``file``,
    never a traceback (tables or arrays nested thousands deep, an integer of more than 4,300
    digits)."""
    loads = tomllib.loads if kind == "TOML" else json.loads
    try:
        if kind == "TOML" and _toml_depth(text) > TOML_MAX_DEPTH:
            raise RecursionError
        return loads(text)
    except RecursionError:
        raise ProblemsError(
            [Problem(file, "(syntax)", f"not valid {kind}: nested too deeply")]
        ) from None
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, a too-long integer
        raise ProblemsError([Problem(file, "(syntax)", f"not valid {kind}: {exc}")]) from None


def path_problem(path: Path) -> str | None:
    """Why no file system can hold ``path`` (a NUL, too long, or a name in it too long), or
    None."""
    if "\0" in str(path):
        return "the name holds a NUL character"
    try:
        parts = [os.fsencode(part) for part in path.parts]
        whole = os.fsencode(path)
    except UnicodeError:
        return "is not a name the file system can hold"
    if len(whole) > PATH_MAX_BYTES:
        return f"is too long for a path ({len(whole)} bytes; at most {PATH_MAX_BYTES})"
    longest = max((len(p) for p in parts), default=0)
    if longest > NAME_MAX_BYTES:
        return (
            f"has a name too long for a file or folder ({longest} bytes; at most {NAME_MAX_BYTES})"
        )
    return None


def _finite(number: float) -> bool:
    """A number that is a float (an integer of 400 digits is not: float() overflows)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _zero(tp: Any) -> Any:
    """A stand-in for a bad or missing value, so the checks after it can still run."""
    if optional(tp) is not None:
        return None
    origin = typing.get_origin(tp)
    if origin is Literal:
        return typing.get_args(tp)[0]
    if origin is tuple:
        return ()
    if origin is list:
        return []
    if origin in (dict, Mapping):
        return {}
    return {str: "", int: 0, float: 0.0, bool: False}.get(tp)


class Reader:
    """Reads one file's parsed data against declarations, collecting every problem."""

    def __init__(
        self,
        file: str,
        words: Vocabulary,
        resolve: Callable[[str], Path | None] | None = None,
    ) -> None:
        self.file = file
        self.words = words
        self.resolve = resolve
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ProblemsError(self.problems)

    # hooks for a module's own rules
    def text_hook(self, key: str, text: str) -> None:
        """Check a text (placeholders, say)."""

    def finish(
        self, cls: type[Any], values: dict[str, Any], raw: Mapping[str, Any], key: str
    ) -> None:
        """Check a record's fields together, and fill the fields its rule skips."""

    # the walker
    def name(self, tp: Any) -> str:
        if optional(tp) is not None:
            return self.name(optional(tp))
        origin = typing.get_origin(tp)
        if origin in (list, tuple):
            return f"list of {self.name(typing.get_args(tp)[0])}"
        if origin is Literal:
            return self.choices(tp)
        if tp is dt.date:
            return "date"
        return self.words.names.get(tp, getattr(tp, "__name__", str(tp)))

    def choices(self, tp: Any) -> str:
        args = typing.get_args(tp)
        return ", ".join(repr(c) if self.words.quote_choices else str(c) for c in args)

    def record(
        self,
        cls: type[Any],
        raw: Any,
        key: str,
        extra: Mapping[str, Collection[str]] | None = None,
    ) -> dict[str, Any]:
        """The declared fields of ``cls`` read from a table (``extra``: sub-tables read by
        the caller, with their keys). Bad and missing values become stand-ins."""
        extra = extra or {}
        if not isinstance(raw, Mapping):
            self.problem(key or "(file)", f"must be a table [{key}], not {shown(raw)}")
            raw = {}
        specs = fields_of(cls)
        subnames = list(dict.fromkeys([s.rule.at for s in specs if s.rule.at] + list(extra)))
        here = [s for s in specs if not s.rule.at]
        known = [k for s in here for k in (s.rule.keys or ([] if s.rule.skip else [s.key]))]
        tables_only = bool(subnames or here) and all(s.rule.skip or is_record(s.tp) for s in here)
        self.unknown(raw, [*known, *subnames], key, "section" if tables_only else "key")
        subs: dict[str, Mapping[str, Any]] = {}
        for sub in subnames:
            k = join(key, sub)
            table = raw.get(sub)
            if table is None and self.words.missing_table is not None:
                self.problem(k, self.words.missing_table)
            elif table is not None and not isinstance(table, Mapping):
                self.problem(k, f"must be a table [{k}], not {shown(table)}")
            subs[sub] = table if isinstance(table, Mapping) else {}
            keys = [s.key for s in specs if s.rule.at == sub] + list(extra.get(sub, ()))
            self.unknown(subs[sub], keys, k, "key")
        values: dict[str, Any] = {}
        for s in specs:
            if not s.rule.skip:
                table = subs[s.rule.at] if s.rule.at else raw
                values[s.name] = self.field(s, table, join(key, join(s.rule.at, s.key)))
        self.finish(cls, values, raw, key)
        return values

    def unknown(self, raw: Mapping[str, Any], known: list[str], key: str, what: str) -> None:
        for name in raw:
            if name not in known:
                self.problem(
                    join(key, key_name(name)), f"unknown {what} (known: {', '.join(known)})"
                )

    def field(self, spec: Spec, table: Mapping[str, Any], key: str) -> Any:
        """One field's value from its table (its default when absent)."""
        rule = spec.rule
        if spec.key not in table:
            if is_record(spec.tp):  # an absent table: its own defaults and missing keys
                return self._stand_in(spec.tp, key)
            if spec.default is None:
                self.problem(
                    key, self.words.missing + (f" (must be {rule.expect})" if rule.expect else "")
                )
                return self._stand_in(spec.tp, key)
            value = spec.default()
        else:
            value = self.value(spec.tp, rule, table[spec.key], key)
            if value is BAD:
                if spec.default is not None and not rule.path:
                    return spec.default()
                return None if rule.path else self._stand_in(spec.tp, key)
        if rule.path:
            assert self.resolve is not None, "a path setting needs a reader that resolves"
            path = self.resolve(value)
            message = None if path is None else path_problem(path)
            if message is not None:
                self.problem(key, message)
                return None
            return path
        return value

    def _stand_in(self, tp: Any, key: str) -> Any:
        if is_record(tp):
            return tp(**self.record(tp, {}, key))
        return _zero(tp)

    def value(self, tp: Any, rule: Rule, value: Any, key: str) -> Any:
        """``value`` checked against ``tp`` and ``rule`` (and converted); BAD on a problem."""
        if rule.before is not None:
            message = rule.before(value)
            if message:
                self.problem(key, message)
                return BAD
        if rule.convert is not None:
            return rule.convert(value)
        tp, origin, args = _shape(tp)
        if is_record(tp):
            if not isinstance(value, Mapping):
                self.problem(key, f"must be a table [{key}], not {shown(value)}")
                return BAD
            return tp(**self.record(tp, value, key))
        if origin in (list, tuple):
            out = self.items(args[0], rule, value, key)
            return out if out is BAD or origin is list else tuple(out)
        if origin in (dict, Mapping):
            return self.mapping(args[1], rule, value, key)
        message = self.scalar(tp, rule, value)
        if message is None and rule.check is not None:
            message = rule.check(value)
        if message is not None:
            self.problem(key, message)
            return BAD
        if rule.text:
            self.text_hook(key, value)
        if tp is float:
            return float(value)
        if tp is dt.date and self.words.dates_as_text:
            return dt.date.fromisoformat(value)
        return value

    def scalar(self, tp: Any, rule: Rule, value: Any) -> str | None:
        """What is wrong with a single value, or None."""

        def bad(what: str) -> str:
            return f"must be {rule.expect or what}, not {shown(value)}"

        if tp is dt.date:
            if self.words.dates_as_text:
                try:
                    dt.date.fromisoformat(value)
                    return None
                except (TypeError, ValueError):
                    pass
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return None
            return bad(f"a date like {self.words.date_example}")
        _, origin, args = _shape(tp)
        if origin is Literal:
            if value in args and isinstance(value, str | int):
                return None
            return bad(f"one of {self.choices(tp)}")
        if tp is bool:
            ok = isinstance(value, bool)
        elif tp is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif tp is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            ok = isinstance(value, tp)
        if not ok:
            return bad(self.name(tp))
        if tp is str:
            message = self._text_problem(rule, value)
            if message is not None:
                return message
        if tp is float and not _finite(value):
            return f"must be a finite number, not {shown(value)}"
        if rule.minimum is not None and value < rule.minimum:
            return bad(f"at least {rule.minimum}")
        if rule.maximum is not None and value > rule.maximum:
            return bad(f"at most {rule.maximum}")
        if tp is str and (rule.text or rule.expect or rule.required):
            empty = not value.strip() if rule.text else not value
            if empty:
                return bad("") if rule.expect else "must not be empty"
        if rule.id and not _ID.match(value):
            return f"must be lower-case letters, digits and _, not {shown(value)}"
        return None

    def _text_problem(self, rule: Rule, value: str) -> str | None:
        """A text too long, or holding a character no page, file or email can."""
        if rule.longest is not None and len(value) > rule.longest:
            return f"must be at most {rule.longest} characters, not {len(value)}"
        found = self.words.forbidden.search(value)
        if found is None:
            return None
        char = found.group()
        what = (
            "a lone surrogate, not a character"
            if "\ud800" <= char <= "\udfff"
            else "a control character"
        )
        return f"must not hold U+{ord(char):04X} ({what}; at position {found.start()})"

    def items(self, tp: Any, rule: Rule, value: Any, key: str) -> Any:
        """A list: of tables (records), or of values."""
        if is_record(tp):
            return self.records(tp, rule, value, key)
        item_rule = Rule(text=rule.text, id=rule.id)
        whole = rule.expect or f"a {'non-empty ' if rule.text else ''}{self.name(list[tp])}"
        if not isinstance(value, list) or (rule.text and not value):
            self.problem(key, f"must be {whole}, not {shown(value)}")
            return BAD
        out = []
        for i, item in enumerate(value):
            message = self.scalar(tp, item_rule, item)
            if message is None:
                if rule.text:
                    self.text_hook(f"{key}[{i}]", item)
                out.append(item)
            elif rule.expect:
                self.problem(key, f"must be {whole}, not {shown(value)}")
                return BAD
            elif self.words.each_item:
                self.problem(key, f"each item {message}")
                return BAD
            else:
                self.problem(f"{key}[{i}]", message)
        message = rule.check(out) if rule.check is not None else None
        if message is not None:
            self.problem(key, message)
            return BAD
        return out

    def records(self, tp: type[Any], rule: Rule, value: Any, key: str) -> Any:
        """A non-empty list of tables (``[[key]]``), each read as a ``tp``; ids unique."""
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.problem(key, f"must be a non-empty list of tables ([[{key}]])")
            return BAD
        ids = [s for s in fields_of(tp) if s.rule.id]
        seen: dict[str, set[Any]] = {s.name: set() for s in ids}
        out = []
        for i, entry in enumerate(value):
            values = self.record(tp, entry, f"{key}[{i}]")
            for s in ids:
                v = values[s.name]
                if v and v in seen[s.name]:
                    self.problem(f"{key}[{i}].{s.key}", f"duplicate id {shown(v)}")
                seen[s.name].add(v)
            out.append(tp(**values))
        return out

    def mapping(self, tp: Any, rule: Rule, value: Any, key: str) -> Any:
        """A table of key to value: each value checked at ``key.name``."""
        if not isinstance(value, Mapping):
            self.problem(key, f"must be {rule.expect or 'a table'}, not {shown(value)}")
            return BAD
        out = {}
        for name, item in value.items():
            message = self.scalar(tp, NO_RULE, item)
            if message is None:
                out[name] = item
            else:
                self.problem(f"{key}.{key_name(name)}", message)
        return out
