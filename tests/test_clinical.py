"""Clinical content that must hold (issue 9): triage, advice that follows the answers,
timelines and calendars by area, and the sign-off."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html as htmllib
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QLabel, QWidget

from kiosk import app, cli
from kiosk.core.content import AREA_IDS, ContentPack, load_pack
from kiosk.core.errors import ProblemsError
from kiosk.core.flow import Screen
from kiosk.core.session import Session
from kiosk.core.summary import SummaryRenderer, build_context
from kiosk.services import emailing
from kiosk.services.pdf import write_pdf

from .helpers import DEMO_CLINIC, walk_to

PACK_FILE = Path("en") / "content.toml"


def flat(text: str) -> str:
    return " ".join(text.split())


def html_text(html: str) -> str:
    return flat(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)))


FOOTER = re.compile(r"\n[^\n]*\n\d+\s*/\s*\d+\s*$")


def pdf_text(path: Path) -> str:
    """The PDF's words, page after page, without the footers (ligatures unfolded)."""
    pages = [FOOTER.sub("", page.extract_text()) for page in PdfReader(path).pages]
    pages = [page.replace("-\n", "-") for page in pages]  # "off-" / "label" wrapped
    return flat(unicodedata.normalize("NFKC", " ".join(pages)))


def in_order(haystack: str, needles: list[str]) -> None:
    """Every needle is in ``haystack``, one after the other."""
    at = 0
    for needle in needles:
        found = haystack.find(flat(needle), at)
        assert found >= 0, f"{needle!r} missing (or out of order) after position {at}"
        at = found + len(flat(needle))


def edit_pack(content: Path, old: str, new: str) -> Path:
    path = content / PACK_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def check_config_fails(content: Path, write_config, capsys) -> str:  # type: ignore[no-untyped-def]
    """``check-config`` of a config that uses the content pack copy ``content``: exit 2;
    returns what it printed on standard error."""
    config = write_config(DEMO_CLINIC + f'[content]\ndir = "{content}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    return str(capsys.readouterr().err)


def problems_of(content: Path) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        load_pack(content / "en")
    return [str(p) for p in info.value.problems]


def composed(session: Session, config_path: Path | None = None) -> email.message.EmailMessage:
    loaded = app.load(config_path)
    pack = loaded.packs[session.language]
    session.email = session.email or "ana@example.com"
    raw = emailing.compose(session, pack, loaded.config, SummaryRenderer(loaded.template_dirs))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


# --------------------------------------------------------------------------- triage


def triage_lines(pack: ContentPack) -> tuple[list[str], list[str]]:
    """The urgent block (under "Get help now") and the contact-the-clinic block, in order."""
    urgent = [pack.t("summary.help_title")]
    other: list[str] = []
    for level in pack.help:
        lines = [pack.fill(level.title), *(pack.fill(s.text) for s in level.signs)]
        (urgent if level.urgent else other).extend(lines)
    urgent.append(pack.t("side_effects.serious_note"))
    return urgent, other


def test_three_levels_each_sign_once(pack) -> None:
    assert [h.level for h in pack.help] == ["emergency", "doctor", "clinic"]
    ids = [s.id for h in pack.help for s in h.signs]
    assert len(ids) == len(set(ids))
    level_of = {s.id: h.level for h in pack.help for s in h.signs}
    # CONTENT_FACTS section 8: allergy with dizziness or swelling of the throat is an emergency
    for sign in ("faint", "swelling", "breathing", "speaking", "wheezing", "swallowing"):
        assert level_of[sign] == "emergency", sign
    assert level_of["eyelid_droop"] == "doctor" and level_of["droop_local"] == "clinic"
    assert level_of["infection"] == "clinic"
    everything = " ".join(s.text.lower() for h in pack.help for s in h.signs)
    assert "tongue or throat" in everything and "dizzy or faint" in everything
    # one symptom, one level: speaking is not repeated as "saying words" elsewhere
    texts = [s.text for h in pack.help for s in h.signs]
    assert sum("saying words" in t or "speaking" in t for t in texts) == 1
    assert "infection" not in " ".join(pack.items("side_effects.common")).lower()
    assert "a day or two" not in pack.t("side_effects.common_note")
    assert "months" in pack.t("side_effects.serious_note")  # swallowing trouble may last


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        # a sign moved to a second level (same id)
        (
            'id = "droop_local"',
            'id = "eyelid_droop"',
            "side_effects.help[2].signs[0].id",
            "sign 'eyelid_droop' is also at level 'doctor' (side_effects.help[1].signs[2])",
        ),
        # the same sign, written again at another level under a new id
        (
            'text = "Something else worries you about your treatment"',
            'text = "Trouble swallowing!"',
            "side_effects.help[2].signs[4].text",
            "the same sign as side_effects.help[0].signs[1]",
        ),
        # an emergency sign demoted
        (
            'id = "faint"',
            'id = "faint_x"',
            "side_effects.help",
            "no sign with id 'faint'",
        ),
        (
            'id = "lasting"',
            'id = "vision"',
            "side_effects.help[2].signs[3].id",
            "'vision' (double or blurred vision) must be at level 'doctor' or more urgent",
        ),
        ('level = "clinic"', 'level = "doctor"', "side_effects.help", "the three levels once"),
        (
            '[[side_effects.help.signs]]\nid = "breathing"\ntext = "Trouble breathing"\n',
            "",
            "side_effects.help",
            "no sign with id 'breathing'",
        ),
    ],
)
def test_validator_rejects_a_sign_at_two_levels(content_copy, old, new, key, message) -> None:
    path = edit_pack(content_copy, old, new)
    lines = problems_of(content_copy)
    assert any(line.startswith(f"{path}: {key}: ") and message in line for line in lines), lines


