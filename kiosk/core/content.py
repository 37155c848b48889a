"""The content pack: every word a patient sees, for one language.

A pack is one ``content.toml`` in a folder named after its language code. It is validated
on load, and every problem names the file and the key (``docs/content-pack.md``).
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

from kiosk.core.errors import Problem, ProblemsError

AREA_IDS = (
    "forehead_lines",
    "frown_lines",
    "crows_feet",
    "neck_bands",
    "underarm_sweating",
    "chronic_migraine",
)
ANSWERS = ("yes", "no", "unsure")
HELP_LEVELS = ("emergency", "doctor", "clinic")  # most urgent first
#: The levels that the "Get help now" heading covers; "clinic" is for things that can wait.
URGENT_LEVELS = ("emergency", "doctor")
#: Signs every pack must place at exactly one level, each no lower than the level given
#: (CONTENT_FACTS.md sections 5 and 8: the label says to get medical help right away for all
#: of them; an allergic reaction with swelling, wheezing or feeling faint is an emergency).
#: sign id -> (least urgent level allowed, what the sign is, for messages).
REQUIRED_SIGNS: dict[str, tuple[str, str]] = {
    "breathing": ("emergency", "trouble breathing"),
    "swallowing": ("emergency", "trouble swallowing"),
    "speaking": ("emergency", "trouble speaking or saying words clearly"),
    "wheezing": ("emergency", "wheezing or asthma symptoms"),
    "swelling": ("emergency", "swelling of the face, lips, tongue or throat"),
    "faint": ("emergency", "feeling dizzy or faint, or fainting"),
    "weakness": ("doctor", "muscle weakness away from the treated area or all over"),
    "vision": ("doctor", "double or blurred vision"),
    "eyelid_droop": ("doctor", "a drooping eyelid that gets worse or comes with other signs"),
    "voice": ("doctor", "a hoarse or changed voice"),
    "bladder": ("doctor", "loss of bladder control"),
    "allergy_rash": ("doctor", "itching, a rash or welts (an allergic reaction)"),
}
#: What each required sign says, as word stems (matched at the start of a word, ignoring
#: case): a sign at a less urgent level than the required sign's whose text says any of
#: these is the same sign reworded under another id (say "trouble saying words clearly, or
#: feeling faint" under "contact the clinic"), and the pack is rejected. ``eyelid_droop``
#: has none: a droop near the treated area that does not get worse is a clinic-level sign.
SIGN_WORDS: dict[str, tuple[str, ...]] = {
    "breathing": ("breath", "short of breath"),
    "swallowing": ("swallow", "choke", "choking"),
    "speaking": ("speak", "speech", "word", "slur"),
    "wheezing": ("wheez", "asthma"),
    "swelling": ("swell", "swollen", "lip", "tongue", "throat"),
    "faint": ("faint", "dizz", "light-headed", "lightheaded", "pass out", "passed out"),
    "weakness": ("weak",),
    "vision": ("double", "blur", "vision", "eyesight"),
    "voice": ("hoarse", "voice"),
    "bladder": ("bladder", "urin", "pee", "continen"),
    "allergy_rash": ("itch", "rash", "welt", "hives"),
}
#: Screening questions that, when a pack has them, must pause treatment on these answers
#: (CONTENT_FACTS.md section 8: treatment is usually not given): a clinic's pack may reword
#: them, not drop the pause.
REQUIRED_PAUSES: dict[str, tuple[str, ...]] = {
    "pregnancy": ("yes",),
    "planning_pregnancy": ("yes",),
    "breastfeeding": ("yes",),
    "allergy": ("yes",),
    "allergy_ingredient": ("yes",),
    "skin_infection": ("yes",),
}
#: Placeholders any text may use: the kiosk always knows the clinic's details.
PLACEHOLDERS = frozenset({"clinic_name", "clinic_phone", "emergency_number"})
#: The few texts that are given more, and what (anything else would fail at run time).
KEY_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "ui.step": frozenset({"n", "total"}),
    "summary.greeting": frozenset({"first_name"}),
    "summary.reviewed": frozenset({"reviewed_by", "date"}),
    "summary.printed": frozenset({"location"}),
    "summary.print_failed": frozenset({"location"}),
    "summary.print_limit": frozenset({"location"}),
    "summary.print_failed_email": frozenset({"location"}),
    "aftercare.timeline_intro": frozenset({"date"}),
    "done.returning": frozenset({"seconds"}),
    "idle.body": frozenset({"seconds"}),
}
REVIEW_MAX_AGE = dt.timedelta(days=365)
_ID = re.compile(r"^[a-z0-9_]+$")

# section -> (plain string keys, list-of-string keys). Every key is required.
TEXT_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ui": (
        frozenset(
            [
                "back",
                "next",
                "finish",
                "step",
                "selected",
                "not_selected",
                "error",
                "clinic_phone_label",
                "emergency_label",
                "scroll_hint",
            ]
        ),
        frozenset({"weekdays", "months"}),
    ),
    "attract": (frozenset(["title", "subtitle", "start", "language_prompt"]), frozenset()),
    "privacy": (
        frozenset(["title", "name_label", "name_placeholder", "name_hint"]),
        frozenset({"body"}),
    ),
    "consultation": (
        frozenset(
            [
                "title",
                "intro",
                "map_title",
                "map_hint",
                "other_uses_title",
                "other_uses_note",
                "screening_title",
                "screening_intro",
                "answer_yes",
                "answer_no",
                "answer_unsure",
                "questions_title",
                "questions_intro",
            ]
        ),
        frozenset({"what_happens"}),
    ),
    # what it can and cannot do: honest benefits and limits, approved and off-label uses
    "benefits": (frozenset(["title", "approved", "off_label"]), frozenset({"points"})),
    "treatment": (frozenset(["title", "intro"]), frozenset({"notes"})),
    "aftercare": (
        frozenset(
            [
                "title",
                "intro",
                "do_title",
                "dont_title",
                "caveat",
                "bruising",
                "timeline_title",
                "timeline_intro",
            ]
        ),
        frozenset({"do", "dont"}),
    ),
    "side_effects": (
        frozenset(["title", "intro", "common_title", "common_note", "serious_note"]),
        frozenset({"common"}),
    ),
    "summary": (
        frozenset(
            [
                "title",
                "intro",
                "greeting",
                "face_map_alt",
                "notes_title",
                "areas_title",
                "no_areas",
                "tell_clinician_title",
                "tell_clinician_intro",
                "no_flags",
                "questions_title",
                "no_questions",
                "aftercare_title",
                "timeline_title",
                "timeline_paused",
                "timeline_ask",
                "no_timeline",
                "help_title",
                "paused_title",
                "paused",
                "contact",
                "reviewed",
                "not_reviewed",
                "print",
                "print_again",
                "print_limit",
                "email",
                "unavailable",
                "finish_hint",
                "printing",
                "printed",
                "print_failed",
                "print_failed_email",
                "footer",
            ]
        ),
        frozenset(),
    ),
    "email": (
        frozenset(
            [
                "title",
                "intro",
                "address_label",
                "address_placeholder",
                "invalid",
                "consent",
                "consent_needed",
                "send",
                "cancel",
                "sending",
                "sent",
                "queued",
                "failed",
                "subject",
                "ics_description",
            ]
        ),
        frozenset(),
    ),
    "idle": (frozenset(["title", "body", "carry_on"]), frozenset()),
    "done": (frozenset(["title", "body", "returning", "start_over"]), frozenset()),
}
# section -> list-of-tables keys inside it
TABLE_KEYS: dict[str, frozenset[str]] = {
    "consultation": frozenset({"areas", "screening", "questions"}),
    "treatment": frozenset({"steps"}),
    "aftercare": frozenset({"timeline"}),
    "side_effects": frozenset({"help"}),
}


class Area(NamedTuple):
    id: str
    name: str
    detail: str
    product: Literal["cosmetic", "medical"]
    expect: str


class ScreeningQuestion(NamedTuple):
    id: str
    question: str
    why: str
    flag: tuple[str, ...]
    #: What follows each flagged answer ("yes" -> "Tell ... before anything is done.").
    advice: Mapping[str, str] = {}
    #: Flagged answers after which treatment is usually not given (pregnancy, an allergy).
    pauses_treatment: tuple[str, ...] = ()

    def advice_for(self, answer: str | None) -> str:
        return self.advice.get(answer, "") if answer is not None else ""

    def pauses(self, answer: str | None) -> bool:
        return answer is not None and answer in self.pauses_treatment


class PatientQuestion(NamedTuple):
    id: str
    text: str


class Step(NamedTuple):
    title: str
    body: str


class TimelineEntry(NamedTuple):
    id: str
    from_days: int
    to_days: int | None
    title: str
    body: str
    areas: tuple[str, ...] = ()
    #: The one-day calendar event on ``from_days`` ("" for none).
    calendar: str = ""
    #: The clinic's check-up visit: shown only when ``[clinic] check_up_visit`` is true.
    check_up: bool = False

    def applies_to(self, chosen: Sequence[str]) -> bool:
        """An entry without areas applies to any chosen area (never to no area at all)."""
        return bool(chosen) and (not self.areas or any(a in chosen for a in self.areas))


class HelpSign(NamedTuple):
    id: str
    text: str


class HelpLevel(NamedTuple):
    level: Literal["emergency", "doctor", "clinic"]
    title: str
    signs: tuple[HelpSign, ...]

    @property
    def urgent(self) -> bool:
        """Under the "Get help now" heading (the emergency number, or a doctor right away)."""
        return self.level in URGENT_LEVELS


@dataclass(frozen=True)
class ContentPack:
    language: str
    language_name: str
    reviewed_by: str  # "" until signed off (the config may sign it off: kiosk/core/signoff.py)
    reviewed_on: dt.date | None
    version: str
    texts: Mapping[str, Mapping[str, str | tuple[str, ...]]]
    areas: tuple[Area, ...]
    screening: tuple[ScreeningQuestion, ...]
    questions: tuple[PatientQuestion, ...]
    steps: tuple[Step, ...]
    timeline: tuple[TimelineEntry, ...]
    help: tuple[HelpLevel, ...]
    source: Path
    values: Mapping[str, str] = field(default_factory=dict)

    def bind(self, **values: str) -> ContentPack:
        """A copy whose placeholders such as {clinic_name} are filled from ``values``."""
        return replace(self, values={**self.values, **values})

    def _fill(self, text: str, extra: Mapping[str, object]) -> str:
        return text.format_map({**self.values, **{k: str(v) for k, v in extra.items()}})

    def t(self, key: str, **values: object) -> str:
        """A plain string, e.g. ``t("ui.step", n=2, total=6)``."""
        section, name = key.split(".", 1)
        text = self.texts[section][name]
        if not isinstance(text, str):
            raise TypeError(f"{key} is a list; use items()")
        return self._fill(text, values)

    def items(self, key: str, **values: object) -> list[str]:
        """A list of strings, e.g. ``items("aftercare.do")``."""
        section, name = key.split(".", 1)
        texts = self.texts[section][name]
        if isinstance(texts, str):
            raise TypeError(f"{key} is a string; use t()")
        return [self._fill(t, values) for t in texts]

    def fill(self, text: str, **values: object) -> str:
        """Fill placeholders in a string taken from a table entry (a help title, say)."""
        return self._fill(text, values)

    def area(self, area_id: str) -> Area:
        return next(a for a in self.areas if a.id == area_id)

    @property
    def screening_ids(self) -> frozenset[str]:
        return frozenset(q.id for q in self.screening)

    @property
    def question_ids(self) -> frozenset[str]:
        return frozenset(q.id for q in self.questions)


def review_problems(pack: ContentPack, today: dt.date) -> list[Problem]:
    """A warning when the pack's clinical review is more than a year old."""
    if pack.reviewed_on is not None and today - pack.reviewed_on > REVIEW_MAX_AGE:
        return [
            Problem(
                str(pack.source),
                "meta.reviewed_on",
                f"clinical review is over a year old ({pack.reviewed_on.isoformat()}); "
                "have a clinician review the content and update the date",
                warning=True,
            )
        ]
    return []


