"""Generated input (Hypothesis) for check-config, render-summary and the content loader:
whatever comes in, the command exits 0 or 2, never with a traceback, and every line it says
is ``FILE: KEY: message`` (issue 12, item 8).

The commands run in this process, through ``kiosk.cli.main``, so each example costs a few
milliseconds to a few tens. The examples are the same at every run (``derandomize``, no
example database) and bounded in number, so CI is deterministic and this file takes a few
seconds. ``tests/test_config.py``, ``test_cli.py`` and ``test_content.py`` hold one test per
finding; this file looks for the findings nobody wrote down.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import math
import re
import shutil
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk import app, cli, resources
from kiosk.core.config import Config
from kiosk.core.content import ANSWERS, AREA_IDS
from kiosk.core.schema import Spec, fields_of

from .helpers import DEMO_CLINIC

FUZZ = settings(
    max_examples=120,
    # a refusal is quick; past this, the example is a finding (a 1 MB name took 18-23 s)
    deadline=dt.timedelta(seconds=3),
    derandomize=True,
    database=None,
    print_blob=False,
    # the files of one test's tmp_path are written anew by each example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Characters no output of the kiosk may hold (the summary's HTML and text keep \t, \n).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def run(args: list[str]) -> tuple[int, str]:
    """``botox-kiosk ARGS`` in this process: its exit code and its standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    return code, err.getvalue()


def assert_plain(code: int, err: str, files: tuple[str, ...]) -> None:
    """Exit 0 or 2; each line a problem of one of ``files``: FILE: KEY: message."""
    event(f"exit {code}")  # pytest --hypothesis-show-statistics: how many got how far
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.strip(), "exit 2 without saying why"
    for line in err.splitlines():
        assert line.startswith(files), line
        file = max((f for f in files if line.startswith(f)), key=len)
        if file == "/":  # a file under a folder the generated input named (content.dir)
            file = line.split(": ", 1)[0]
        key, sep, message = line[len(file) :].removeprefix(": ").partition(": ")
        assert key and sep and message.strip(), line


def toml_text(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's; DEL must be escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_text(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, Mapping)
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: Mapping[str, Any]) -> str:
    """Top-level values first, then one ``[table]`` per table (tables in it inline)."""
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for name, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{toml_key(name)}]")
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def mutated(text: str, cut: tuple[int, str] | None) -> str:
    """``text`` with a few characters put in at some place (broken syntax, raw controls)."""
    if cut is None:
        return text
    at, junk = cut
    at %= len(text) + 1
    return text[:at] + junk + text[at:]


# --- what the generated files are made of ----------------------------------------------------

#: Text that has found problems before, and the shapes of real values.
NASTY = [
    "",
    " ",
    "\0",
    "a\0b",
    "\x1b[2J",
    "\x7f",
    "\u202e",
    "\n",
    "../x",
    "/",
    "/dev/zero",
    "{data}/x",
    "~",
    "en",
    "pt-BR",
    "A4",
    "starttls",
    "https://clinic.example/aftercare",
    "{clinic_phone:%s}",
    "{0}",
]
#: Long text: a name past a file system's 255 bytes, a path past 4096, a screenful.
LONG = st.sampled_from([("n", 256), ("/d", 2100), ("x", 5000)]).map(lambda p: p[0] * p[1])
text = st.one_of(st.sampled_from(NASTY), LONG, st.text(max_size=30))
#: Text a clinic or a patient might really write: any letters, no control characters.
words = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)
scalar = st.one_of(
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 1, 5, 600, 601, 86_400, 86_401, 2_147_484, 2**31, 2**63]),
    st.just(10**400),
    st.floats(),
    text,
    st.dates(),
    st.datetimes(),
    st.times(),
)
value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
cut = st.tuples(st.integers(min_value=0), st.text(min_size=1, max_size=3))


def often(*choices: Any) -> st.SearchStrategy[Any]:
    """``often(a, 9, b, 1)``: ``a`` nine times in ten (a strategy among the choices is
    drawn from). Hypothesis's own choices lean to the edges; this keeps the weights."""
    pool = [c for c, n in zip(choices[::2], choices[1::2], strict=True) for _ in range(n)]
    return st.sampled_from(range(len(pool))).flatmap(
        lambda i: pool[i] if isinstance(pool[i], st.SearchStrategy) else st.just(pool[i])
    )


def plausible(spec: Spec) -> st.SearchStrategy[Any]:
    """Mostly values the setting takes, else values near and past its bounds, or of any
    type at all."""
    tp, rule = spec.tp, spec.rule
    near: st.SearchStrategy[Any]
    if tp is bool:
        good = near = st.booleans()
    elif tp in (int, float):
        low, high = int(rule.minimum or 0), int(rule.maximum or 10**6)
        good = st.integers(low, high) if tp is int else st.floats(low, high)
        near = st.integers(low - 2, high + 2) | st.sampled_from([-(2**63), 2**63, 10**400])
    elif rule.path:
        good = st.just("")
        near = st.sampled_from(["x", "logo.png", "/", "/dev/zero", "{data}/pin", "~/x"]) | text
    elif str(tp).startswith("datetime.date"):
        good = st.dates(dt.date(2025, 1, 1), dt.date.today())
        near = st.dates() | st.datetimes()
    elif str(tp).startswith("list"):
        good = st.just(["en"])
        near = st.lists(st.sampled_from(["en", "es", "pt-BR", "../x", "", "e\0n"]), max_size=3)
    elif typing.get_origin(tp) is Literal:
        good = st.sampled_from(typing.get_args(tp))
        near = text
    elif rule.check is not None:  # the aftercare page's address
        good = st.sampled_from(["", "https://clinic.example/aftercare"])
        near = text
    else:
        good, near = words, text
    return st.one_of(good, good, good, near, value)


