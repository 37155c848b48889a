"""Everything the patient takes away is in their language, right to left in Arabic: the
summary (HTML and text), the PDF that ``render-summary`` writes, the email (subject, HTML and
text parts) and its calendar file. Pseudo-translated packs (tests/pseudo_packs.py) stand in
for the real ones: any English word found can only come from code or a template."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import icalendar
import pytest
from pypdf import PdfReader

from kiosk import app, cli
from kiosk.core import message
from kiosk.core.session import Session
from kiosk.core.summary import FSI, LRI, NBSP, PDI, SummaryRenderer, build_context

from .pseudo_packs import PLACEHOLDER, english_texts, pseudo, write_packs

CLINIC = "Demo Clinic"
PHONE = "+1 555-0100"
NAME = "Ana"
#: ASCII words allowed in the patient's language: the clinic's configured name, the name
#: the patient typed, and the marker of the pseudo Spanish pack.
ALLOWED = {"Demo", "Clinic", NAME, "ES"}
ANSWERS = {
    "first_name": NAME,
    "areas": ["frown_lines", "chronic_migraine"],
    "screening": {"pregnancy": "unsure", "blood_thinners": "yes"},
    "questions": ["experience", "how_long"],
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config offering English and the pseudo "es" and "ar" packs."""
    root = tmp_path_factory.mktemp("i18n")
    write_packs(root / "content", ["es", "ar"])
    config = root / "kiosk.toml"
    config.write_text(
        f'[clinic]\nname = "{CLINIC}"\nphone = "{PHONE}"\nemergency_number = "911"\n'
        'check_up_visit = true\n[kiosk]\nfullscreen = false\nlanguages = ["en", "es", "ar"]\n'
        f'[content]\ndir = "{root / "content"}"\n'
        '[email]\nhost = "localhost"\nsender = "kiosk@clinic.example"\n',
        encoding="utf-8",
    )
    return config


def phrases() -> list[str]:
    """The English pack's sentences and phrases of 3 words or more (between placeholders)."""
    out = {
        " ".join(part.split())
        for text in english_texts()
        for part in PLACEHOLDER.split(text)
        if len(part.split()) >= 3
    }
    return sorted(out)


def english_left(text: str) -> list[str]:
    """English in ``text``: the English pack's phrases, and any ASCII word of 3 letters or
    more with a vowel that is not allowed (no pseudo-translated word has an ASCII vowel)."""
    flat = " ".join(text.split())
    found = [p for p in phrases() if p in flat]
    words = set(re.findall(r"(?<![^\W\d_])[A-Za-z]{3,}(?![^\W\d_])", flat))
    found += sorted(w for w in words - ALLOWED if re.search(r"[aeiouyAEIOUY]", w))
    return found


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


def logical_words(text: str) -> set[str]:
    """The words of ``text`` as written, whether pypdf gives them in reading order or, for
    Arabic, in the order they are drawn (reversed), and in shaped forms (NFKC undoes)."""
    words = unicodedata.normalize("NFKC", text)
    words = "".join(ch for ch in words if ch not in (FSI, LRI, PDI)).split()
    return {w.strip(".,:?") for w in words} | {w[::-1].strip(".,:?") for w in words}


def render(config: Path, tmp_path: Path, language: str) -> dict[str, Any]:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"language": language, **ANSWERS}), encoding="utf-8")
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    args = ["render-summary", str(answers), "--out", str(out), "--config", str(config)]
    assert cli.main([*args, "--html", str(html), "--text", str(text)]) == 0
    return {"pdf": out, "html": html.read_text("utf-8"), "text": text.read_text("utf-8")}