def test_old_list_of_signs_gets_a_plain_message(content_copy) -> None:
    path = content_copy / PACK_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index('title = "Contact the clinic on {clinic_phone} if:"')
    end = text.index("# ---------------------------------------------------------------- summary")
    path.write_text(text[:start] + 'title = "Call us"\nsigns = ["Anything"]\n\n' + text[end:])
    lines = problems_of(content_copy)
    assert f"{path}: side_effects.help[2].signs: each sign needs an id now" in "\n".join(lines)


def test_check_config_names_the_sign_at_two_levels(content_copy, write_config, capsys) -> None:
    path = edit_pack(content_copy, 'id = "droop_local"', 'id = "eyelid_droop"')
    err = check_config_fails(content_copy, write_config, capsys)
    assert f"{path}: side_effects.help[2].signs[0].id: sign 'eyelid_droop' is also at" in err


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        # the reviewer's case: speaking and fainting, reworded under a new id, at "clinic"
        (
            'id = "worried"\ntext = "Something else worries you about your treatment"',
            'id = "words"\ntext = "Trouble saying words clearly, or feeling faint"',
            "side_effects.help[2].signs[4].text",
            "says 'word', like the sign 'speaking' (trouble speaking or saying words clearly), "
            "which must be at level 'emergency', not 'clinic'",
        ),
        (
            'id = "worried"\ntext = "Something else worries you about your treatment"',
            'id = "lips"\ntext = "Puffy lips"',
            "side_effects.help[2].signs[4].text",
            "like the sign 'swelling'",
        ),
        (
            'id = "lasting"\ntext = "A side effect bothers you or does not go away"',
            'id = "sight"\ntext = "Things look BLURRED"',
            "side_effects.help[2].signs[3].text",
            "like the sign 'vision' (double or blurred vision), which must be at level "
            "'doctor' or more urgent, not 'clinic'",
        ),
        (
            'id = "lasting"\ntext = "A side effect bothers you or does not go away"',
            'id = "wee"\ntext = "You wet yourself (urine leaks)"',
            "side_effects.help[2].signs[3].text",
            "like the sign 'bladder'",
        ),
        # at "doctor", a sign that is an emergency
        (
            'text = "You leak urine, or cannot control your bladder"',
            'text = "You leak urine, or it is hard to swallow"',
            "side_effects.help[1].signs[4].text",
            "says 'swallow', like the sign 'swallowing' (trouble swallowing), which must be at "
            "level 'emergency', not 'doctor'",
        ),
    ],
)
def test_check_config_rejects_a_sign_reworded_at_a_less_urgent_level(
    content_copy, write_config, capsys, old, new, key, message
) -> None:
    path = edit_pack(content_copy, old, new)
    err = check_config_fails(content_copy, write_config, capsys)
    assert any(
        line.startswith(f"{path}: {key}: ") and message in line for line in err.splitlines()
    ), err