class _Reader:
    """Collects problems while reading typed values out of parsed TOML."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    def check_placeholders(self, key: str, text: str) -> None:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            self.problem(key, f"bad placeholder: {exc} (write {{{{ and }}}} for braces)")
            return
        allowed = PLACEHOLDERS | KEY_PLACEHOLDERS.get(key, frozenset())
        for name in sorted(names - allowed):
            self.problem(
                key,
                f"unknown placeholder {{{name}}} (this text may use: "
                + ", ".join(f"{{{p}}}" for p in sorted(allowed))
                + ")",
            )

    def text(self, table: Mapping[str, Any], name: str, key: str) -> str:
        value = table.get(name)
        if value is None:
            self.problem(key, "missing")
            return ""
        if not isinstance(value, str):
            self.problem(key, f"must be text, not {value!r}")
            return ""
        if not value.strip():
            self.problem(key, "must not be empty")
        self.check_placeholders(key, value)
        return value

    def text_list(self, table: Mapping[str, Any], name: str, key: str) -> tuple[str, ...]:
        value = table.get(name)
        if value is None:
            self.problem(key, "missing")
            return ()
        if not isinstance(value, list) or not value:
            self.problem(key, f"must be a non-empty list of text, not {value!r}")
            return ()
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{key}[{i}]", f"must be non-empty text, not {item!r}")
                continue
            self.check_placeholders(f"{key}[{i}]", item)
            out.append(item)
        return tuple(out)

    def integer(self, table: Mapping[str, Any], name: str, key: str, required: bool) -> int | None:
        value = table.get(name)
        if value is None:
            if required:
                self.problem(key, "missing")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(key, f"must be a whole number of days (0 or more), not {value!r}")
            return None
        return value

    def choice(
        self, table: Mapping[str, Any], name: str, key: str, choices: tuple[str, ...]
    ) -> str:
        value = table.get(name)
        if value not in choices:
            self.problem(key, f"must be one of {', '.join(choices)}, not {value!r}")
            return choices[0]
        return str(value)

    def unknown(self, table: Mapping[str, Any], known: set[str] | frozenset[str], key: str) -> None:
        for name in table:
            if name not in known:
                where = f"{key}.{name}" if key else name
                self.problem(where, "unknown key")

    def tables(self, section: Mapping[str, Any], name: str, key: str) -> list[dict[str, Any]]:
        value = section.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.problem(key, f"must be a non-empty list of tables ([[{key}]])")
            return []
        return value

    def ids(self, entries: list[dict[str, Any]], key: str) -> list[str]:
        seen: set[str] = set()
        out = []
        for i, entry in enumerate(entries):
            value = entry.get("id")
            if not isinstance(value, str) or not _ID.match(value):
                self.problem(
                    f"{key}[{i}].id", f"must be lower-case letters, digits and _, not {value!r}"
                )
            elif value in seen:
                self.problem(f"{key}[{i}].id", f"duplicate id {value!r}")
            else:
                seen.add(value)
            out.append(value if isinstance(value, str) else "")
        return out


def _sign_key(text: str) -> str:
    """A sign's text reduced to its words, to catch the same sign written twice."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _check_reworded(r: _Reader, key: str, sign: HelpSign, level: str) -> None:
    """A sign that says what a required sign says, at a level less urgent than that one's."""
    if level not in HELP_LEVELS:
        return
    text = sign.text.casefold()
    for sid, words in SIGN_WORDS.items():
        least, what = REQUIRED_SIGNS[sid]
        if sid == sign.id or HELP_LEVELS.index(level) <= HELP_LEVELS.index(least):
            continue
        hit = next((w for w in words if re.search(rf"\b{re.escape(w)}", text)), None)
        if hit is not None:
            r.problem(
                f"{key}.text",
                f"says {hit!r}, like the sign {sid!r} ({what}), which must be at level "
                f"{least!r}"
                + (" or more urgent" if least != "emergency" else "")
                + f", not {level!r}: each sign belongs to exactly one level",
            )


