"""The content pack: every word a patient sees, for one language.

A pack is one ``content.toml`` in a folder named after its language code. It is validated
on load, and every problem names the file and the key (``docs/content-pack.md``). The
NamedTuples and the ContentPack below are the pack's declaration: their types and
``Rule``s are what ``kiosk.core.schema`` checks a file against; the rules that tie keys
together (advice for flagged answers, the triage of side effects) are the hooks of
``_PackReader``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import string
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from xml.parsers import expat

from kiosk import resources
from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.schema import CONTENT_WORDS, Reader, Rule, Spec, join, read_toml, shown

log = logging.getLogger("kiosk.content")

AreaId = Literal[
    "forehead_lines",
    "frown_lines",
    "crows_feet",
    "neck_bands",
    "underarm_sweating",
    "chronic_migraine",
]
AREA_IDS: tuple[str, ...] = typing.get_args(AreaId)
Answer = Literal["yes", "no", "unsure"]
ANSWERS: tuple[str, ...] = typing.get_args(Answer)
Level = Literal["emergency", "doctor", "clinic"]
HELP_LEVELS: tuple[str, ...] = typing.get_args(Level)  # most urgent first
#: Languages written right to left (primary subtags: Arabic, Hebrew, Persian, Urdu, Pashto,
#: Sindhi, Uyghur, Yiddish, Dhivehi, Central Kurdish). Qt agrees
#: (QLocale.textDirection); the core layer asks here, without Qt.
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})


def primary_language(code: str) -> str:
    """A language code's language part, lower case: "es-MX", "es_MX" and "ES" are "es"."""
    return re.split(r"[-_]", code, maxsplit=1)[0].lower()


#: First-strong isolate and pop directional isolate (Unicode bidi, UAX #9): a value filled
#: into a right-to-left sentence (an email address, a phone number, a Latin name) keeps its
#: own direction and does not reorder the words around it.
FSI, PDI = "\u2068", "\u2069"
#: The left-to-right isolate, for a number (a phone): it has no letter for FSI to go by, and
#: LRI says left to right outright (UAX #9 falls back to it, not every mail program's bidi).
LRI = "\u2066"
NBSP = "\u00a0"


_ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


def without_isolates(text: str) -> str:
    """``text`` without the isolates ``isolate`` put in: for a mail header or a calendar
    title, which some mail programs and phones show as boxes (and spam filters distrust)."""
    return text.translate(_ISOLATES)


def isolate(value: str) -> str:
    """``value`` isolated from the right-to-left text around it (see FSI); empty stays
    empty. A number is left to right and kept on one line (no-break spaces): a phone number
    split over two lines of right-to-left text reads as two numbers in the wrong order, and
    without an isolate Qt draws "+1 555-0100" in an Arabic sentence as "0100-1 555+"."""
    if not value:
        return value
    if not any(ch.isalpha() for ch in value):
        return f"{LRI}{value.replace(' ', NBSP)}{PDI}"
    return f"{FSI}{value}{PDI}"


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
    "ui.page_of": frozenset({"n", "total"}),
    "summary.greeting": frozenset({"first_name"}),
    "summary.reviewed": frozenset({"reviewed_by", "date"}),
    "ui.date": frozenset({"weekday", "day", "month", "year"}),
    "ui.day": frozenset({"day", "month"}),
    "summary.printed": frozenset({"location"}),
    "summary.print_failed": frozenset({"location"}),
    "summary.print_limit": frozenset({"location"}),
    "summary.print_failed_email": frozenset({"location"}),
    "email.sent": frozenset({"address"}),
    "email.queued": frozenset({"address"}),
    "done.printed": frozenset({"location"}),
    "aftercare.timeline_intro": frozenset({"date"}),
    "aftercare.day_label": frozenset({"date"}),
    "done.returning": frozenset({"seconds"}),
    "speech.volume": frozenset({"level"}),
    "idle.body": frozenset({"seconds"}),
    "keyboard.capital": frozenset({"letter"}),
}
REVIEW_MAX_AGE = dt.timedelta(days=365)
#: Health questions a page: few enough that every answer button is large and in view.
HEALTH_PER_PAGE = 2
#: The summary's headings and notes: the pack's ``summary.<name>`` texts that the summary
#: templates show as ``labels.<name>`` (kiosk/core/summary.py).
SUMMARY_LABELS = (
    "areas_title",
    "no_areas",
    "tell_clinician_title",
    "tell_clinician_intro",
    "no_flags",
    "questions_title",
    "no_questions",
    "aftercare_title",
    "timeline_title",
    "help_title",
    "paused_title",
    "paused",
    "notes_title",
)