def test_words_of_a_sign_at_its_own_level_or_above_pass(content_copy) -> None:
    """A sign may say what a required sign says at that sign's level or a more urgent one."""
    edit_pack(
        content_copy,
        'text = "Weak muscles away from where you had the shots, or all over your body"',
        'text = "Weak muscles all over your body, or things look blurred"',
    )
    load_pack(content_copy / "en")


@pytest.mark.parametrize("qid", ["pregnancy", "breastfeeding", "allergy", "skin_infection"])
def test_check_config_keeps_the_pause_of_a_question_that_needs_it(
    content_copy, write_config, capsys, pack, qid
) -> None:
    path = content_copy / PACK_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index(f'[[consultation.screening]]\nid = "{qid}"\n')
    end = text.index("[[", start + 2)
    block = re.sub(r"pauses_treatment = \[[^\]]*\]\n", "", text[start:end])
    assert block != text[start:end]
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    err = check_config_fails(content_copy, write_config, capsys)
    index = [q.id for q in pack.screening].index(qid)
    key = f"consultation.screening[{index}].pauses_treatment"
    assert f"{path}: {key}: must include 'yes': after that answer to {qid!r}" in err


def triage_text(page: QWidget) -> list[str]:
    """The triage block as the patient reads it, title by title and sign by sign."""
    out = []
    for name in ("help_urgent", "help_clinic"):
        box = page.findChild(QWidget, name)
        if box is not None:
            out += [w.text() for w in box.findChildren(QLabel) if w.text() not in ("", "•")]
    return out


def test_triage_block_is_the_same_everywhere(qtbot, window, tmp_path: Path) -> None:
    """Screen, summary preview, printed PDF, and the email's HTML and text parts: the same
    titles and signs in the same order, with "Get help now" over the urgent levels only."""
    from PySide6.QtWidgets import QTextBrowser

    pack = window.ctx.pack
    urgent, other = triage_lines(pack)
    session = window.ctx.visit.session
    session.first_name = "Ana"
    session.toggle_area("frown_lines")
    walk_to(window, "side_effects")
    assert triage_text(window.page(Screen.SIDE_EFFECTS)) == urgent + other
    window.ctx.visit.flow.next()
    preview = flat(window.findChild(QTextBrowser, "summary_preview").toPlainText())

    loaded = app.load()
    renderer = SummaryRenderer(loaded.template_dirs)
    context = build_context(session, pack, loaded.config)
    write_pdf(renderer.html(context), tmp_path / "s.pdf", footer="x")
    msg = composed(session)
    bodies = {
        "preview": preview,
        "pdf": pdf_text(tmp_path / "s.pdf"),
        "email html": html_text(msg.get_body(("html",)).get_content()),
        "email text": flat(msg.get_body(("plain",)).get_content()),
    }
    for name, body in bodies.items():
        in_order(body, urgent + other)
        # "Get help now" once, and the clinic level comes after the urgent block ends
        assert body.count(pack.t("summary.help_title")) == 1, name
        assert body.index(flat(other[0])) > body.index(flat(urgent[-1])), name


# --------------------------------------------------------------------------- answers


def question(pack: ContentPack, qid: str):  # type: ignore[no-untyped-def]
    return next(q for q in pack.screening if q.id == qid)


