"""How hard a patient text is to read: Flesch–Kincaid grade and SMOG, for English packs.

Pure Python, so ``check-config`` measures a clinic's pack anywhere the kiosk runs (the
test suite checks these figures against the textstat library). Syllables are counted by
rule, with a short list of words the rules get wrong; FK and SMOG use the usual formulas.

What is measured (docs/content-pack.md, "Reading level"): every text of five words or more
on its own (Flesch–Kincaid; SMOG too when it has three sentences or more), and every group
of texts a patient reads together (a section, or one list of tables such as the health
questions), so short labels are measured with their neighbours: a two-word label such as
"Emergency number" has no meaningful grade on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from kiosk.core.content import TEXT_KEYS, ContentPack
from kiosk.core.errors import Problem

MAX_GRADE = 6.0  # Flesch–Kincaid grade: the 6th-grade level patient leaflets aim for
MAX_SMOG = 8.0
MIN_WORDS = 5  # below this a text is a label, measured only with its group
SMOG_MIN_SENTENCES = 3

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
#: Words the rules below miscount (as the CMU pronouncing dictionary counts them).
_EXCEPTIONS = {
    "any": 2,
    "anyone": 3,
    "area": 3,
    "areas": 3,
    "aspirin": 2,
    "business": 2,
    "caveat": 3,
    "crooked": 2,
    "diary": 3,
    "everything": 3,
    "experience": 4,
    "forehead": 2,
    "headache": 2,
    "headaches": 2,
    "hour": 2,
    "hours": 2,
    "idea": 3,
    "ingredient": 4,
    "ingredients": 4,
    "opinion": 3,
    "people": 2,
    "period": 3,
    "react": 2,
    "reaction": 3,
    "reactions": 3,
    "recovery": 3,
    "several": 2,
    "society": 4,
    "tongue": 1,
    "usual": 3,
    "usually": 4,
    "warfarin": 2,
}
#: Endings that add one syllable to a stem that keeps its silent e ("like-ly", "safe-ty").
_SUFFIXES = ("ly", "ment", "ful", "less", "ness", "ty")
#: Plural endings that are a syllable of their own ("bruis-es", "wash-es").
_SYLLABIC_ES = ("ses", "zes", "ches", "shes", "ges", "ces", "xes")
#: First halves of compounds whose silent e the rules would count ("some-thing").
_PREFIXES = ("some", "time", "else", "like", "place", "where", "care", "home", "life")


def words(text: str) -> list[str]:
    return _WORD.findall(text.replace("’", "'"))


def syllables(word: str) -> int:
    """Syllables of one English word, by rule (a number counts as one)."""
    w = word.lower().replace("'", "").strip("-")
    if not w:
        return 0
    if "-" in w:
        return sum(syllables(part) for part in w.split("-") if part)
    if not any(c.isalpha() for c in w):
        return 1
    if w in _EXCEPTIONS:
        return _EXCEPTIONS[w]
    if len(w) <= 3:
        return 1
    if w.startswith("eye"):  # "eye-lid", "eye-brows"
        return 1 + (syllables(w[3:]) if len(w) > 5 else 0)
    for prefix in _PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= 3:
            return syllables(prefix) + syllables(w[len(prefix) :])
    for suffix in _SUFFIXES:
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and stem.endswith("e") and len(stem) >= 4:
            return syllables(stem) + 1
    if w.endswith("ing") and len(w) > 4 and w[-4] in "aeiouy":
        return syllables(w[:-3]) + 1  # "see-ing", "fly-ing"
    base = w.replace("qu", "q").replace("gua", "ga")
    if base.endswith("es") and not base.endswith(
        ("ses", "zes", "ches", "shes", "ges", "ces", "xes")
    ):
        base = base[:-1]  # "lines" -> "line"
    if base.endswith("ed") and base[-3] not in "aeiouytd":
        base = base[:-2]  # "asked" -> "ask"; "treated" keeps its syllable
    elif base.endswith("e") and not re.search(r"(?:[^aeiouy]le|ee|ye)$", base):
        base = base[:-1]  # silent final e: "make", "smile" (not "ta-ble")
    # y is a consonant before a vowel ("you", "beyond"), a vowel otherwise ("day", "any")
    groups = re.findall(r"[aeiouy]+", re.sub(r"y(?=[aeiou])", "j", base))
    count = len(groups)
    for g in groups:  # vowel pairs that are two syllables: "di-et", "vi-o-lent", "u-su-al"
        count += len(re.findall(r"ia|io|iu|eo|ua|uo", g))
    count -= len(re.findall(r"(?:[cst]i[ao]n|[cst]ial|[cgt]io)", base))  # "-tion", "-cial"
    return max(1, count)


def sentences(text: str) -> int:
    """Sentences as the readability formulas count them (as textstat does: a fragment of
    two words or fewer does not count as a sentence of its own)."""
    found = _SENTENCE.findall(text)
    short = sum(1 for s in found if len(words(s)) <= 2)
    return max(1, len(found) - short) if text.strip() else 0


@dataclass(frozen=True)
class Reading:
    words: int
    sentences: int
    syllables: int
    polysyllables: int
    long_words: tuple[str, ...]

    @property
    def grade(self) -> float:
        """Flesch–Kincaid grade level."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        if not self.sentences:
            return 0.0
        return 1.043 * math.sqrt(30 * self.polysyllables / self.sentences) + 3.1291


def measure(text: str) -> Reading:
    ws = words(text)
    counts = [syllables(w) for w in ws]
    long_words = tuple(w for w, n in zip(ws, counts, strict=True) if n >= 3)
    return Reading(len(ws), sentences(text), sum(counts), len(long_words), long_words)