#: The [a11y] table's descriptions, one per kind of control (kiosk/ui/names.py).
A11Y_KEYS = (
    "page",
    "page_hint",
    "start",
    "language_button",
    "language_choice",
    "next",
    "back",
    "finish",
    "start_over",
    "choice",
    "answer",
    "face_map",
    "face_area",
    "day",
    "field",
    "key",
    "key_action",
    "key_done",
    "carry_on",
    "button",
)

# section -> (plain string keys, list-of-string keys). Every key is required.
TEXT_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ui": (
        frozenset(
            [
                "back",
                "next",
                "finish",
                "page_of",
                "selected",
                "not_selected",
                "error",
                "clinic_phone_label",
                "emergency_label",
                "scroll_hint",
                "date",
                "day",
            ]
        ),
        frozenset({"weekdays", "months"}),
    ),
    "attract": (
        frozenset(["title", "subtitle", "start", "language_prompt", "picture"]),
        frozenset(),
    ),
    # the named steps of the progress bar (kiosk.core.flow.Section), and what a screen
    # reader says of each one's state
    "progress": (
        frozenset(
            [
                "consultation",
                "areas",
                "health",
                "treatment",
                "aftercare",
                "side_effects",
                "summary",
                "seen",
                "current",
                "ahead",
            ]
        ),
        frozenset(),
    ),
    # The on-screen keyboard's Done key and the names a screen reader speaks for its keys
    # (kiosk/ui/keyboard.py DEFAULT_TEXTS holds the same keys, in English).
    "keyboard": (
        frozenset(
            [
                "keyboard",
                "done",
                "space",
                "backspace",
                "shift",
                "shift_once",
                "shift_lock",
                "accents",
                "letters",
                "latin_letters",
                "arabic_letters",
                "capital",
                "at",
                "dot",
                "dotcom",
                "hyphen",
                "apostrophe",
                "underscore",
                "plus",
            ]
        ),
        frozenset(),
    ),
    # the pages' pictures: SVG file names, from the pack's folder or the kiosk's images
    "pictures": (frozenset(["privacy", "consultation", "health", "questions"]), frozenset()),
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
                "day_label",
                "chart_name",
                "chart_start",
                "day_earlier",
                "day_later",
                "day_today",
                "day_earlier_name",
                "day_later_name",
                "day_today_name",
            ]
        ),
        frozenset(),
    ),
    "side_effects": (
        frozenset(["title", "intro", "common_title", "common_note", "serious_note"]),
        frozenset({"common"}),
    ),
    "summary": (
        frozenset(
            [
                *SUMMARY_LABELS,
                "title",
                "intro",
                "greeting",
                "face_map_alt",
                "timeline_paused",
                "timeline_ask",
                "no_timeline",
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
                "front_desk",
                "footer",
                "choices_title",
                "print_hint",
                "email_hint",
                "phone",
                "phone_hint",
                "phone_title",
                "phone_scan",
                "phone_shown",
                "phone_back",
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
                "confirm_title",
                "confirm_hint",
                "confirm",
                "change",
            ]
        ),
        frozenset(),
    ),
    "idle": (frozenset(["title", "body", "carry_on"]), frozenset()),
    "done": (
        frozenset(["title", "body", "returning", "start_over", "printed", "emailed", "phone"]),
        frozenset(),
    ),
    # read aloud (kiosk/ui/reader.py): its bar's controls and what it says besides the page
    "speech": (
        frozenset(
            [
                "test_sentence",
                "bar",
                "bar_hint",
                "read_page",
                "read_page_hint",
                "stop",
                "stop_hint",
                "quieter",
                "quieter_hint",
                "louder",
                "louder_hint",
                "volume",
                "empty",
                "unavailable",
                "address",
            ]
        ),
        frozenset(),
    ),
    # read aloud's other words (kiosk/ui/reader.py): when the engine cannot speak at all
    "read_aloud": (frozenset(["not_working", "address_hint"]), frozenset()),
    # the accessibility button and its settings (kiosk/ui/access.py), and the idle
    # warning's More time
    "access": (
        frozenset(
            [
                "button",
                "button_detail",
                "title",
                "text_size",
                "text_size_detail",
                "high_contrast",
                "high_contrast_detail",
                "read_aloud",
                "read_aloud_detail",
                "more_time",
                "more_time_detail",
                "done",
                "done_detail",
                "idle_more_time",
                "idle_more_time_detail",
            ]
        ),
        frozenset(),
    ),
    # What a screen reader says of each control after its name (kiosk/ui/names.py): spoken
    # descriptions, in the patient's language.
    "a11y": (frozenset(A11Y_KEYS), frozenset()),
}
#: The declarations' shorthands: a text a patient reads (never empty, placeholders
#: checked), an id (lower-case, unique in its list), a number of days.
Text = Annotated[str, Rule(text=True)]
Id = Annotated[str, Rule(id=True)]
#: The latest day a timeline entry may start or end, counted from the appointment: two
#: years (the built-in pack's last entry is at 180 days). Dates past it are a typo, and
#: far enough past it they run off the calendar.
TIMELINE_MAX_DAYS = 730
_DAYS = f"a whole number of days (0 to {TIMELINE_MAX_DAYS})"
#: The names the dates are written with: a week's days and a year's months, in order.
CALENDAR_NAMES = {"weekdays": 7, "months": 12}
_FLAG = f"a list of {', '.join(ANSWERS)}"
ADVICE_KEYS = tuple(f"if_{a}" for a in ANSWERS)