def test_every_flagged_answer_says_what_follows(pack) -> None:
    for q in pack.screening:
        assert q.flag, q.id
        for answer in q.flag:
            assert q.advice_for(answer).strip(), (q.id, answer)
    pregnancy = question(pack, "pregnancy")
    assert "before anything is done" in pregnancy.advice["yes"]
    assert "not be treated" in pregnancy.advice["yes"] and pregnancy.pauses("yes")
    thinners = question(pack, "blood_thinners")
    assert "bruise" in thinners.advice["yes"] and "Never stop" in thinners.advice["yes"]
    assert not thinners.pauses("yes")
    for qid in ("allergy", "allergy_ingredient", "skin_infection", "breastfeeding"):
        assert question(pack, qid).pauses("yes"), qid
    # the allergy to anything in it (human albumin), in plain words
    ingredient = question(pack, "allergy_ingredient")
    assert "protein" in ingredient.why and "human blood" in ingredient.why
    assert ingredient.flag == ("yes", "unsure")


def test_one_thing_asked_per_question(pack) -> None:
    """A "yes" must mean one thing: one question mark, no list of conditions (two commas or
    two "or"s, as in "pregnant, planning a pregnancy, or breastfeeding"), no second
    question tacked on ("..., or do you feel unwell today?")."""
    for q in pack.screening:
        text = q.question.lower()
        assert text.count("?") == 1, q.question
        assert text.count(",") <= 1 and text.count(" or ") <= 1, q.question
        assert not re.search(r"\bor (do|have|are|is|did) you\b", text), q.question


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'if_yes = "Tell them its name. You may bruise more.',
            'nope = "Tell them its name. You may bruise more.',
            "consultation.screening[13].if_yes",
            "missing: say what follows the answer 'yes'",
        ),
        (
            'if_unsure = "Tell them your date of birth."\npauses_treatment = ["yes"]',
            'if_unsure = "Tell them your date of birth."\npauses_treatment = ["no"]',
            "consultation.screening[23].pauses_treatment",
            "must list flagged answers",
        ),
    ],
)
def test_check_config_names_missing_advice(
    content_copy, write_config, capsys, old, new, key, message
) -> None:
    path = edit_pack(content_copy, old, new)
    err = check_config_fails(content_copy, write_config, capsys)
    assert f"{path}: {key}: {message}" in err, err


def test_advice_shows_under_the_answer_in_the_summary_preview(qtbot, window) -> None:
    from PySide6.QtWidgets import QTextBrowser

    pack = window.ctx.pack
    window.ctx.visit.session.answer("blood_thinners", "yes")
    window.ctx.visit.session.answer("heart", "unsure")
    walk_to(window, "summary")
    text = flat(window.findChild(QTextBrowser, "summary_preview").toPlainText())
    thinners, heart = question(pack, "blood_thinners"), question(pack, "heart")
    in_order(text, [thinners.question, thinners.advice["yes"], thinners.why])
    in_order(text, [heart.question, heart.advice["unsure"], heart.why])


# --------------------------------------------------------------------------- four patients

APPOINTMENT = "2026-12-01"


def render(tmp_path: Path, answers: dict, config: Path | None = None) -> dict[str, str]:
    import json

    src = tmp_path / "answers.json"
    src.write_text(json.dumps(answers), encoding="utf-8")
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    args = ["render-summary", str(src), "--out", str(out), "--html", str(html), "--text", str(text)]
    if config is not None:
        args += ["--config", str(config)]
    assert cli.main(args) == 0
    return {
        "html": html_text(html.read_text(encoding="utf-8")),
        "text": flat(text.read_text(encoding="utf-8")),
        "pdf": pdf_text(out),
    }


def calendar(answers: dict, config: Path | None = None) -> list[tuple[dt.date, str]]:
    """The events of the .ics the email would carry ([] when it carries none)."""
    import icalendar

    session = Session.from_dict(answers, "answers.json")
    msg = composed(session, config)
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        return []
    (part,) = parts
    cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    events = []
    for event in cal.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert end - start == dt.timedelta(days=1), "one-day events only"
        events.append((start, str(event["SUMMARY"])))
    return events


def test_migraine_only_patient(tmp_path: Path, pack) -> None:
    answers = {"language": "en", "appointment_date": APPOINTMENT, "areas": ["chronic_migraine"]}
    bodies = render(tmp_path, answers)
    for name, body in bodies.items():
        in_order(
            body,
            [
                "Tuesday 1 December 2026",
                "Your treatment day",  # the day the patient chose (today unless they moved it)
                "Tuesday 23 February 2027",  # 12 weeks on
                "Next migraine treatment",
                "Tuesday 18 May 2027",  # after two rounds
                "Is it helping?",
            ],
        )
        for cosmetic in ("First changes", "Full effect", "Check-up visit", "starts to wear off"):
            assert cosmetic not in body, (name, cosmetic)
    ((day, text),) = calendar(answers)
    assert day == dt.date(2027, 2, 23) and "book your next visit" in text


