"""The printed summary for real eyes: 12 pt and up, a 9 pt+ footer, no heading left alone at
the foot of a page, no small box split, the face with the chosen areas marked, lines for
notes, and no greeting without a name."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk import app, cli
from kiosk.core.facemap import MARKED, REGIONS, marked_svg, marked_uri
from kiosk.core.flow import Screen
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context
from kiosk.services.pdf import write_pdf

PATIENTS = {
    "migraine": {"language": "en", "first_name": "Margaret", "areas": ["chronic_migraine"]},
    "underarm": {"language": "en", "first_name": "Tom", "areas": ["underarm_sweating"]},
    "pregnant": {
        "language": "en",
        "first_name": "Ana",
        "areas": ["frown_lines", "crows_feet"],
        "screening": {"pregnancy": "yes", "blood_thinners": "yes"},
        "questions": ["experience", "how_long"],
    },
    "no answers": {"language": "en"},
}


def render_pdf(tmp_path: Path, answers: dict, paper: str = "A4") -> Path:
    src = tmp_path / "answers.json"
    src.write_text(json.dumps(answers), encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[clinic]\nname = "Demo Aesthetic Clinic"\nphone = "555-0100"\nemergency_number = "911"\n'
        f'check_up_visit = true\n[kiosk]\nfullscreen = false\n[print]\npaper = "{paper}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "s.pdf"
    assert cli.main(["render-summary", str(src), "--out", str(out), "--config", str(config)]) == 0
    return out


def text_sizes(path: Path) -> list[tuple[float, str, int]]:
    """(size in points, text, page) of every piece of text in the PDF."""
    found: list[tuple[float, str, int]] = []
    for number, page in enumerate(PdfReader(path).pages):

        def visit(text, cm, tm, _font, size, number=number) -> None:  # type: ignore[no-untyped-def]
            if text.strip():
                found.append((round(size * (tm[3] or 1) * (cm[3] or 1), 1), text.strip(), number))

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("patient", PATIENTS)
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_body_12_pt_footer_9_pt(tmp_path: Path, patient: str, paper: str) -> None:
    sizes = text_sizes(render_pdf(tmp_path, PATIENTS[patient], paper))

    def in_footer(text: str) -> bool:
        return bool(re.fullmatch(r"\d+\s*/\s*\d+", text)) or text.endswith("555-0100")

    footer = [size for size, text, _ in sizes if in_footer(text)]
    assert len(footer) >= 2 and min(footer) >= 9  # page numbers and the clinic line
    small = [(size, text) for size, text, _ in sizes if size < 12 and not in_footer(text)]
    assert small == [], small[:5]  # everything but the footer is 12 pt or more


def page_texts(path: Path) -> list[list[str]]:
    """Each page's lines, without its footer (the last two lines: clinic, "n / N")."""
    pages = []
    for page in PdfReader(path).pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        lines = [line for line in lines if line]
        pages.append(lines[:-2])
    return pages


def headings(pack) -> list[str]:  # type: ignore[no-untyped-def]
    keys = ["help_title", "paused_title", "areas_title", "tell_clinician_title"]
    keys += ["questions_title", "aftercare_title", "timeline_title", "notes_title"]
    out = [pack.t(f"summary.{k}") for k in keys]
    return [*out, pack.t("aftercare.do_title"), pack.t("aftercare.dont_title")]


@pytest.mark.parametrize("patient", PATIENTS)
def test_no_heading_alone_at_the_foot_of_a_page(tmp_path: Path, pack, patient: str) -> None:
    pages = page_texts(render_pdf(tmp_path, PATIENTS[patient]))
    assert len(pages) >= 2
    for number, lines in enumerate(pages[:-1]):
        assert lines[-1] not in headings(pack), (number, lines[-3:])


def test_headings_keep_their_text_wherever_the_page_ends(tmp_path: Path) -> None:
    """Push a heading to every spot near the end of page 1: it never ends the page."""
    from kiosk.services import pdf

    filler = "<p>Line of filler text to move the heading down.</p>"
    fails = []
    for n in range(28, 52):
        html = filler * n + "<h2>The heading</h2><p>Its first line.</p>" + filler * 5
        out = tmp_path / f"{n}.pdf"
        pdf.write_pdf(html, out, footer="Footer")
        for lines in [p for p in page_texts(out)][:-1]:
            if lines and lines[-1] == "The heading":
                fails.append(n)
    assert fails == []


def test_a_small_box_is_not_split(tmp_path: Path) -> None:
    from kiosk.services import pdf

    box = "<table border='1' width='100%'><tr><td>" + "<p>Box line.</p>" * 8 + "</td></tr></table>"
    for n in range(30, 46, 3):
        out = tmp_path / f"{n}.pdf"
        pdf.write_pdf("<p>Filler line.</p>" * n + box, out, footer="Footer")
        boxes = [sum(line == "Box line." for line in lines) for lines in page_texts(out)]
        assert sorted(boxes, reverse=True)[0] == 8, (n, boxes)


