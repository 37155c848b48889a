"""Everything the patient takes away is in their language, right to left in Arabic: the
summary (HTML and text), the PDF that ``render-summary`` writes, the email (subject, HTML and
text parts) and its calendar file.

Pseudo-translated packs (tests/pseudo_packs.py) prove that no English comes from code or a
template: every text of theirs is rewritten, so an English word can only come from elsewhere.
The same checks run on the real packs once they are in resources/content ("real-es",
"real-ar"): there every Latin word shown must be one of the pack's own (a brand name, say).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import functools
import html
import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import icalendar
import pytest
from pypdf import PdfReader

from kiosk import app, cli, resources
from kiosk.core import message
from kiosk.core.content import FSI, LRI, NBSP, PDI, ContentPack
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context

from .pseudo_packs import PLACEHOLDER, english_texts, write_packs

LANGUAGES = ["es", "ar"]
#: The real packs that are there: the same checks run on them.
REAL = [code for code in LANGUAGES if (resources.content_dir() / code / "content.toml").is_file()]
CASES = [pytest.param("pseudo", code, id=f"pseudo-{code}") for code in LANGUAGES] + [
    pytest.param("real", code, id=f"real-{code}") for code in REAL
]
CLINIC = "Demo Clinic"
PHONE = "+1 555-0100"
NAME = "Ana"
#: Latin words allowed whatever the language: the clinic's configured name, the name the
#: patient typed, and the marker of the pseudo Spanish pack.
ALLOWED = {"Demo", "Clinic", NAME, "ES"}
#: A Latin word of 3 letters or more, whole (no accented letter next to it).
LATIN_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{3,}(?![^\W\d_])")
ANSWERS = {
    "first_name": NAME,
    "areas": ["frown_lines", "chronic_migraine"],
    "screening": {"pregnancy": "unsure", "blood_thinners": "yes"},
    "questions": ["experience", "how_long"],
}


def _config(path: Path, content: Path | None, languages: list[str]) -> Path:
    path.write_text(
        f'[clinic]\nname = "{CLINIC}"\nphone = "{PHONE}"\nemergency_number = "911"\n'
        "check_up_visit = true\n[kiosk]\nfullscreen = false\n"
        f"languages = {json.dumps(['en', *languages])}\n"
        + (f'[content]\ndir = "{content}"\n' if content else "")
        + '[email]\nhost = "localhost"\nsender = "kiosk@clinic.example"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A config offering English and the pseudo packs, and one with the real packs there."""
    root = tmp_path_factory.mktemp("i18n")
    write_packs(root / "content", LANGUAGES)
    return {
        "pseudo": _config(root / "pseudo.toml", root / "content", LANGUAGES),
        "real": _config(root / "real.toml", None, REAL),
    }


@functools.cache
def phrases() -> tuple[str, ...]:
    """The English pack's sentences and phrases of 3 words or more (between placeholders)."""
    out = {
        " ".join(part.split())
        for text in english_texts()
        for part in PLACEHOLDER.split(text)
        if len(part.split()) >= 3
    }
    return tuple(sorted(out))


@functools.cache
def pack_words(source: Path) -> frozenset[str]:
    """The Latin words of a pack's texts (not its ids, file names or comments)."""
    with source.open("rb") as f:
        texts = english_texts(tomllib.load(f))
    return frozenset(w for text in texts for w in LATIN_WORD.findall(text))


def english_left(text: str, pack: ContentPack) -> list[str]:
    """English in ``text``: the English pack's phrases, and any Latin word that is not one
    of ``pack``'s (a pseudo pack has no English word; a real one has only brand names)."""
    flat = " ".join(plain(text).split())
    found = [p for p in phrases() if p in flat]
    return found + sorted(set(LATIN_WORD.findall(flat)) - ALLOWED - pack_words(pack.source))


def plain(text: str) -> str:
    """``text`` without the isolates around values and with plain spaces."""
    return "".join(ch for ch in text if ch not in (FSI, LRI, PDI)).replace(NBSP, " ")


def pdf_words(path: Path) -> tuple[str, list[tuple[str, float]]]:
    """The PDF's text, and each text run with its x position on the page."""
    runs: list[tuple[str, float]] = []
    texts = []
    for page in PdfReader(path).pages:

        def visit(text, cm, tm, _font, _size) -> None:  # type: ignore[no-untyped-def]
            if text.strip():
                runs.append((" ".join(text.split()), tm[4] * (cm[0] or 1) + cm[4]))

        texts.append(page.extract_text(visitor_text=visit))
    return "\n".join(texts), runs


PUNCTUATION = ".,:;?!·–،؛؟"


def logical_words(text: str) -> set[str]:
    """The words of ``text`` as written, whether pypdf gives them in reading order or, for
    Arabic, in the order they are drawn: reversed, in shaped forms and ligatures (one glyph
    for lam-alef), which NFKC undoes once the word is turned round."""
    words = plain(text).split()
    return {
        unicodedata.normalize("NFKC", w).strip(PUNCTUATION)
        for w in words + [w[::-1] for w in words]
    }


def render(config: Path, tmp_path: Path, language: str) -> dict[str, Any]:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"language": language, **ANSWERS}), encoding="utf-8")
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    args = ["render-summary", str(answers), "--out", str(out), "--config", str(config)]
    assert cli.main([*args, "--html", str(html), "--text", str(text)]) == 0
    return {"pdf": out, "html": html.read_text("utf-8"), "text": text.read_text("utf-8")}