def test_underarm_patient(tmp_path: Path) -> None:
    answers = {"language": "en", "appointment_date": APPOINTMENT, "areas": ["underarm_sweating"]}
    for body in render(tmp_path, answers).values():
        in_order(
            body,
            [
                "Tuesday 15 December 2026",
                "Check-up visit",
                "Monday 1 March 2027 – Sunday 30 May 2027",  # up to about 6 months
                "Sweating may come back",
            ],
        )
        assert "First changes" not in body and "Full effect" not in body
    events = calendar(answers)
    assert [day for day, _ in events] == [dt.date(2026, 12, 15), dt.date(2027, 3, 1)]
    assert "book your next visit" in events[1][1]


def test_pregnant_patient_on_blood_thinners(tmp_path: Path, pack) -> None:
    answers = {
        "language": "en",
        "first_name": "Ana",
        "appointment_date": APPOINTMENT,
        "areas": ["frown_lines"],
        "screening": {"pregnancy": "yes", "blood_thinners": "yes", "dry_eyes": "no"},
    }
    pregnancy, thinners = question(pack, "pregnancy"), question(pack, "blood_thinners")
    for name, body in render(tmp_path, answers).items():
        in_order(
            body,
            [
                pack.t("summary.paused_title"),
                pack.t("summary.paused"),
                pregnancy.question,  # the box names the answer that paused it
                pack.t("summary.tell_clinician_title"),
                pregnancy.question,  # the answers that pause treatment come first
                pregnancy.advice["yes"],
                pregnancy.why,
                thinners.question,
                thinners.advice["yes"],
                thinners.why,
                pack.t("summary.timeline_paused"),
            ],
        )
        assert question(pack, "dry_eyes").question not in body, name  # "no" is not flagged
        assert "Friday 4 December 2026" not in body, name  # no "first changes" date
    assert calendar(answers) == []  # treatment is usually not given: nothing to remind


@pytest.mark.parametrize(
    "screening",
    [
        {"pregnancy": "unsure"},
        {"planning_pregnancy": "yes"},
        {"pregnancy": "unsure", "planning_pregnancy": "yes", "breastfeeding": "no"},
    ],
)
def test_maybe_pregnant_or_trying_gets_no_dates(tmp_path: Path, pack, screening) -> None:
    """CONTENT_FACTS section 8: pregnant or planning a pregnancy, treatment is usually not
    given; "not sure" about pregnancy is treated like "yes" until it is known."""
    answers = {
        "language": "en",
        "appointment_date": APPOINTMENT,
        "areas": ["frown_lines", "chronic_migraine"],
        "screening": screening,
    }
    for name, body in render(tmp_path, answers).items():
        in_order(body, [pack.t("summary.paused_title"), pack.t("summary.timeline_paused")])
        for qid, answer in screening.items():
            if answer != "no":
                assert "not be treated" in question(pack, qid).advice[answer], qid
                assert question(pack, qid).advice[answer] in body, (name, qid)
        assert "2027" not in body, name  # no dates at all
    assert calendar(answers) == []