#: The lists of advice that are tables, each text with its picture: section -> keys. Their
#: texts are also the pack's ``items("aftercare.do")`` (the summaries read those).
PICTURED_LISTS: dict[str, tuple[str, ...]] = {"aftercare": ("do", "dont")}
#: Where a pack's pictures are looked for after the pack's own folder: the built-in ones.
BUILT_IN_IMAGES = ("images",)


def _image_name(value: str) -> str | None:
    """A picture is named by its file name alone: an SVG beside the pack, or a built-in one."""
    if (
        not value.lower().endswith(".svg")
        or value != Path(value).name
        or "\\" in value
        or value.startswith(".")
    ):
        return (
            'must be the file name of an SVG picture, such as "step_cleaning.svg" '
            f"(no folder), not {shown(value)}"
        )
    return None


#: A picture's file name (``ContentPack.image`` finds the file).
Image = Annotated[str, Rule(check=_image_name)]


def find_image(folder: Path, name: str) -> Path | None:
    """The picture ``name``: in the pack's folder first (a clinic's own), else built in."""
    for place in (folder / name, resources.path(*BUILT_IN_IMAGES, name)):
        try:
            if place.is_file():
                return place
        except OSError:  # a name the file system refuses (too long): no such picture
            continue
    return None


@functools.lru_cache(maxsize=128)
def _svg_problem(path: Path, mtime_ns: int) -> str | None:
    """Why the file is not a picture the kiosk can draw, or None. Parsed with expat alone
    (no tree is built: the pack loads before the first paint)."""
    first: list[str] = []
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = lambda name, _attrs: first.append(name) if not first else None
    try:
        parser.Parse(path.read_bytes(), True)
    except (OSError, expat.ExpatError) as exc:
        return f"{path} cannot be read as an SVG picture ({exc})"
    root = first[0].rsplit("}", 1)[-1] if first else ""
    if root != "svg":
        return f"{path} is not an SVG picture (its first element is <{root}>)"
    return None