def as_prose(texts: Iterable[str]) -> str:
    """Texts read one after another: each ends a sentence (a label, a list item)."""
    out = []
    for t in texts:
        t = t.strip()
        if t:
            out.append(t if t[-1] in ".!?:" else t + ".")
    return " ".join(out)


#: What placeholders stand for while a text is measured: short, plain, as a patient sees them.
SAMPLE_VALUES = {
    "clinic_name": "the clinic",
    "clinic_phone": "555 0100",
    "emergency_number": "911",
    "first_name": "Sam",
    "n": "2",
    "total": "6",
    "reviewed_by": "Dr Sam Lee",
    "date": "1 May 2026",
    "location": "the front desk",
    "seconds": "20",
    "address": "your address",
}
#: Texts that are not prose: names of days and months, an address, the page footer.
NOT_PROSE = frozenset({"ui.weekdays", "ui.months", "email.address_placeholder", "summary.footer"})
#: Whole sections that are not prose: the keyboard's key names, the progress bar's step names
#: (one or two words each), the pictures' file names.
NOT_PROSE_SECTIONS = frozenset({"keyboard", "pictures", "progress"})


class PatientText(NamedTuple):
    group: str  # the texts read together: a section, or one list of tables
    key: str  # as check-config names it, e.g. "consultation.screening[3].question"
    text: str


def patient_texts(pack: ContentPack) -> list[PatientText]:
    """Every text of the pack a patient may read, placeholders filled with sample values."""

    def fill(text: str) -> str:
        return text.format_map(SAMPLE_VALUES)

    out: list[PatientText] = []
    for section in [s for s in TEXT_KEYS if s not in NOT_PROSE_SECTIONS]:
        for name, value in pack.texts[section].items():
            key = f"{section}.{name}"
            if key in NOT_PROSE:
                continue
            if isinstance(value, str):
                out.append(PatientText(section, key, fill(value)))
            else:
                out += [PatientText(section, f"{key}[{i}]", fill(v)) for i, v in enumerate(value)]

    def table(group: str, rows: Iterable[tuple[str, str]]) -> None:
        out.extend(PatientText(group, f"{group}{key}", fill(text)) for key, text in rows)

    table(
        "consultation.areas",
        (
            (f"[{i}].{f}", getattr(a, f))
            for i, a in enumerate(pack.areas)
            for f in ("name", "detail", "expect")
        ),
    )
    table(
        "consultation.screening",
        (
            (key, text)
            for i, q in enumerate(pack.screening)
            for key, text in [
                (f"[{i}].question", q.question),
                (f"[{i}].why", q.why),
                *((f"[{i}].if_{a}", t) for a, t in q.advice.items()),
            ]
        ),
    )
    table("consultation.questions", ((f"[{i}].text", q.text) for i, q in enumerate(pack.questions)))
    table(
        "treatment.steps",
        (
            (f"[{i}].{f}", getattr(s, f))
            for i, s in enumerate(pack.steps)
            for f in ("title", "body")
        ),
    )
    table(
        "aftercare.timeline",
        (
            (f"[{i}].{f}", getattr(e, f))
            for i, e in enumerate(pack.timeline)
            for f in ("title", "body", "calendar")
            if getattr(e, f)
        ),
    )
    table(
        "side_effects.help",
        (
            (key, text)
            for i, h in enumerate(pack.help)
            for key, text in [
                (f"[{i}].title", h.title),
                *((f"[{i}].signs[{j}].text", s.text) for j, s in enumerate(h.signs)),
            ]
        ),
    )
    return out


def over(value: float, limit: float) -> bool:
    """Above the limit, as the figure is reported: to one decimal (6.04 reads as 6.0)."""
    return round(value, 1) > limit


def _advice(reading: Reading) -> str:
    longest = sorted(set(reading.long_words), key=lambda w: (-syllables(w), w))[:5]
    hint = f"; its longest words: {', '.join(longest)}" if longest else ""
    return f"use shorter sentences and shorter words{hint}"


def readability_problems(pack: ContentPack) -> list[Problem]:
    """Texts (and groups of texts) above grade 6 (Flesch–Kincaid) or SMOG 8.

    English packs only: the formulas are made for English; other languages are not measured.
    """
    if pack.language != "en":
        return []
    file = str(pack.source)
    problems: list[Problem] = []
    groups: dict[str, list[str]] = {}
    for group, key, text in patient_texts(pack):
        groups.setdefault(group, []).append(text)
        reading = measure(as_prose([text]))
        if reading.words >= MIN_WORDS and over(reading.grade, MAX_GRADE):
            problems.append(
                Problem(
                    file,
                    key,
                    f"reads at grade {reading.grade:.1f} (Flesch–Kincaid; at most "
                    f"{MAX_GRADE:g}): {_advice(reading)}",
                )
            )
        elif reading.sentences >= SMOG_MIN_SENTENCES and over(reading.smog, MAX_SMOG):
            problems.append(
                Problem(
                    file,
                    key,
                    f"reads at SMOG {reading.smog:.1f} (at most {MAX_SMOG:g}): {_advice(reading)}",
                )
            )
    for group, texts in groups.items():
        reading = measure(as_prose(texts))
        if over(reading.grade, MAX_GRADE) or over(reading.smog, MAX_SMOG):
            problems.append(
                Problem(
                    file,
                    group,
                    f"read together, these texts are at grade {reading.grade:.1f} "
                    f"(Flesch–Kincaid; at most {MAX_GRADE:g}) and SMOG {reading.smog:.1f} "
                    f"(at most {MAX_SMOG:g}): {_advice(reading)}",
                )
            )
    return problems