def _check_triage(r: _Reader, helps: list[HelpLevel]) -> None:
    """Three levels, most urgent first; each sign at exactly one level; the signs the label
    says need help right away present, none below its level."""
    if not helps:
        return
    levels = [h.level for h in helps]
    if levels != list(HELP_LEVELS):
        r.problem(
            "side_effects.help",
            "must have the three levels once each, most urgent first: "
            f"{', '.join(HELP_LEVELS)} (not {', '.join(levels)})",
        )
    seen_ids: dict[str, tuple[str, str]] = {}  # sign id -> (key, level)
    seen_texts: dict[str, str] = {}  # reduced text -> key
    for i, h in enumerate(helps):
        for j, sign in enumerate(h.signs):
            key = f"side_effects.help[{i}].signs[{j}]"
            first = seen_ids.get(sign.id)
            if first is not None and first[1] != h.level:
                r.problem(
                    f"{key}.id",
                    f"sign {sign.id!r} is also at level {first[1]!r} ({first[0]}): "
                    "each sign belongs to exactly one level",
                )
            elif first is None and sign.id:
                seen_ids[sign.id] = (key, h.level)
            reduced = _sign_key(sign.text)
            if reduced and reduced in seen_texts:
                r.problem(
                    f"{key}.text",
                    f"the same sign as {seen_texts[reduced]}: each sign belongs to exactly "
                    "one level",
                )
            elif reduced:
                seen_texts[reduced] = key
            _check_reworded(r, key, sign, h.level)
            required = REQUIRED_SIGNS.get(sign.id)
            if required is not None and HELP_LEVELS.index(h.level) > HELP_LEVELS.index(required[0]):
                r.problem(
                    f"{key}.id",
                    f"{sign.id!r} ({required[1]}) must be at level {required[0]!r}"
                    + (" or more urgent" if required[0] != "emergency" else "")
                    + f", not {h.level!r}",
                )
    for sid, (level, what) in REQUIRED_SIGNS.items():
        if sid not in seen_ids:
            r.problem(
                "side_effects.help",
                f"no sign with id {sid!r} ({what}); put it at level {level!r}"
                + (" or more urgent" if level != "emergency" else ""),
            )