def test_email_without_screening_answers_does_not_hint_at_one(write_config, pack) -> None:
    """[email] include_screening = false: no "Talk first" box ("because of an answer you
    gave"), no question, and a neutral note instead of "no dates because of an answer", in
    the text part, the HTML part and the attached PDF alike."""
    import io

    from pypdf import PdfReader

    config = write_config(
        DEMO_CLINIC + "[email]\nenabled = true\nsender = 'k@c.example'\neml_dir = 'emails'\n"
        "include_screening = false\n"
    )
    answers = {
        "language": "en",
        "appointment_date": APPOINTMENT,
        "areas": ["frown_lines"],
        "screening": {"pregnancy": "yes", "blood_thinners": "yes"},
    }
    msg = composed(Session.from_dict(answers, "a"), config)
    (pdf,) = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(pdf.get_payload(decode=True)))
    bodies = {
        "text": flat(msg.get_body(("plain",)).get_content()),
        "html": html_text(msg.get_body(("html",)).get_content()),
        "pdf": flat(" ".join(page.extract_text() for page in reader.pages)),
    }
    hidden = [
        pack.t("summary.paused_title"),
        pack.t("summary.paused"),
        pack.t("summary.timeline_paused"),
        "an answer you gave",
        question(pack, "pregnancy").question,
        question(pack, "blood_thinners").question,
        pack.t("summary.tell_clinician_title"),
    ]
    for name, body in bodies.items():
        for text in hidden:
            assert flat(text) not in body, (name, text)
        assert flat(pack.t("summary.timeline_ask")) in body, name
        assert "2027" not in body, name  # still no dates: treatment may not be given
    assert not [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


def test_patient_with_no_answers(tmp_path: Path, pack) -> None:
    answers = {"language": "en", "appointment_date": APPOINTMENT}
    for body in render(tmp_path, answers).values():
        in_order(
            body,
            [
                pack.t("summary.no_areas"),
                pack.t("summary.no_flags"),
                pack.t("summary.no_timeline"),
            ],
        )
        assert pack.t("summary.paused_title") not in body
        assert "December 2026 –" not in body and "2027" not in body  # no dated entries
    assert calendar(answers) == []  # no area, no calendar file


#: The calendar's days for an appointment on 2026-12-01, written out by hand from
#: CONTENT_FACTS section 4 (not computed by the code under test): the check-up at 2 weeks
#: where the clinic offers one; the next visit at 3 months (90 days) for lines, bands and
#: underarm sweating (which may last longer: "book when it comes back"); 12 weeks for migraine.
CHECK_UP_DAY = dt.date(2026, 12, 15)
NEXT_VISIT = {
    "forehead_lines": dt.date(2027, 3, 1),
    "frown_lines": dt.date(2027, 3, 1),
    "crows_feet": dt.date(2027, 3, 1),
    "neck_bands": dt.date(2027, 3, 1),
    "underarm_sweating": dt.date(2027, 3, 1),
    "chronic_migraine": dt.date(2027, 2, 23),
}


@pytest.mark.parametrize("area", AREA_IDS)
@pytest.mark.parametrize("check_up", [True, False])
def test_calendar_dates_are_the_summarys(
    area: str, check_up: bool, tmp_path: Path, write_config, pack
) -> None:
    """For each area, the .ics holds the expected days (pinned above), with neutral texts,
    and the summary shows each of those days."""
    from kiosk.core.timeline import format_date

    config = write_config(
        DEMO_CLINIC.replace("[clinic]\n", f"[clinic]\ncheck_up_visit = {str(check_up).lower()}\n")
        + "[email]\nenabled = true\nsender = 'k@c.example'\neml_dir = 'emails'\n"
    )
    answers = {"language": "en", "appointment_date": APPOINTMENT, "areas": [area]}
    expected = [(NEXT_VISIT[area], "Call Test Clinic to book your next visit")]
    if check_up and area != "chronic_migraine":
        expected.insert(
            0, (CHECK_UP_DAY, "Your check-up is due about now: call Test Clinic to book")
        )
    assert calendar(answers, config) == expected, area
    summary = render(tmp_path, answers, config)["text"]
    for day, _text in expected:
        assert format_date(pack, day) in summary, (area, day)
    assert ("Check-up visit" in summary) == (check_up and area != "chronic_migraine")


#: Words that say why a patient sees the clinic: a calendar's title and reminder can show
#: on a phone's lock screen, so the .ics says none of them.
CONDITION_WORDS = (
    "migraine",
    "headache",
    "sweat",
    "underarm",
    "botox",
    "line",
    "wrinkle",
    "neck",
    "forehead",
    "frown",
    "crow",
    "band",
    "pregnan",
    "effect",
    "wear off",
)


@pytest.mark.parametrize("area", AREA_IDS)
def test_calendar_names_no_area_and_no_condition(area: str, pack) -> None:
    session = Session.from_dict(
        {"language": "en", "appointment_date": APPOINTMENT, "areas": [area]}, "a"
    )
    msg = composed(session)
    (part,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True).decode("utf-8")
    unfolded = re.sub(r"\r?\n[ \t]", "", raw)
    shown = [
        line.split(":", 1)[1].lower()
        for line in unfolded.splitlines()
        if line.startswith(("SUMMARY", "DESCRIPTION"))
    ]
    assert shown and any("book" in line for line in shown), shown
    names = [a.name.lower() for a in pack.areas] + [a.detail.lower() for a in pack.areas]
    for line in shown:
        for word in (*CONDITION_WORDS, *names):
            assert word not in line, (area, word, line)


# --------------------------------------------------------------------------- sign-off

CLINIC = '[clinic]\nname = "C"\nphone = "1"\nemergency_number = "112"\n'


def test_demo_is_not_signed_off_but_works_windowed(capsys) -> None:
    assert cli.main(["check-config"]) == 0  # the demo clinic: windowed
    err = capsys.readouterr().err
    assert "content.reviewed_by: warning: no sign-off yet" in err


@pytest.mark.parametrize(
    ("content", "key", "message"),
    [
        ("", "content.reviewed_by", "no sign-off yet"),
        (
            'reviewed_by = "Clinical lead, Demo Aesthetic Clinic (demo content)"\n'
            "reviewed_on = 2026-11-26\n",
            "content.reviewed_by",
            "the demo text is not a sign-off",
        ),
        ('reviewed_by = "Dr A. Test"\n', "content.reviewed_on", "missing"),
        (
            'reviewed_by = "Dr A. Test"\nreviewed_on = 2099-01-01\n',
            "content.reviewed_on",
            "2099-01-01 is in the future",
        ),
        ('reviewed_on = "yesterday"\n', "content.reviewed_on", "must be a date"),
    ],
)
def test_kiosk_mode_needs_a_real_sign_off(write_config, capsys, content, key, message) -> None:
    config = write_config(CLINIC + "[kiosk]\nfullscreen = true\n[content]\n" + content)
    assert cli.main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}: {key}: {message}" in err, err
    # the same config, windowed: a warning only, unless the date itself is wrong
    windowed = write_config(CLINIC + "[kiosk]\nfullscreen = false\n[content]\n" + content, "w")
    code = cli.main(["check-config", str(windowed)])
    assert code == (2 if key == "content.reviewed_on" else 0)


