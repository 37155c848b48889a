"""The summary: escaping, any script, strict templates, and every section in the PDF."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2
import pytest
from pypdf import PdfReader

from kiosk import app, cli
from kiosk.core.session import NAME_MAX, Session
from kiosk.core.summary import SummaryRenderer, build_context, sample_session
from kiosk.services.pdf import write_pdf

from .helpers import DEMO_CLINIC, SIGNED_OFF

HOSTILE_NAME = "<b>x</b>{{7*7}}"
HOSTILE_EMAIL = '"><script>'


def pdf_text(path: Path) -> str:
    """The PDF's words; ligatures (ﬁ, ﬀ) unfolded, as a reader sees them."""
    import unicodedata

    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def render_all(tmp_path: Path, answers: dict, config: Path | None = None) -> tuple[str, str, str]:
    src = tmp_path / "answers.json"
    src.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    args = ["render-summary", str(src), "--out", str(out), "--html", str(html), "--text", str(text)]
    if config is not None:
        args += ["--config", str(config)]
    assert cli.main(args) == 0
    return (
        html.read_text(encoding="utf-8"),
        text.read_text(encoding="utf-8"),
        pdf_text(out),
    )


def test_hostile_name_appears_literally(tmp_path: Path) -> None:
    answers = {"language": "en", "first_name": HOSTILE_NAME, "email": HOSTILE_EMAIL}
    html, text, pdf = render_all(tmp_path, answers)
    assert "Hello &lt;b&gt;x&lt;/b&gt;{{7*7}}," in html
    assert "<b>x</b>" not in html
    assert f"Hello {HOSTILE_NAME}," in text
    assert f"Hello {HOSTILE_NAME}," in pdf
    for body in (html, text, pdf):
        assert "49" not in body


def test_hostile_email_is_escaped_where_the_template_shows_it(tmp_path: Path) -> None:
    """The email is not on the printed summary; a clinic template that shows it gets it
    escaped (autoescape), never as markup."""
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "summary.html.j2").write_text("<p>{{ greeting }} {{ email }}</p>", encoding="utf-8")
    loaded = app.load()
    renderer = SummaryRenderer([custom, *loaded.template_dirs])
    pack = loaded.packs["en"]
    session = Session(first_name=HOSTILE_NAME, email=HOSTILE_EMAIL)
    context = build_context(session, pack, loaded.config) | {"email": session.email}
    html = renderer.html(context)
    assert html == "<p>Hello &lt;b&gt;x&lt;/b&gt;{{7*7}}, &#34;&gt;&lt;script&gt;</p>"
    # and the same in a PDF laid out from it: shown as typed, never as markup
    write_pdf(html, tmp_path / "e.pdf")
    assert f"Hello {HOSTILE_NAME}, {HOSTILE_EMAIL}" in pdf_text(tmp_path / "e.pdf")


# the last: the longest name the on-screen keyboard takes (render-summary refuses longer)
@pytest.mark.parametrize("name", ["Ødegård", "李雷", "عائشة", "Ana-" + "x" * (NAME_MAX - 4)])
def test_names_in_any_script_render(tmp_path: Path, name: str) -> None:
    html, text, pdf = render_all(tmp_path, {"language": "en", "first_name": name})
    assert name in html and name in text
    # pypdf returns Arabic in presentation forms; compare the text as glyph-independent words
    if name == "عائشة":
        import unicodedata

        # pypdf gives right-to-left text in visual order (reversed) and presentation forms
        flat = unicodedata.normalize("NFKC", pdf)
        assert name in flat or name[::-1] in flat
    else:
        assert name in pdf.replace(" ", "") or name in pdf