def untagged(text: str) -> str:
    """What an HTML page shows: its text without tags, its entities (&nbsp;) as characters."""
    return html.unescape(re.sub(r"<[^>]*>", " ", text))


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_render_summary_in_language(
    configs: dict[str, Path], tmp_path: Path, kind: str, language: str
) -> None:
    got = render(configs[kind], tmp_path, language)
    pack = app.load(configs[kind]).packs[language]
    pdf_text, runs = pdf_words(got["pdf"])
    assert english_left(pdf_text, pack) == []
    assert english_left(untagged(got["html"]), pack) == []
    assert english_left(got["text"], pack) == []
    # the pack's texts are there: headings, and the date written with the pack's names
    shown = logical_words(pdf_text) | logical_words(" ".join(text for text, _ in runs))
    december = pack.items("ui.months")[11]
    for expected in (pack.t("summary.title"), pack.t("summary.help_title"), december):
        assert expected in got["text"]
        words = {w.strip(PUNCTUATION) for w in unicodedata.normalize("NFKC", expected).split()}
        assert words <= shown, expected
    assert "December" not in pdf_text and "Tuesday" not in pdf_text


def test_arabic_summary_is_right_to_left(configs: dict[str, Path], tmp_path: Path) -> None:
    got = render(configs["pseudo"], tmp_path, "ar")
    assert '<html lang="ar" dir="rtl">' in got["html"]
    assert '<body dir="rtl" lang="ar"' in got["html"]
    assert f"<bdi>{CLINIC}</bdi>" in got["html"]
    # values inside Arabic sentences keep their own direction
    assert f"{FSI}{NAME}{PDI}" in got["text"]
    assert f"{LRI}{PHONE.replace(' ', NBSP)}{PDI}" in got["text"]  # one line, left to right
    _, runs = pdf_words(got["pdf"])
    width = float(PdfReader(got["pdf"]).pages[0].mediabox.width)
    clinic_x = next(x for text, x in runs if text == CLINIC)  # the h1, right aligned
    page_x = next(x for text, x in runs if re.fullmatch(r"1\s*/\s*\d+", text))
    assert clinic_x > width / 2 and page_x < width / 4, (clinic_x, page_x, width)
    # Arabic is shaped: joined letters are drawn with their contextual forms
    assert any("\ufe70" <= ch <= "\ufeff" for text, _ in runs for ch in text)


def test_english_summary_stays_left_to_right(configs: dict[str, Path], tmp_path: Path) -> None:
    got = render(configs["pseudo"], tmp_path, "en")
    assert '<html lang="en" dir="ltr">' in got["html"] and FSI not in got["text"]
    _, runs = pdf_words(got["pdf"])
    width = float(PdfReader(got["pdf"]).pages[0].mediabox.width)
    assert next(x for text, x in runs if text == CLINIC) < width / 4


def _session(language: str) -> Session:
    session = Session(language=language, first_name=NAME, email="ana@example.com")
    session.appointment_date = dt.date(2026, 12, 1)
    session.areas = list(ANSWERS["areas"])
    session.questions = list(ANSWERS["questions"])
    return session


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_email_in_language(configs: dict[str, Path], kind: str, language: str) -> None:
    loaded = app.load(configs[kind])
    pack = loaded.packs[language]
    laid_out: list[str] = []

    def pdf(html: str, *, paper: str, title: str, footer: str) -> bytes:
        laid_out.append(" ".join((html, title, footer)))
        return b"%PDF-1.4 stand-in"

    renderer = SummaryRenderer(loaded.template_dirs)
    raw = message.compose(_session(language), pack, loaded.config, renderer, pdf=pdf)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    # no bidi isolates in a header (mail programs show them as boxes)
    assert str(msg["Subject"]) == plain(pack.t("email.subject"))
    assert msg["Content-Language"] == language
    html_part = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for part in (str(msg["Subject"]), text, untagged(html_part), untagged(laid_out[0])):
        assert english_left(part, pack) == []
    assert pack.t("summary.title") in text and pack.t("summary.title") in html_part
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html_part
    (ics,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "follow-up.ics"  # ASCII on purpose: see message.ICS_NAME
    events = list(icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT"))
    assert events
    for event in events:
        for field in ("SUMMARY", "DESCRIPTION"):
            value = event[field]
            assert value.params["LANGUAGE"] == language
            assert english_left(str(value), pack) == [], (field, str(value))
        assert str(event["SUMMARY"]) in {plain(pack.fill(e.calendar)) for e in pack.timeline}
    assert plain(str(events[0]["DESCRIPTION"])).startswith(plain(pack.t("email.ics_description")))


@pytest.mark.parametrize(
    ("language", "medium", "mirrored"),
    [
        ("ar", "screen", True),
        ("ar", "print", True),
        ("ar", "email", False),
        ("en", "screen", False),
    ],
)
def test_tables_mirrored_for_qt_only(
    configs: dict[str, Path], language: str, medium: str, mirrored: bool
) -> None:
    """Qt keeps a table's cells left to right even in dir="rtl": the screen's and the
    paper's summary put them in reverse order; a mail program mirrors them itself."""
    loaded = app.load(configs["pseudo"])
    pack = loaded.packs[language]
    context = build_context(
        _session(language), pack, loaded.config, screen=medium == "screen", email=medium == "email"
    )
    page = SummaryRenderer(loaded.template_dirs).html(context)
    entry = context["timeline"][0]
    timeline = page[page.index(pack.t("summary.timeline_title")) :]
    when, what = timeline.index(f"<bdi>{entry['when']}</bdi>"), timeline.index(entry["title"])
    assert (what < when) == mirrored
    if medium != "email":  # the face map: beside the areas, on the side the reading starts
        picture, areas = page.index('<img src="data:'), page.index(pack.area("frown_lines").name)
        assert (areas < picture) == mirrored