@pytest.mark.parametrize(
    "name",
    [
        "TODO",
        "tbd",
        "x",
        "XXX",
        "Clinical lead",
        "clinical LEAD.",
        "Demo",
        "DemoClinic nurse",
        "TODO: Dr Smith",
    ],
)
def test_placeholders_are_not_a_sign_off_in_kiosk_mode(write_config, capsys, name) -> None:
    content = f'[content]\nreviewed_by = "{name}"\nreviewed_on = 2026-11-26\n'
    config = write_config(CLINIC + "[kiosk]\nfullscreen = true\n" + content)
    assert cli.main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}: content.reviewed_by: " in err and "not a sign-off" in err, err
    windowed = write_config(CLINIC + "[kiosk]\nfullscreen = false\n" + content, "w")
    assert cli.main(["check-config", str(windowed)]) == 0
    assert "content.reviewed_by: warning:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["Dr A. Test, Clinical Lead", "Xavier Tod", "Nurse Tbdia Okafor", "Dr Demir"]
)
def test_real_names_are_a_sign_off(write_config, capsys, name) -> None:
    content = f'[content]\nreviewed_by = "{name}"\nreviewed_on = 2026-11-26\n'
    config = write_config(CLINIC + "[kiosk]\nfullscreen = true\n" + content)
    code = cli.main(["check-config", str(config)])
    assert "reviewed_by" not in capsys.readouterr().err and code == 0