@pytest.mark.parametrize("language", ["es", "ar"])
def test_render_summary_in_language(setup: Path, tmp_path: Path, language: str) -> None:
    got = render(setup, tmp_path, language)
    pack = app.load(setup).packs[language]
    pdf_text, _ = pdf_words(got["pdf"])
    assert english_left(pdf_text) == []
    assert english_left(re.sub(r"<[^>]*>", " ", got["html"])) == []
    assert english_left(got["text"]) == []
    # the pack's texts are there: headings, and a date written with the pack's names
    shown = logical_words(pdf_text)
    title = pseudo(language, "Your summary")
    december = pack.items("ui.months")[11]
    for expected in (title, pack.t("summary.help_title"), december):
        assert expected in got["text"]
        assert set(logical_words(expected)) <= shown, expected
    assert "Monday" not in got["text"] and "December" not in pdf_text


def test_arabic_summary_is_right_to_left(setup: Path, tmp_path: Path) -> None:
    got = render(setup, tmp_path, "ar")
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


def test_english_summary_stays_left_to_right(setup: Path, tmp_path: Path) -> None:
    got = render(setup, tmp_path, "en")
    assert '<html lang="en" dir="ltr">' in got["html"] and FSI not in got["text"]
    _, runs = pdf_words(got["pdf"])
    width = float(PdfReader(got["pdf"]).pages[0].mediabox.width)
    assert next(x for text, x in runs if text == CLINIC) < width / 4


@pytest.mark.parametrize("language", ["es", "ar"])
def test_email_in_language(setup: Path, language: str) -> None:
    loaded = app.load(setup)
    pack = loaded.packs[language]
    session = Session(language=language, first_name=NAME, email="ana@example.com")
    session.appointment_date = dt.date(2026, 12, 1)
    session.areas = list(ANSWERS["areas"])
    session.questions = list(ANSWERS["questions"])
    laid_out: list[str] = []

    def pdf(html: str, *, paper: str, title: str, footer: str) -> bytes:
        laid_out.append(" ".join((html, title, footer)))
        return b"%PDF-1.4 stand-in"

    raw = message.compose(
        session, pack, loaded.config, SummaryRenderer(loaded.template_dirs), pdf=pdf
    )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg["Subject"])
    assert pseudo(language, "Notes from your visit to")[:12] in subject.replace(FSI, "")
    assert english_left(subject) == []
    assert msg["Content-Language"] == language
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert english_left(text) == [] and english_left(re.sub(r"<[^>]*>", " ", html)) == []
    assert english_left(re.sub(r"<[^>]*>", " ", laid_out[0])) == []
    assert pack.t("summary.title") in text and pack.t("summary.title") in html
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    (ics,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "follow-up.ics"  # ASCII on purpose: see message.ICS_NAME
    cal = icalendar.Calendar.from_ical(ics.get_content())
    events = list(cal.walk("VEVENT"))
    assert events
    for event in events:
        for field in ("SUMMARY", "DESCRIPTION"):
            value = event[field]
            assert value.params["LANGUAGE"] == language
            assert english_left(str(value)) == [], (field, str(value))
        plain = "".join(c for c in str(event["SUMMARY"]) if c not in (FSI, LRI, PDI))
        plain = plain.replace(NBSP, " ")
        assert plain in {pack.fill(e.calendar) for e in pack.timeline}


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
    setup: Path, language: str, medium: str, mirrored: bool
) -> None:
    """Qt keeps a table's cells left to right even in dir="rtl": the screen's and the
    paper's summary put them in reverse order; a mail program mirrors them itself."""
    loaded = app.load(setup)
    pack = loaded.packs[language]
    session = Session(language=language, first_name=NAME)
    session.appointment_date = dt.date(2026, 12, 1)
    session.areas = list(ANSWERS["areas"])
    context = build_context(
        session, pack, loaded.config, screen=medium == "screen", email=medium == "email"
    )
    html = SummaryRenderer(loaded.template_dirs).html(context)
    entry = context["timeline"][0]
    timeline = html[html.index(pack.t("summary.timeline_title")) :]
    when, what = timeline.index(f"<bdi>{entry['when']}</bdi>"), timeline.index(entry["title"])
    assert (what < when) == mirrored
    if medium != "email":  # the face map: beside the areas, on the side the reading starts
        picture, areas = html.index('<img src="data:'), html.index(pack.area("frown_lines").name)
        assert (areas < picture) == mirrored
