"""The patient's answers, held in memory only, and their JSON form.

Nothing here touches the disk or a log. ``wipe`` drops every answer and tells the
listeners (the screens) so they clear their widgets too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from kiosk.core.content import ANSWERS, AREA_IDS, Answer, ContentPack
from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.schema import ANSWERS_WORDS, Reader, Rule, key_name, read_json, shown

#: The longest first name and email address, in characters: the on-screen keyboard's fields
#: stop there (kiosk/ui/screens), and answers read from a file are held to the same.
NAME_MAX = 80
EMAIL_MAX = 254  # RFC 5321's longest address
#: How far from today an appointment date read from a file may be (about ten years, either
#: way): the timeline and the calendar count months from it, and a year such as 9999 is a
#: typo that would run past the calendar's end. The kiosk itself offers 60 days ahead.
APPOINTMENT_SPAN = dt.timedelta(days=3653)
#: The largest answers file read (a whole session's answers are under 2 KB).
ANSWERS_MAX_BYTES = 64 * 1024


@dataclass
class Session:
    """The answers; the fields are also the answers JSON's keys (``from_dict``)."""

    language: Annotated[str, Rule(required=True, expect='a language code such as "en"')] = "en"
    first_name: Annotated[str, Rule(longest=NAME_MAX)] = ""
    appointment_date: dt.date = field(default_factory=dt.date.today)
    areas: Annotated[list[str], Rule(expect="a list of area ids")] = field(default_factory=list)
    screening: Annotated[dict[str, Answer], Rule(expect="an object of question id to answer")] = (
        field(default_factory=dict)
    )
    questions: Annotated[list[str], Rule(expect="a list of question ids")] = field(
        default_factory=list
    )
    email: Annotated[str, Rule(longest=EMAIL_MAX)] = ""
    email_consent: bool = False
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)

    def on_wipe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def wipe(self, language: str | None = None, today: dt.date | None = None) -> None:
        """Forget every answer (the language falls back to the kiosk's default)."""
        self.language = language or self.language
        self.first_name = ""
        self.appointment_date = today or dt.date.today()
        self.areas = []
        self.screening = {}
        self.questions = []
        self.email = ""
        self.email_consent = False
        for listener in list(self._listeners):
            listener()

    def toggle_area(self, area_id: str) -> bool:
        """Select or unselect an area; returns whether it is now selected."""
        if area_id not in AREA_IDS:
            raise ValueError(f"unknown area {area_id!r}")
        if area_id in self.areas:
            self.areas.remove(area_id)
            return False
        self.areas.append(area_id)
        self.areas.sort(key=AREA_IDS.index)
        return True

    def set_question(self, question_id: str, chosen: bool) -> None:
        if chosen and question_id not in self.questions:
            self.questions.append(question_id)
        elif not chosen and question_id in self.questions:
            self.questions.remove(question_id)

    def answer(self, question_id: str, value: Answer | None) -> None:
        if value is None:
            self.screening.pop(question_id, None)
        elif value not in ANSWERS:
            raise ValueError(f"unknown answer {value!r}")
        else:
            self.screening[question_id] = value

    def to_dict(self) -> dict[str, Any]:
        """The session JSON contract (DESIGN.md); empty answers are left out."""
        out: dict[str, Any] = {"language": self.language}
        if self.first_name:
            out["first_name"] = self.first_name
        out["appointment_date"] = self.appointment_date.isoformat()
        if self.areas:
            out["areas"] = list(self.areas)
        if self.screening:
            out["screening"] = dict(self.screening)
        if self.questions:
            out["questions"] = list(self.questions)
        if self.email:
            out["email"] = self.email
            out["email_consent"] = self.email_consent
        return out

    @classmethod
    def from_dict(
        cls,
        data: Any,
        file: str,
        pack: ContentPack | None = None,
        languages: list[str] | None = None,
        today: dt.date | None = None,
    ) -> Session:
        """Validate answers (e.g. from ``render-summary``); every problem names its key."""
        if not isinstance(data, Mapping):
            raise ProblemsError([Problem(file, "(file)", "must be a JSON object")])
        r = Reader(file, ANSWERS_WORDS)
        values = r.record(cls, data, "")
        day: dt.date = values["appointment_date"]
        today = today or dt.date.today()
        first, last = today - APPOINTMENT_SPAN, today + APPOINTMENT_SPAN
        if "appointment_date" in data and not first <= day <= last:
            r.problem(
                "appointment_date",
                f"must be within about ten years of today ({first} to {last}), not {day}",
            )
        language = values["language"]
        if language and languages is not None and language not in languages:
            r.problem(
                "language", f"{shown(language)} is not offered (offered: {', '.join(languages)})"
            )
        areas: list[str] = []
        for i, a in enumerate(values["areas"]):
            if a not in AREA_IDS:
                r.problem(f"areas[{i}]", f"unknown area {shown(a)} (known: {', '.join(AREA_IDS)})")
            elif a not in areas:
                areas.append(a)
        values["areas"] = sorted(areas, key=AREA_IDS.index)
        if pack is not None and isinstance(data.get("screening"), Mapping):
            for qid in data["screening"]:
                if qid not in pack.screening_ids:
                    r.problem(f"screening.{key_name(qid)}", "unknown health question id")
                    values["screening"].pop(qid, None)
        questions: list[str] = []
        for i, q in enumerate(values["questions"]):
            if pack is not None and q not in pack.question_ids:
                r.problem(f"questions[{i}]", f"unknown question id {shown(q)}")
            elif q not in questions:
                questions.append(q)
        values["questions"] = questions
        r.raise_if_any()
        return cls(**values)


def load_answers(path: Path) -> Any:
    """An answers JSON file, parsed (not yet validated: ``Session.from_dict``). Raises
    ProblemsError for a file that cannot be read, is too large, or is not JSON."""
    return read_json(path, ANSWERS_MAX_BYTES)