def test_a_clinic_pack_with_a_future_review_date_fails(content_copy, write_config, capsys) -> None:
    path = edit_pack(
        content_copy, 'reviewed_by = ""', 'reviewed_by = "Dr Z"\nreviewed_on = 2098-05-01'
    )
    config = write_config(CLINIC + f'[content]\ndir = "{content_copy}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    assert f"{path}: meta.reviewed_on: 2098-05-01 is in the future" in capsys.readouterr().err


def test_every_output_names_the_sign_off(tmp_path: Path, write_config) -> None:
    config = write_config(
        CLINIC + "[kiosk]\nfullscreen = false\n"
        '[content]\nreviewed_by = "Dr A. Test, Medical Director"\nreviewed_on = 2026-11-30\n'
        "[email]\nenabled = true\nsender = 'k@c.example'\neml_dir = 'emails'\n"
    )
    line = "checked by Dr A. Test, Medical Director on Monday 30 November 2026"
    answers = {"language": "en", "appointment_date": APPOINTMENT}
    for body in render(tmp_path, answers, config).values():
        assert line in body
    msg = composed(Session.from_dict(answers, "a"), config)
    assert line in flat(msg.get_body(("plain",)).get_content())
    assert line in html_text(msg.get_body(("html",)).get_content())


def test_unsigned_content_says_so_on_every_summary(tmp_path: Path, pack) -> None:
    for body in render(tmp_path, {"language": "en"}).values():
        assert pack.t("summary.not_reviewed") in body
        assert "checked by" not in body


def test_plain_and_consistent_words(pack) -> None:
    """ "Shots" throughout (the needle only where it is the needle), no British "drip",
    jargon explained, and aftercare that never makes anyone hold back their own medicines."""
    from kiosk.core.readability import patient_texts

    for _group, key, text in patient_texts(pack):
        low = text.lower()
        assert "injection" not in low and "drip" not in low and "hoarse" not in low, key
        if "ALS" in text:
            assert "motor neurone disease" in text, key
    do = " ".join(pack.items("aftercare.do"))
    assert "Keep taking the medicines your doctor gave you" in do
    assert "painkillers or other drugs" not in do
    (driving,) = [d for d in pack.items("aftercare.dont") if "drive" in d]
    assert "signs" in driving and "help" in driving
    migraine = pack.area("chronic_migraine").expect
    assert "15 or more days a month" in migraine and "4 hours or more" in migraine
    points = pack.items("benefits.points")
    assert any(p.startswith("For lines and neck bands") and "3 months" in p for p in points)
    assert any("face to face" in p and "prescribed" in p for p in points)
    review = next(e for e in pack.timeline if e.id == "migraine_review")
    assert "In England, the NHS" in review.body


# --------------------------------------------------------------------------- benefits


def test_benefits_and_limits_are_honest(pack) -> None:
    points = " ".join(pack.items("benefits.points"))
    assert "prescription medicine" in points  # what it is
    assert "3 to 4 months" in points and "6 months" in points  # how long it lasts
    assert "not the same for everyone" in points  # results vary
    assert "wears off" in points and "3 months between" in points
    assert "2 rounds" in points  # migraine: judged over cycles
    approved, off_label = pack.t("benefits.approved"), pack.t("benefits.off_label")
    for area in ("frown lines", "crow's feet", "forehead lines", "neck bands"):
        assert area in approved
    # off-label use named as such, and explained in the same text
    assert "off-label" in off_label and "not on the approved list" in off_label


def test_off_label_is_explained_wherever_it_is_used() -> None:
    from kiosk.core.readability import patient_texts

    for pack in app.load().packs.values():
        for _group, key, text in patient_texts(pack):
            if "off-label" in text.lower():
                assert "approved list" in text, key


def test_benefits_on_screen_and_in_every_summary(qtbot, window, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QLabel, QWidget

    pack = window.ctx.pack
    expected = [
        pack.t("benefits.title"),
        *pack.items("benefits.points"),
        pack.t("benefits.approved"),
        pack.t("benefits.off_label"),
    ]
    box = window.page("consultation").findChild(QWidget, "benefits")
    shown = [w.text() for w in box.findChildren(QLabel) if w.text() not in ("", "•")]
    assert shown == expected
    for body in render(tmp_path, {"language": "en"}).values():
        in_order(body, expected)