SECTIONS = {
    section.key: {spec.key: plausible(spec) for spec in fields_of(section.tp)}
    for section in fields_of(Config)
    if not section.rule.skip
}


@st.composite
def configs(draw: st.DrawFn) -> str:
    """A config file: mostly the real sections and keys with values near their types, on
    a valid base or not, plus unknown keys and sections, nested values, broken syntax."""
    doc: dict[str, Any] = {}
    if draw(often(True, 4, False, 1)):
        doc = {
            "clinic": {"name": "T", "phone": "1", "emergency_number": "112"},
            "kiosk": {"fullscreen": False},
        }
    for name in draw(st.lists(st.sampled_from(sorted(SECTIONS)), max_size=3, unique=True)):
        keys = SECTIONS[name]
        table = doc.setdefault(name, {})
        for key in draw(st.lists(st.sampled_from(sorted(keys)), max_size=3, unique=True)):
            table[key] = draw(keys[key])
    if draw(often(False, 6, True, 1)):  # an unknown section, or one that is not a table
        doc[draw(text)] = draw(value)
    if draw(often(False, 6, True, 1)) and doc.get("kiosk"):
        doc["kiosk"][draw(text)] = draw(value)
    return mutated(toml_document(doc), draw(often(None, 10, cut, 1)))


@given(document=configs())
@FUZZ
def test_check_config_exits_0_or_2_on_any_config(tmp_path: Path, document: str) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(document, encoding="utf-8", errors="surrogatepass")
    code, err = run(["check-config", str(config)])
    # "/": the generated config may name any folder as content.dir ("/en/content.toml: …")
    assert_plain(code, err, (str(config), str(resources.content_dir()), str(tmp_path), "/"))


#: Deep nesting, put into the JSON text where this marker is (Python's json cannot write it).
_DEEP = "\x00deep:{}\x00"


def deep(depth: int) -> str:
    return _DEEP.format(depth)


@functools.cache
def _pack_ids() -> tuple[list[str], list[str]]:
    """The built-in pack's health question ids and patient question ids."""
    pack = app.load().packs["en"]
    return sorted(pack.screening_ids), sorted(pack.question_ids)


@st.composite
def answers_files(draw: st.DrawFn) -> str:
    """An answers file the kiosk takes, with none, one or two of its values made hostile
    (lone surrogates, controls, names past the keyboard's cap, dates at the calendar's ends,
    values of any type, nesting 10 to 100,000 deep), or broken JSON. One hostile value in a
    file that is otherwise sound reaches as far as the kiosk lets it."""
    screening_ids, question_ids = _pack_ids()
    today = dt.date.today()
    span = dt.timedelta(days=3653)
    good = {
        "language": st.just("en"),
        "first_name": st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=80),
        "appointment_date": st.dates(today - span, today + span).map(dt.date.isoformat),
        "areas": st.lists(st.sampled_from(AREA_IDS), max_size=4),
        "screening": st.dictionaries(st.sampled_from(screening_ids), st.sampled_from(ANSWERS)),
        "questions": st.lists(st.sampled_from(question_ids), max_size=3),
        "email": st.emails(),
        "email_consent": st.booleans(),
    }
    ends = [dt.date.max, dt.date(9999, 7, 1), dt.date.min, today + span + dt.timedelta(days=1)]
    depth = st.sampled_from([10, 900, 5_000, 30_000, 100_000]).map(deep)
    hostile = {
        "language": st.sampled_from(["es", "", "\ud800", "e\0n"]),
        "first_name": st.sampled_from(["\ud800", "a\udfffb", "A\0B", "x" * 81, "x" * 70_000]),
        "appointment_date": often(st.sampled_from(ends), 3, st.dates(), 1).map(dt.date.isoformat)
        | text,
        "areas": st.lists(st.sampled_from(["jawline", "\0", *AREA_IDS]), min_size=1, max_size=4),
        "screening": st.dictionaries(text, st.sampled_from(ANSWERS) | value, max_size=3),
        "questions": st.lists(text, min_size=1, max_size=3),
        "email": st.sampled_from(["a\0@b.example", "a" * 300, "\ud800@b.example"]),
        "email_consent": value,
    }
    doc: dict[str, Any] = {"language": "en"}
    for key in sorted(good):
        if draw(often(True, 3, False, 1)):
            doc[key] = draw(good[key])
    attacks = draw(often(0, 1, 1, 3, 2, 2))
    for key in draw(st.lists(st.sampled_from(sorted(good)), min_size=attacks, max_size=attacks)):
        doc[key] = draw(often(hostile[key], 4, value, 1, depth, 1))
    if draw(often(False, 5, True, 1)):
        doc[draw(text)] = draw(value | depth)
    whole: Any = doc if draw(often(True, 12, False, 1)) else draw(value)
    body = json.dumps(whole, default=str)  # dates and times as text; lone surrogates escaped
    for found in set(re.findall(r'"\\u0000deep:(\d+)\\u0000"', body)):
        n = int(found)
        body = body.replace(f'"\\u0000deep:{found}\\u0000"', "[" * n + "]" * n)
    return mutated(body, draw(often(None, 10, cut, 1)))