def image_problem(folder: Path, name: str) -> str | None:
    """What is wrong with the picture a pack names, or None when it can be drawn."""
    path = find_image(folder, name)
    if path is None:
        return (
            f"no picture {shown(name)}: put it beside content.toml ({folder}) or name a built-in "
            "one (docs/content-pack.md, Pictures)"
        )
    return _svg_problem(path, path.stat().st_mtime_ns)


def _items_without_pictures(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return (
            "each item needs a picture now: write one table per item, with text and image "
            "(docs/content-pack.md, Pictures)"
        )
    return None


def _known_area(value: str) -> str | None:
    return (
        None if value in AREA_IDS else f"unknown area {shown(value)} (known: {', '.join(AREA_IDS)})"
    )


def _signs_without_ids(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return (
            "each sign needs an id now: write one [[side_effects.help.signs]] table per "
            "sign, with id and text (docs/content-pack.md)"
        )
    return None


class Area(NamedTuple):
    id: Annotated[str, Rule(id=True, check=_known_area)]
    name: Text
    detail: Text
    product: Literal["cosmetic", "medical"]
    expect: Text


class ScreeningQuestion(NamedTuple):
    id: Id
    question: Text
    why: Text
    #: The answers the clinician should hear about.
    flag: Annotated[tuple[Answer, ...], Rule(expect=_FLAG)] = (
        "yes",
        "unsure",
    )
    #: What follows each flagged answer ("yes" -> "Tell ... before anything is done."), from
    #: the keys if_yes, if_no, if_unsure.
    advice: Annotated[Mapping[str, str], Rule(skip=True, keys=ADVICE_KEYS)] = {}
    #: Flagged answers after which treatment is usually not given (pregnancy, an allergy).
    pauses_treatment: Annotated[tuple[str, ...], Rule(skip=True, keys=("pauses_treatment",))] = ()

    def advice_for(self, answer: str | None) -> str:
        return self.advice.get(answer, "") if answer is not None else ""

    def pauses(self, answer: str | None) -> bool:
        return answer is not None and answer in self.pauses_treatment


class PatientQuestion(NamedTuple):
    id: Id
    text: Text


class Step(NamedTuple):
    title: Text
    body: Text
    #: The step's picture (``ContentPack.image``).
    image: Image


class Advice(NamedTuple):
    """One [[aftercare.do]] or [[aftercare.dont]]: what to do, with its picture."""

    text: Text
    image: Image


class TimelineEntry(NamedTuple):
    id: Id
    from_days: Annotated[int, Rule(minimum=0, maximum=TIMELINE_MAX_DAYS, expect=_DAYS)]
    to_days: Annotated[int | None, Rule(minimum=0, maximum=TIMELINE_MAX_DAYS, expect=_DAYS)]
    title: Text
    body: Text
    areas: Annotated[
        tuple[AreaId, ...], Rule(expect=f"a list of area ids ({', '.join(AREA_IDS)})")
    ] = ()
    #: The one-day calendar event on ``from_days`` ("" for none).
    calendar: Text = ""
    #: The clinic's check-up visit: shown only when ``[clinic] check_up_visit`` is true.
    check_up: bool = False

    def applies_to(self, chosen: Sequence[str]) -> bool:
        """An entry without areas applies to any chosen area (never to no area at all)."""
        return bool(chosen) and (not self.areas or any(a in chosen for a in self.areas))


class HelpSign(NamedTuple):
    id: Id
    text: Text


class HelpLevel(NamedTuple):
    level: Level
    title: Text
    signs: Annotated[tuple[HelpSign, ...], Rule(before=_signs_without_ids)]
    #: The level's icon, beside its title (``ContentPack.image``).
    icon: Image

    @property
    def urgent(self) -> bool:
        """Under the "Get help now" heading (the emergency number, or a doctor right away)."""
        return self.level in URGENT_LEVELS


@dataclass(frozen=True, kw_only=True)
class ContentPack:
    """A whole pack. ``at`` names the table a field is read from (``[meta] language``); the
    texts are read by TEXT_KEYS."""

    language: Annotated[str, Rule(text=True, at="meta")]
    language_name: Annotated[str, Rule(text=True, at="meta")]
    #: Who translated it from the English pack ("" for the English pack itself)
    translated_by: Annotated[str, Rule(at="meta")] = ""
    #: "" until signed off (the config may sign it off: kiosk/core/signoff.py)
    reviewed_by: Annotated[str, Rule(at="meta")] = ""
    reviewed_on: Annotated[dt.date | None, Rule(at="meta")] = None
    version: Annotated[str, Rule(at="meta", convert=str)] = ""
    texts: Annotated[Mapping[str, Mapping[str, str | tuple[str, ...]]], Rule(skip=True)]
    areas: Annotated[tuple[Area, ...], Rule(at="consultation")]
    screening: Annotated[tuple[ScreeningQuestion, ...], Rule(at="consultation")]
    questions: Annotated[tuple[PatientQuestion, ...], Rule(at="consultation")]
    steps: Annotated[tuple[Step, ...], Rule(at="treatment")]
    timeline: Annotated[tuple[TimelineEntry, ...], Rule(at="aftercare")]
    help: Annotated[tuple[HelpLevel, ...], Rule(at="side_effects")]
    #: [[aftercare.do]] and [[aftercare.dont]] with their pictures (read by ``_read_pack``).
    do: Annotated[tuple[Advice, ...], Rule(skip=True)] = ()
    dont: Annotated[tuple[Advice, ...], Rule(skip=True)] = ()
    source: Annotated[Path, Rule(skip=True)]
    values: Annotated[Mapping[str, str], Rule(skip=True)] = field(default_factory=dict)
    #: A signed pack's own pictures: file name -> SHA-256, as verified (None: not signed).
    pictures_signed: Annotated[Mapping[str, str] | None, Rule(skip=True)] = None

    def bind(self, **values: str) -> ContentPack:
        """A copy whose placeholders such as {clinic_name} are filled from ``values``."""
        return replace(self, values={**self.values, **values})

    def signed(self, manifest: Mapping[str, str]) -> ContentPack:
        """A copy whose pictures are checked against the folder's verified ``manifest``
        (paths relative to the content folder) each time one is read: the pictures load
        when a screen is built, long after the signature was checked."""
        prefix = f"{self.source.parent.name}/"
        own = {
            name[len(prefix) :]: digest
            for name, digest in manifest.items()
            if name.startswith(prefix) and "/" not in name[len(prefix) :]
        }
        return replace(self, pictures_signed=own)

    @property
    def rtl(self) -> bool:
        """Whether the pack's language is written right to left (Arabic: "ar", "ar-EG")."""
        return primary_language(self.language) in RTL_LANGUAGES

    def _fill(self, text: str, extra: Mapping[str, object]) -> str:
        values = {**self.values, **{k: str(v) for k, v in extra.items()}}
        if self.rtl:  # isolated here, where they are filled in: a pack holds no bidi controls
            values = {k: isolate(v) for k, v in values.items()}
        return text.format_map(values)

    def t(self, key: str, **values: object) -> str:
        """A plain string, e.g. ``t("ui.page_of", n=2, total=12)``."""
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

    def image(self, name: str) -> Path:
        """The file of a picture the pack names: beside the pack's content.toml first (a
        clinic's own), else the built-in one (the pack was checked to have it)."""
        built_in = resources.path(*BUILT_IN_IMAGES, name)
        if self.pictures_signed is None:
            found = find_image(self.source.parent, name)
            return found if found is not None else built_in
        # Signed: the pack's own picture only as signed (one added, changed or swapped since
        # is not shown: the built-in one of that name is, if any, else nothing).
        digest = self.pictures_signed.get(name)
        if digest is None:
            return built_in
        own = self.source.parent / name
        try:
            same = hashlib.sha256(own.read_bytes()).hexdigest() == digest
        except OSError:
            same = False
        if not same:
            log.warning(
                "picture %s of the %s pack is not as signed: not shown", name, self.language
            )
            return built_in
        return own

    def area(self, area_id: str) -> Area:
        return next(a for a in self.areas if a.id == area_id)

    @property
    def screening_ids(self) -> frozenset[str]:
        return frozenset(q.id for q in self.screening)

    @property
    def question_ids(self) -> frozenset[str]:
        return frozenset(q.id for q in self.questions)

    def health_pages(self) -> list[tuple[ScreeningQuestion, ...]]:
        """The health questions as the kiosk asks them: ``HEALTH_PER_PAGE`` a page."""
        n = HEALTH_PER_PAGE
        return [self.screening[i : i + n] for i in range(0, len(self.screening), n)]


_TEXT = Rule(text=True)
_FORMATTER = string.Formatter()


def _placeholder_problem(
    name: str, spec: str | None, conversion: str | None, allowed: frozenset[str]
) -> str:
    """What is wrong with a placeholder that is more than a name. ``str.format`` would read
    ``{clinic_phone:%s}``, ``{clinic_phone!r}``, ``{clinic.name}`` and ``{0}`` as a format,
    a conversion, an attribute and a position: the kiosk fills in names alone, so any of
    them would fail, or show something odd, when a patient reaches the text."""
    written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
    written = (written if len(written) <= 40 else written[:39] + "…") + "}"
    if name.isidentifier():
        return f"placeholder {written} takes no format or conversion: write {{{name}}} alone"
    return (
        f"placeholder {written} is not a name (no attribute, index or number): this text may "
        "use " + ", ".join(f"{{{p}}}" for p in sorted(allowed))
    )


class _PackReader(Reader):
    """The schema walker, with the pack's own rules as its hooks."""

    def __init__(self, file: str, folder: Path) -> None:
        super().__init__(file, CONTENT_WORDS)
        self.folder = folder

    def text_hook(self, key: str, text: str) -> None:
        """Only the placeholders the kiosk fills in for this text; a page's picture is a
        picture the kiosk can draw."""
        if key.startswith("pictures."):
            problem = _image_name(text) or image_problem(self.folder, text)
            if problem is not None:
                self.problem(key, problem)
            return
        try:
            fields = [
                (f, spec, conv) for _, f, spec, conv in _FORMATTER.parse(text) if f is not None
            ]
        except ValueError as exc:
            self.problem(key, f"bad placeholder: {exc} (write {{{{ and }}}} for braces)")
            return
        allowed = PLACEHOLDERS | KEY_PLACEHOLDERS.get(key, frozenset())
        names = set()
        for name, spec, conversion in fields:
            if spec or conversion or not name.isidentifier():
                self.problem(key, _placeholder_problem(name, spec, conversion, allowed))
            else:
                names.add(name)
        for name in sorted(names - allowed):
            self.problem(
                key,
                f"unknown placeholder {{{name}}} (this text may use: "
                + ", ".join(f"{{{p}}}" for p in sorted(allowed))
                + ")",
            )

    def finish(
        self, cls: type[Any], values: dict[str, Any], raw: Mapping[str, Any], key: str
    ) -> None:
        if cls is ScreeningQuestion:
            self._advice(values, raw, key)
        elif cls in (Step, Advice, HelpLevel):
            name = "icon" if cls is HelpLevel else "image"
            if values[name] and name in raw:  # a bad or missing name is already said
                problem = image_problem(self.folder, values[name])
                if problem is not None:
                    self.problem(f"{key}.{name}", problem)
        elif cls is TimelineEntry:
            start, end = values["from_days"], values["to_days"]
            if end is not None and end < start:
                self.problem(f"{key}.to_days", f"must not be before from_days ({start}), not {end}")

    def _advice(self, values: dict[str, Any], raw: Mapping[str, Any], key: str) -> None:
        """A flagged answer says what follows it, and pauses treatment where it must."""
        flag = values["flag"]
        if "flag" in raw and list(flag) != raw["flag"]:
            flag = ()  # the flag is wrong (already said): no answer is flagged
        advice = {}
        for answer in ANSWERS:
            name = f"if_{answer}"
            if answer in flag:
                if name not in raw:
                    self.problem(
                        f"{key}.{name}",
                        f"missing: say what follows the answer {answer!r} (it is flagged)",
                    )
                    continue
                advice[answer] = self.field(
                    Spec(name, name, str, _TEXT, None), raw, join(key, name)
                )
            elif name in raw:
                self.problem(
                    f"{key}.{name}", f"{answer!r} is not flagged (flag), so this never shows"
                )
        pauses = raw.get("pauses_treatment", [])
        if not isinstance(pauses, list) or any(p not in flag for p in pauses):
            self.problem(
                f"{key}.pauses_treatment",
                f"must list flagged answers ({', '.join(map(str, flag))}), not {shown(pauses)}",
            )
            pauses = []
        else:
            for answer in REQUIRED_PAUSES.get(values["id"], ()):
                if answer not in pauses:
                    self.problem(
                        f"{key}.pauses_treatment",
                        f"must include {answer!r}: after that answer to {values['id']!r} "
                        "treatment is usually not given (flag it and keep it paused)",
                    )
        values["advice"] = advice
        values["pauses_treatment"] = tuple(pauses)


def _sign_key(text: str) -> str:
    """A sign's text reduced to its words, to catch the same sign written twice."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _check_reworded(r: Reader, key: str, sign: HelpSign, level: str) -> None:
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
                + f", not {shown(level)}: each sign belongs to exactly one level",
            )


def _check_triage(r: Reader, helps: list[HelpLevel]) -> None:
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
                f"no sign with id {sid!r} ({what}); put it at level {shown(level)}"
                + (" or more urgent" if level != "emergency" else ""),
            )


def _read_pack(data: dict[str, Any], folder: Path, file: str) -> ContentPack:
    r = _PackReader(file, folder)
    text_keys = {
        sname: sorted(plain | lists | set(PICTURED_LISTS.get(sname, ())))
        for sname, (plain, lists) in TEXT_KEYS.items()
    }
    values = r.record(ContentPack, data, "", extra=text_keys)
    texts: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for sname, (plain, lists) in TEXT_KEYS.items():
        section = data.get(sname)
        section = section if isinstance(section, dict) else {}
        out: dict[str, str | tuple[str, ...]] = {}
        for k in sorted(plain):
            out[k] = r.field(Spec(k, k, str, _TEXT, None), section, f"{sname}.{k}")
        for k in sorted(lists):
            out[k] = r.field(Spec(k, k, tuple[str, ...], _TEXT, None), section, f"{sname}.{k}")
        texts[sname] = out
    pictured: dict[str, tuple[Advice, ...]] = {}
    for sname, keys in PICTURED_LISTS.items():
        section = data.get(sname)
        section = section if isinstance(section, dict) else {}
        for k in keys:
            rule = Rule(before=_items_without_pictures)
            items = r.field(Spec(k, k, tuple[Advice, ...], rule, None), section, f"{sname}.{k}")
            pictured[k] = items
            texts[sname][k] = tuple(a.text for a in items)

    for k, count in CALENDAR_NAMES.items():
        names = texts["ui"][k]
        if names and len(names) != count:  # none at all is already said
            r.problem(f"ui.{k}", f"must list {count} names, in order, not {len(names)}")
    language = values["language"]
    if language and language != folder.name:
        r.problem("meta.language", f"is {shown(language)} but the folder is named {folder.name!r}")
    areas: tuple[Area, ...] = values["areas"]
    if areas:
        ids = [a.id for a in areas]
        for missing in [a for a in AREA_IDS if a not in ids]:
            r.problem("consultation.areas", f"no entry for area {missing!r}")
    _check_triage(r, list(values["help"]))
    r.raise_if_any()
    values["areas"] = tuple(sorted(areas, key=lambda a: AREA_IDS.index(a.id)))
    values["timeline"] = tuple(sorted(values["timeline"], key=lambda t: t.from_days))
    values.update(pictured)
    return ContentPack(**values, texts=texts, source=Path(file))


def load_pack(folder: Path) -> ContentPack:
    """Load and validate ``folder/content.toml``. Raises ProblemsError."""
    path = folder / "content.toml"
    return _read_pack(read_toml(path), folder, str(path))


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