def test_face_map_marks_the_chosen_areas() -> None:
    svg = ET.fromstring(marked_svg(["crows_feet"]))
    by_id = {e.get("id"): e for e in svg.iter() if e.get("id")}
    for element in REGIONS["crows_feet"]:
        assert by_id[element].get("fill") == MARKED["fill"]
        assert by_id[element].get("stroke-dasharray") is None
    for area in ("forehead_lines", "frown_lines", "neck_bands"):
        for element in REGIONS[area]:
            assert by_id[element].get("fill") == "none" and by_id[element].get("stroke") == "none"
    assert marked_uri(["chronic_migraine"]) == ""  # not on the face: no picture
    assert marked_uri(["neck_bands"]).startswith("data:image/svg+xml;base64,")


def test_face_map_is_on_paper_and_screen_not_in_the_email_body(tmp_path: Path) -> None:
    pdf_path = render_pdf(tmp_path, PATIENTS["pregnant"])
    assert sum(len(page.images) for page in PdfReader(pdf_path).pages) == 1
    migraine = render_pdf(tmp_path, PATIENTS["migraine"])
    assert sum(len(page.images) for page in PdfReader(migraine).pages) == 0
    loaded = app.load()
    pack = loaded.packs["en"]
    session = Session.from_dict(PATIENTS["pregnant"], "a")
    renderer = SummaryRenderer(loaded.template_dirs)
    for kwargs, picture, notes in [({}, True, True), ({"screen": True}, True, False)]:
        html = renderer.html(build_context(session, pack, loaded.config, **kwargs))
        assert ('src="data:image/svg+xml' in html) is picture
        assert (pack.t("summary.notes_title") in html) is notes
    html = renderer.html(build_context(session, pack, loaded.config, email=True))
    assert "data:image" not in html and pack.t("summary.notes_title") not in html


def test_lines_for_notes_on_paper(tmp_path: Path, pack) -> None:
    pdf_path = render_pdf(tmp_path, PATIENTS["underarm"])
    last = page_texts(pdf_path)[-1]
    assert pack.t("summary.notes_title") in last


#: The colour of the ruled lines for notes (#6b7c82), as the PDF's fill colour operands.
NOTE_LINE_FILL = "0.419607847 0.486274510 0.509803950 scn"
MM_PER_PT = 25.4 / 72


def note_line_gaps_mm(pdf_path: Path) -> list[float]:
    """The distances between the ruled lines for notes on the last page, in millimetres."""
    data = PdfReader(pdf_path).pages[-1].get_contents().get_data().decode("latin-1")
    # device units (dots) to points: the page's scaling, e.g. 0.24 at 300 dpi
    scale = next(
        float(m.group(1))
        for m in re.finditer(r"([-\d.]+) 0 0 [-\d.]+ [-\d.]+ [-\d.]+ cm", data)
        if float(m.group(1)) != 1
    )
    fill_then_rect = (
        re.escape(NOTE_LINE_FILL)
        + r"\s+/\w+ gs\s+(?:q\s+)?(?:1 0 0 1 [-\d.]+ [-\d.]+ cm\s+)?"
        + r"[-\d.]+ ([-\d.]+) ([-\d.]+) ([-\d.]+) re"
    )
    tops = sorted(
        {
            round(float(m.group(1)), 1)
            for m in re.finditer(fill_then_rect, data)
            if float(m.group(2)) > 500 and float(m.group(3)) < 10  # long and thin
        }
    )
    gaps = [b - a for a, b in itertools.pairwise(tops)]
    return [gap * scale * MM_PER_PT for gap in gaps if gap * scale > 1]  # not a double edge


def test_lines_for_notes_are_far_enough_apart_to_write_on(tmp_path: Path) -> None:
    """About 9 to 10 mm between lines (handwriting needs it; 5 mm is too tight)."""
    gaps = note_line_gaps_mm(render_pdf(tmp_path, PATIENTS["underarm"]))
    assert len(gaps) >= 4, gaps
    assert all(8.8 <= gap <= 10.5 for gap in gaps), gaps


def test_no_greeting_without_a_name(tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    src.write_text('{"language": "en"}', encoding="utf-8")
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    args = ["render-summary", str(src), "--out", str(out), "--html", str(html), "--text", str(text)]
    assert cli.main(args) == 0
    pdf = " ".join(page.extract_text() for page in PdfReader(out).pages)
    for body in (html.read_text(), text.read_text(), pdf):
        assert "Hello" not in body
    assert "<b></b>" not in html.read_text()


def test_the_printed_summary_stays_within_its_budget(tmp_path: Path) -> None:
    """The picture and the pagination add little: a three-page summary lays out quickly
    enough that pagination never loops (it is bounded) and the PDF stays small."""
    out = render_pdf(tmp_path, PATIENTS["pregnant"])
    assert 2 <= len(PdfReader(out).pages) <= 4
    assert out.stat().st_size < 400_000
    write_pdf("<h2>x</h2>", tmp_path / "tiny.pdf")  # a lone heading on one page is fine


def test_summary_preview_shows_the_face_map(qtbot, window) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QTextBrowser

    window.ctx.visit.session.toggle_area("neck_bands")
    while window.ctx.visit.step is not Screen.SUMMARY:
        window.ctx.visit.flow.next()
    preview = window.findChild(QTextBrowser, "summary_preview")
    html = preview.toHtml()
    (src,) = re.findall(r'src="(data:image/svg\+xml;base64,[^"]+)"', html)
    preview.document().size()  # lays it out, loading the picture
    image = preview.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(src))
    assert image is not None and not image.isNull() and image.width() > 100  # a QPixmap