@given(body=answers_files())
@FUZZ
def test_render_summary_exits_0_or_2_on_any_answers(tmp_path: Path, body: str) -> None:
    answers, out, html = tmp_path / "answers.json", tmp_path / "s.pdf", tmp_path / "s.html"
    answers.write_text(body, encoding="utf-8", errors="surrogatepass")
    out.unlink(missing_ok=True)
    html.unlink(missing_ok=True)
    code, err = run(["render-summary", str(answers), "--out", str(out), "--html", str(html)])
    assert_plain(code, err, (str(answers),))
    if code == 2:
        assert not out.exists() and not html.exists()  # nothing of a refused file is written
    else:
        assert out.read_bytes().startswith(b"%PDF")
        assert not _CONTROLS.search(html.read_text(encoding="utf-8"))  # no NUL in the HTML


#: Texts of the built-in pack that a pack's author may give placeholders: the line as the
#: pack has it, and the key's part before ``=``.
TEXTS = [
    'footer = "{clinic_name} · {clinic_phone}"',
    'greeting = "Hello {first_name},"',
    'title = "Call your doctor or the clinic on {clinic_phone} right away if you have any of',
    'calendar = "Call {clinic_name} to book your next visit"',
    'contact = "{clinic_name}: call {clinic_phone} if you have questions or worries."',
]
#: Placeholders as a pack's author might write them, right or wrong: a name (known, given
#: to this text or not, dotted, indexed, a number, none), a conversion, a format spec.
placeholder = st.tuples(
    st.sampled_from(
        [
            *("clinic_phone", "clinic_name", "emergency_number", "first_name", "date"),
            *("patient", "clinic.name", "clinic_phone[0]", "0", ""),
        ]
    ),
    often("", 4, st.sampled_from(["!r", "!s", "!a", "!x"]), 1),
    often("", 3, st.sampled_from([":%s", ":>10", ":0", ":d", ":{clinic_name}", ":"]), 1),
).map(lambda parts: "{" + "".join(parts) + "}")
PIECES = ["{", "}", "{{", "}}", "Call ", " ", "\n", "\t", "\x00", "\u202e"]
pack_text = st.lists(
    often(placeholder, 2, st.sampled_from(PIECES), 1, st.text(max_size=4), 1), max_size=6
).map("".join)


@pytest.fixture(scope="module")
def pack_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built-in packs, and a windowed config that uses it."""
    folder = tmp_path_factory.mktemp("fuzz-content")
    shutil.copytree(resources.content_dir(), folder / "content")
    (folder / "kiosk.toml").write_text(
        DEMO_CLINIC + "[kiosk]\nfullscreen = false\n"
        '[content]\ndir = "content"\nreviewed_by = "Dr A. Test"\nreviewed_on = 2026-11-30\n',
        encoding="utf-8",
    )
    (folder / "answers.json").write_text(
        json.dumps(
            {
                "language": "en",
                "first_name": "Ana",
                "areas": ["frown_lines", "neck_bands"],
                "screening": {"pregnancy": "no"},
            }
        ),
        encoding="utf-8",
    )
    return folder


@given(line=st.sampled_from(TEXTS), new=pack_text)
@settings(FUZZ, max_examples=60)
def test_a_pack_that_check_config_passes_renders(pack_folder: Path, line: str, new: str) -> None:
    """A text with any placeholders, braces and format specs: check-config refuses it (exit
    2, naming the file and key) or every summary renders it (the finding: {clinic_phone:%s}
    passed check-config and crashed the render)."""
    pack = pack_folder / "content" / "en" / "content.toml"
    original = (resources.content_dir() / "en" / "content.toml").read_text(encoding="utf-8")
    key = line.partition(" = ")[0]
    start = original.index(line)
    end = original.index("\n", start)
    pack.write_text(original[:start] + f"{key} = {toml_text(new)}" + original[end:], "utf-8")
    config = pack_folder / "kiosk.toml"
    code, err = run(["check-config", str(config)])
    assert_plain(code, err, (str(pack), str(config)))
    if code == 2:
        assert any(f": {key}" in line or f".{key}" in line for line in err.splitlines()), err
        return
    out = pack_folder / "s.pdf"
    answers = str(pack_folder / "answers.json")
    code, err = run(["render-summary", answers, "--out", str(out), "--config", str(config)])
    assert code == 0, err