def test_pdf_embeds_its_fonts(tmp_path: Path) -> None:
    render_all(tmp_path, {"language": "en", "first_name": "李雷 Ødegård"})
    fonts = set()
    for page in PdfReader(tmp_path / "s.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, descendant["/BaseFont"]
            fonts.add(str(descendant["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts)
    assert any("DroidSansFallback" in f for f in fonts)


def test_every_section_is_in_the_pdf(tmp_path: Path, pack) -> None:
    flagged = next(q for q in pack.screening if not q.pauses_treatment)  # dates still show
    answers = {
        "language": "en",
        "first_name": "Ana",
        "appointment_date": "2026-12-01",
        "areas": ["frown_lines", "chronic_migraine"],
        "screening": {flagged.id: "yes", pack.screening[1].id: "no"},
        "questions": [pack.questions[0].id],
    }
    _, _, pdf = render_all(tmp_path, answers)
    expected = [
        "Demo Aesthetic Clinic",  # clinic name at the top
        "Hello Ana,",  # greeting
        "Frown lines",  # chosen area ...
        pack.area("frown_lines").expect.split(".")[0],  # ... with what to expect
        "Chronic migraine",
        pack.t("summary.tell_clinician_title"),
        flagged.question,  # a flagged answer ...
        flagged.advice["yes"],  # ... with what follows it
        pack.questions[0].text,  # the patient's question
        "After your treatment",
        pack.items("aftercare.do")[0],
        pack.items("aftercare.dont")[0],
        "Friday 4 December 2026",  # the timeline, with dates
        "Get help now",
        "Call 911 now",  # emergency number
        "555-0100",  # clinic phone
        pack.t("summary.not_reviewed"),  # the demo content has no sign-off
        "1 / ",  # page numbers
    ]
    for needle in expected:
        assert " ".join(needle.split()) in pdf, needle
    assert pack.screening[1].question not in pdf  # a "no" is not flagged
    assert "diagnos" not in pdf.replace("They are not a diagnosis", "")


@pytest.mark.parametrize("paper", ["A4", "Letter", "receipt80"])
def test_paper_sizes(tmp_path: Path, write_config, paper: str) -> None:
    config = write_config(DEMO_CLINIC + f'[print]\npaper = "{paper}"\n')
    render_all(tmp_path, {"language": "en", "first_name": "Ana"}, config)
    reader = PdfReader(tmp_path / "s.pdf")
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    expected = {"A4": 210, "Letter": 215.9, "receipt80": 80}[paper]
    assert abs(width_mm - expected) < 1
    if paper == "receipt80":
        assert len(reader.pages) == 1  # one long strip, cut by the printer
        assert float(reader.pages[0].mediabox.height) / 72 * 25.4 > 400


def test_missing_template_variable_fails_loudly(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "summary.html.j2").write_text("<p>{{ greeting }} {{ no_such_thing }}</p>")
    loaded = app.load()
    pack = loaded.packs["en"]
    renderer = SummaryRenderer([custom, *loaded.template_dirs])
    context = build_context(sample_session(pack), pack, loaded.config)
    with pytest.raises(jinja2.UndefinedError, match="no_such_thing"):
        renderer.html(context)


def test_check_config_validates_clinic_templates(tmp_path: Path, write_config, capsys) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "summary.txt.j2").write_text("{{ greeting }\n")
    config = write_config(DEMO_CLINIC + SIGNED_OFF + 'templates = "templates"\n')
    assert cli.main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{custom}: templates: TemplateSyntaxError" in err
    (custom / "summary.txt.j2").write_text("{{ greeting }} {{ nope }}\n")
    assert cli.main(["check-config", str(config)]) == 2
    assert "UndefinedError: 'nope' is undefined" in capsys.readouterr().err
    (custom / "summary.txt.j2").write_text("{{ clinic.name }}: {{ greeting }}\n")
    assert cli.main(["check-config", str(config)]) == 0


def test_clinic_template_overrides_only_what_it_has(tmp_path: Path, write_config) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "summary.txt.j2").write_text("CUSTOM {{ clinic.name }}\n")
    config = write_config(DEMO_CLINIC + '[content]\ntemplates = "templates"\n')
    html, text, _ = render_all(tmp_path, {"language": "en"}, config)
    assert text == "CUSTOM Test Clinic\n"
    assert "<h1" in html  # the built-in HTML template


def test_logo_at_the_top(tmp_path: Path, write_config) -> None:
    from PySide6.QtGui import QColor, QImage

    logo = tmp_path / "logo.png"
    image = QImage(200, 60, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5f6b"))
    assert image.save(str(logo))
    config = write_config(DEMO_CLINIC + '[clinic]\nlogo = "logo.png"\n'.replace("[clinic]\n", ""))
    html, _, _ = render_all(tmp_path, {"language": "en"}, config)
    assert f'<img src="{logo.resolve().as_uri()}"' in html
    # the logo is drawn in the PDF: its page carries an image
    page = PdfReader(tmp_path / "s.pdf").pages[0]
    assert len(page.images) == 1


def test_missing_logo_is_a_config_problem(write_config, capsys) -> None:
    config = write_config(DEMO_CLINIC.replace("[clinic]\n", '[clinic]\nlogo = "nope.png"\n'))
    assert cli.main(["check-config", str(config)]) == 2
    assert "clinic.logo: file not found" in capsys.readouterr().err


def test_screening_can_be_left_out(pack) -> None:
    loaded = app.load()
    session = sample_session(pack, dt.date(2026, 12, 1))
    context = build_context(session, pack, loaded.config, include_screening=False)
    html = SummaryRenderer(loaded.template_dirs).html(context)
    text = SummaryRenderer(loaded.template_dirs).text(context)
    for body in (html, text):
        assert pack.screening[0].question not in body
        assert pack.t("summary.tell_clinician_title") not in body


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_write_pdf_to_an_unwritable_place_is_an_error(tmp_path: Path) -> None:
    from kiosk.services.pdf import RenderError

    with pytest.raises(RenderError):
        write_pdf("<p>x</p>", tmp_path / "no" / "such" / "dir" / "x.pdf")


def test_a_written_summary_pdf_is_its_owners_alone_and_whole(tmp_path: Path) -> None:
    """A summary PDF (the demo's print folder, render-summary) holds patient data: 0600,
    written in one step, no temporary file left beside it."""
    out = tmp_path / "s.pdf"
    out.write_bytes(b"an older file")
    pages = write_pdf("<p>x</p>", out)
    assert pages == 1 and out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["s.pdf"]
