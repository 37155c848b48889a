"""The patient's answers, held in memory only, and their JSON form.

Nothing here touches the disk or a log. ``wipe`` drops every answer and tells the
listeners (the screens) so they clear their widgets too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from kiosk.core.content import ANSWERS, AREA_IDS, ContentPack
from kiosk.core.errors import Problem, ProblemsError

Answer = Literal["yes", "no", "unsure"]
FIELDS = (
    "language",
    "first_name",
    "appointment_date",
    "areas",
    "screening",
    "questions",
    "email",
    "email_consent",
)


@dataclass
class Session:
    language: str = "en"
    first_name: str = ""
    appointment_date: dt.date = field(default_factory=dt.date.today)
    areas: list[str] = field(default_factory=list)
    screening: dict[str, Answer] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)
    email: str = ""
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

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(
        cls,
        data: Any,
        file: str,
        pack: ContentPack | None = None,
        languages: list[str] | None = None,
    ) -> Session:
        """Validate answers (e.g. from ``render-summary``); every problem names its key."""
        problems: list[Problem] = []

        def bad(key: str, msg: str) -> None:
            problems.append(Problem(file, key, msg))

        if not isinstance(data, Mapping):
            raise ProblemsError([Problem(file, "(file)", "must be a JSON object")])
        for key in data:
            if key not in FIELDS:
                bad(key, f"unknown key (known: {', '.join(FIELDS)})")
        session = cls()
        language = data.get("language")
        if not isinstance(language, str) or not language:
            bad("language", f'must be a language code such as "en", not {language!r}')
        elif languages is not None and language not in languages:
            bad("language", f"{language!r} is not offered (offered: {', '.join(languages)})")
        else:
            session.language = language
        for key in ("first_name", "email"):
            value = data.get(key, "")
            if not isinstance(value, str):
                bad(key, f"must be text, not {value!r}")
            else:
                setattr(session, key, value)
        consent = data.get("email_consent", False)
        if not isinstance(consent, bool):
            bad("email_consent", f"must be true or false, not {consent!r}")
        else:
            session.email_consent = consent
        date = data.get("appointment_date")
        if date is not None:
            try:
                if not isinstance(date, str):
                    raise TypeError
                session.appointment_date = dt.date.fromisoformat(date)
            except (TypeError, ValueError):
                bad("appointment_date", f'must be a date like "2026-12-01", not {date!r}')
        areas = data.get("areas", [])
        if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
            bad("areas", f"must be a list of area ids, not {areas!r}")
        else:
            for i, a in enumerate(areas):
                if a not in AREA_IDS:
                    bad(f"areas[{i}]", f"unknown area {a!r} (known: {', '.join(AREA_IDS)})")
                elif a not in session.areas:
                    session.areas.append(a)
            session.areas.sort(key=AREA_IDS.index)
        screening = data.get("screening", {})
        if not isinstance(screening, Mapping):
            bad("screening", f"must be an object of question id to answer, not {screening!r}")
        else:
            for qid, value in screening.items():
                if pack is not None and qid not in pack.screening_ids:
                    bad(f"screening.{qid}", "unknown health question id")
                elif value not in ANSWERS:
                    bad(f"screening.{qid}", f"must be one of {', '.join(ANSWERS)}, not {value!r}")
                else:
                    session.screening[qid] = cast(Answer, value)
        questions = data.get("questions", [])
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            bad("questions", f"must be a list of question ids, not {questions!r}")
        else:
            for i, q in enumerate(questions):
                if pack is not None and q not in pack.question_ids:
                    bad(f"questions[{i}]", f"unknown question id {q!r}")
                elif q not in session.questions:
                    session.questions.append(q)
        if problems:
            raise ProblemsError(problems)
        return session