def _read_pack(data: dict[str, Any], folder: Path, file: str) -> ContentPack:
    r = _Reader(file)
    r.unknown(data, {"meta", *TEXT_KEYS}, "")
    meta = data.get("meta", {}) if isinstance(data.get("meta"), dict) else {}
    if "meta" not in data:
        r.problem("meta", "missing")
    r.unknown(meta, {"language", "language_name", "reviewed_by", "reviewed_on", "version"}, "meta")
    language = r.text(meta, "language", "meta.language")
    if language and language != folder.name:
        r.problem("meta.language", f"is {language!r} but the folder is named {folder.name!r}")
    reviewed_on = meta.get("reviewed_on")  # optional: the config may sign the pack off
    if reviewed_on is not None and (
        not isinstance(reviewed_on, dt.date) or isinstance(reviewed_on, dt.datetime)
    ):
        r.problem(
            "meta.reviewed_on", f"must be a date like 2026-11-01 (no quotes), not {reviewed_on!r}"
        )
        reviewed_on = None

    texts: dict[str, dict[str, str | tuple[str, ...]]] = {}
    sections: dict[str, dict[str, Any]] = {}
    for sname, (plain, lists) in TEXT_KEYS.items():
        section = data.get(sname)
        if not isinstance(section, dict):
            r.problem(sname, "missing section" if section is None else "must be a table")
            section = {}
        sections[sname] = section
        r.unknown(section, plain | lists | TABLE_KEYS.get(sname, frozenset()), sname)
        out: dict[str, str | tuple[str, ...]] = {}
        for k in sorted(plain):
            out[k] = r.text(section, k, f"{sname}.{k}")
        for k in sorted(lists):
            out[k] = r.text_list(section, k, f"{sname}.{k}")
        texts[sname] = out

    cons = sections["consultation"]
    areas = []
    entries = r.tables(cons, "areas", "consultation.areas")
    ids = r.ids(entries, "consultation.areas")
    for i, (e, aid) in enumerate(zip(entries, ids, strict=True)):
        k = f"consultation.areas[{i}]"
        r.unknown(e, {"id", "name", "detail", "product", "expect"}, k)
        if aid and aid not in AREA_IDS:
            r.problem(f"{k}.id", f"unknown area {aid!r} (known: {', '.join(AREA_IDS)})")
        product = r.choice(e, "product", f"{k}.product", ("cosmetic", "medical"))
        areas.append(
            Area(
                aid,
                r.text(e, "name", f"{k}.name"),
                r.text(e, "detail", f"{k}.detail"),
                "cosmetic" if product == "cosmetic" else "medical",
                r.text(e, "expect", f"{k}.expect"),
            )
        )
    if entries:
        for missing in [a for a in AREA_IDS if a not in ids]:
            r.problem("consultation.areas", f"no entry for area {missing!r}")

    screening = []
    entries = r.tables(cons, "screening", "consultation.screening")
    for i, (e, sid) in enumerate(
        zip(entries, r.ids(entries, "consultation.screening"), strict=True)
    ):
        k = f"consultation.screening[{i}]"
        r.unknown(
            e,
            {"id", "question", "why", "flag", "pauses_treatment"} | {f"if_{a}" for a in ANSWERS},
            k,
        )
        flag = e.get("flag", ["yes", "unsure"])
        if not isinstance(flag, list) or any(f not in ANSWERS for f in flag):
            r.problem(f"{k}.flag", f"must be a list of {', '.join(ANSWERS)}, not {flag!r}")
            flag = []
        advice = {}
        for answer in ANSWERS:
            name = f"if_{answer}"
            if answer in flag:
                if name not in e:
                    r.problem(
                        f"{k}.{name}",
                        f"missing: say what follows the answer {answer!r} (it is flagged)",
                    )
                    continue
                advice[answer] = r.text(e, name, f"{k}.{name}")
            elif name in e:
                r.problem(f"{k}.{name}", f"{answer!r} is not flagged (flag), so this never shows")
        pauses = e.get("pauses_treatment", [])
        if not isinstance(pauses, list) or any(p not in flag for p in pauses):
            r.problem(
                f"{k}.pauses_treatment",
                f"must list flagged answers ({', '.join(map(str, flag))}), not {pauses!r}",
            )
            pauses = []
        else:
            for answer in REQUIRED_PAUSES.get(sid, ()):
                if answer not in pauses:
                    r.problem(
                        f"{k}.pauses_treatment",
                        f"must include {answer!r}: after that answer to {sid!r} treatment is "
                        "usually not given (flag it and keep it paused)",
                    )
        screening.append(
            ScreeningQuestion(
                sid,
                r.text(e, "question", f"{k}.question"),
                r.text(e, "why", f"{k}.why"),
                tuple(flag),
                advice,
                tuple(pauses),
            )
        )

    questions = []
    entries = r.tables(cons, "questions", "consultation.questions")
    for i, (e, qid) in enumerate(
        zip(entries, r.ids(entries, "consultation.questions"), strict=True)
    ):
        k = f"consultation.questions[{i}]"
        r.unknown(e, {"id", "text"}, k)
        questions.append(PatientQuestion(qid, r.text(e, "text", f"{k}.text")))

    steps = []
    for i, e in enumerate(r.tables(sections["treatment"], "steps", "treatment.steps")):
        k = f"treatment.steps[{i}]"
        r.unknown(e, {"title", "body"}, k)
        steps.append(Step(r.text(e, "title", f"{k}.title"), r.text(e, "body", f"{k}.body")))

    timeline = []
    entries = r.tables(sections["aftercare"], "timeline", "aftercare.timeline")
    for i, (e, tid) in enumerate(zip(entries, r.ids(entries, "aftercare.timeline"), strict=True)):
        k = f"aftercare.timeline[{i}]"
        r.unknown(
            e, {"id", "from_days", "to_days", "title", "body", "areas", "calendar", "check_up"}, k
        )
        start = r.integer(e, "from_days", f"{k}.from_days", required=True) or 0
        end = r.integer(e, "to_days", f"{k}.to_days", required=False)
        if end is not None and end < start:
            r.problem(f"{k}.to_days", f"must not be before from_days ({start}), not {end}")
        t_areas = e.get("areas", [])
        if not isinstance(t_areas, list) or any(a not in AREA_IDS for a in t_areas):
            r.problem(f"{k}.areas", f"must list area ids ({', '.join(AREA_IDS)}), not {t_areas!r}")
            t_areas = []
        calendar = r.text(e, "calendar", f"{k}.calendar") if "calendar" in e else ""
        check_up = e.get("check_up", False)
        if not isinstance(check_up, bool):
            r.problem(f"{k}.check_up", f"must be true or false, not {check_up!r}")
            check_up = False
        timeline.append(
            TimelineEntry(
                tid,
                start,
                end,
                r.text(e, "title", f"{k}.title"),
                r.text(e, "body", f"{k}.body"),
                tuple(t_areas),
                calendar,
                check_up,
            )
        )

    helps = []
    for i, e in enumerate(r.tables(sections["side_effects"], "help", "side_effects.help")):
        k = f"side_effects.help[{i}]"
        r.unknown(e, {"level", "title", "signs"}, k)
        level = r.choice(e, "level", f"{k}.level", HELP_LEVELS)
        title = r.text(e, "title", f"{k}.title")
        signs = []
        raw = e.get("signs")
        if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
            r.problem(
                f"{k}.signs",
                "each sign needs an id now: write one [[side_effects.help.signs]] table per "
                "sign, with id and text (docs/content-pack.md)",
            )
            entries = []
        else:
            entries = r.tables(e, "signs", f"{k}.signs")
        for j, (s, sid) in enumerate(zip(entries, r.ids(entries, f"{k}.signs"), strict=True)):
            sk = f"{k}.signs[{j}]"
            r.unknown(s, {"id", "text"}, sk)
            signs.append(HelpSign(sid, r.text(s, "text", f"{sk}.text")))
        helps.append(
            HelpLevel(
                "emergency"
                if level == "emergency"
                else "doctor"
                if level == "doctor"
                else "clinic",
                title,
                tuple(signs),
            )
        )
    _check_triage(r, helps)

    language_name = r.text(meta, "language_name", "meta.language_name")
    reviewed_by = meta.get("reviewed_by", "")
    if not isinstance(reviewed_by, str):
        r.problem("meta.reviewed_by", f"must be text, not {reviewed_by!r}")
        reviewed_by = ""
    if r.problems:
        raise ProblemsError(r.problems)
    return ContentPack(
        language=language,
        language_name=language_name,
        reviewed_by=reviewed_by,
        reviewed_on=reviewed_on,
        version=str(meta.get("version", "")),
        texts=texts,
        areas=tuple(sorted(areas, key=lambda a: AREA_IDS.index(a.id))),
        screening=tuple(screening),
        questions=tuple(questions),
        steps=tuple(steps),
        timeline=tuple(sorted(timeline, key=lambda t: t.from_days)),
        help=tuple(helps),
        source=Path(file),
    )


def load_pack(folder: Path) -> ContentPack:
    """Load and validate ``folder/content.toml``. Raises ProblemsError."""
    path = folder / "content.toml"
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ProblemsError([Problem(file, "(file)", "not found")]) from None
    except UnicodeDecodeError:
        raise ProblemsError([Problem(file, "(file)", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsError([Problem(file, "(syntax)", f"not valid TOML: {exc}")]) from None
    return _read_pack(data, folder, file)


def load_packs(content_dir: Path, languages: list[str]) -> dict[str, ContentPack]:
    """Load every language the kiosk offers; collects the problems of all of them."""
    packs: dict[str, ContentPack] = {}
    problems: list[Problem] = []
    for code in languages:
        try:
            packs[code] = load_pack(content_dir / code)
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return packs
