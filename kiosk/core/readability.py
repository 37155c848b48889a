"""How hard a patient text is to read, with each language's own formula.

English: Flesch–Kincaid grade and SMOG. Spanish: Fernández Huerta's reading ease (a Flesch
score made for Spanish). A language with no formula here (Arabic: textstat has none that
fits patient leaflets) is not measured; a reader checks it (``FORMULAS``).

Pure Python, so ``check-config`` measures a clinic's pack anywhere the kiosk runs (the
test suite checks these figures against the textstat library). Syllables are counted by
rule, with a short list of English words the rules get wrong; Spanish spelling says where
its syllables are, so its rule needs no list.

What is measured (docs/content-pack.md, "Reading level"): every text of five words or more
on its own (Flesch–Kincaid; SMOG too when it has three sentences or more), and every group
of texts a patient reads together (a section, or one list of tables such as the health
questions), so short labels are measured with their neighbours: a two-word label such as
"Emergency number" has no meaningful grade on its own.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from kiosk.core.content import TEXT_KEYS, ContentPack, primary_language
from kiosk.core.errors import Problem

MAX_GRADE = 6.0  # Flesch–Kincaid grade: the 6th-grade level patient leaflets aim for
MAX_SMOG = 8.0
#: Fernández Huerta's reading ease: 70 to 80 is "fairly easy", his 6th-grade band.
MIN_FERNANDEZ_HUERTA = 70.0
#: Spanish words are longer: one five-syllable word ("embarazada") takes a plain six-word
#: question 35 points under the limit, so a Spanish text is measured on its own from ten words.
MIN_WORDS_ES = 10
MIN_WORDS = 5  # below this a text is a label, measured only with its group
SMOG_MIN_SENTENCES = 3

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_WORD_ES = re.compile(r"[^\W_][\w\-]*")
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


def words_es(text: str) -> list[str]:
    return _WORD_ES.findall(text)


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


_STRONG_ES = frozenset("aeoáéó")
_STRESSED_WEAK_ES = frozenset("íú")  # an accent on i or u breaks the diphthong: "dí-a"


def syllables_es(word: str) -> int:
    """Syllables of one Spanish word, by the spelling rules (a number counts as one).

    Vowels next to each other share a syllable (a diphthong: "cui-da-do", "bue-no") unless
    both are strong (a, e, o: "le-er") or one is an accented i or u ("dí-a", "re-ú-ne").
    The u of "qu", "gue" and "gui" is silent; y is a vowel only where no vowel follows it.
    """
    w = word.lower().strip("-")
    if not w:
        return 0
    if "-" in w:
        return sum(syllables_es(part) for part in w.split("-") if part)
    if not any(c.isalpha() for c in w):
        return 1
    w = re.sub(r"(?<=[qg])u(?=[eiéí])", "", w).replace("ü", "w")
    w = re.sub(r"y(?=[aeiouáéíóú])", "j", w)
    count = 0
    for run in re.findall(r"[aeiouyáéíóú]+", w):
        count += 1 + sum(
            1
            for a, b in itertools.pairwise(run)
            if (a in _STRONG_ES and b in _STRONG_ES)
            or a in _STRESSED_WEAK_ES
            or b in _STRESSED_WEAK_ES
        )
    return max(1, count)


def sentences(text: str) -> int:
    """Sentences as the readability formulas count them (as textstat does: a fragment of
    two words or fewer does not count as a sentence of its own)."""
    return _sentences(text, words)


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

    @property
    def fernandez_huerta(self) -> float:
        """Fernández Huerta's reading ease (higher is easier), as legible.es and textstat
        write it: 206.84 − 60 × syllables per word − 1.02 × words per sentence."""
        if not self.words or not self.sentences:
            return 100.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences


def measure(text: str, language: str = "en") -> Reading:
    """Counts for a text in the given language (English rules for one with no rules here)."""
    formula = FORMULAS.get(primary_language(language), FORMULAS["en"])
    ws = formula.words(text)
    counts = [formula.syllables(w) for w in ws]
    long_words = tuple(w for w, n in zip(ws, counts, strict=True) if n >= formula.long_word)
    return Reading(
        len(ws), _sentences(text, formula.words), sum(counts), len(long_words), long_words
    )


def _sentences(text: str, split: Callable[[str], list[str]]) -> int:
    found = _SENTENCE.findall(text)
    short = sum(1 for s in found if len(split(s)) <= 2)
    return max(1, len(found) - short) if text.strip() else 0


@dataclass(frozen=True)
class Formula:
    """How one language's texts are measured, and the limit a text must keep to.

    Each is the language's equivalent of the 6th-grade target patient leaflets aim for.
    """

    words: Callable[[str], list[str]]
    syllables: Callable[[str], int]
    long_word: int  # syllables from which a word is named as a culprit
    sample_values: dict[str, str]  # what placeholders stand for while a text is measured
    #: The problem with a reading, or None when it is within the limit.
    verdict: Callable[[Reading], str | None]
    #: The same for a text read on its own (of MIN_WORDS words or more).
    verdict_alone: Callable[[Reading], str | None]


def as_prose(texts: Iterable[str]) -> str:
    """Texts read one after another: each ends a sentence (a label, a list item)."""
    out = []
    for t in texts:
        t = t.strip()
        if t:
            out.append(t if t[-1] in ".!?:" else t + ".")
    return " ".join(out)


#: What placeholders stand for while a text is measured: short, plain, as a patient sees them.
SAMPLE_VALUES: dict[str, str] = {
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
    "level": "8",
}
SAMPLE_VALUES_ES: dict[str, str] = {
    **SAMPLE_VALUES,
    "clinic_name": "la clínica",
    "reviewed_by": "Ana Ruiz",
    "date": "1 de mayo de 2026",
    "location": "la recepción",
    "address": "su correo",
}
#: Texts that are not prose: names of days and months, an address, the page footer.
NOT_PROSE = frozenset(
    {"ui.weekdays", "ui.months", "ui.date", "ui.day", "email.address_placeholder", "summary.footer"}
)
#: Whole sections that are not prose: the keyboard's key names, the progress bar's step names
#: (one or two words each), the pictures' file names.
NOT_PROSE_SECTIONS = frozenset({"keyboard", "pictures", "progress"})


class PatientText(NamedTuple):
    group: str  # the texts read together: a section, or one list of tables
    key: str  # as check-config names it, e.g. "consultation.screening[3].question"
    text: str


def patient_texts(pack: ContentPack) -> list[PatientText]:
    """Every text of the pack a patient may read, placeholders filled with sample values."""
    samples = FORMULAS.get(primary_language(pack.language), FORMULAS["en"]).sample_values

    def fill(text: str) -> str:
        return text.format_map(samples)

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


def under(value: float, limit: float) -> bool:
    """Below the limit, as the figure is reported: to one decimal (69.96 reads as 70.0)."""
    return round(value, 1) < limit


def _advice(reading: Reading, syllable_count: Callable[[str], int] = syllables) -> str:
    longest = sorted(set(reading.long_words), key=lambda w: (-syllable_count(w), w))[:5]
    hint = f"; its longest words: {', '.join(longest)}" if longest else ""
    return f"use shorter sentences and shorter words{hint}"


def _english_alone(reading: Reading) -> str | None:
    if reading.words >= MIN_WORDS and over(reading.grade, MAX_GRADE):
        return f"reads at grade {reading.grade:.1f} (Flesch–Kincaid; at most {MAX_GRADE:g})"
    if reading.sentences >= SMOG_MIN_SENTENCES and over(reading.smog, MAX_SMOG):
        return f"reads at SMOG {reading.smog:.1f} (at most {MAX_SMOG:g})"
    return None


def _english_together(reading: Reading) -> str | None:
    if over(reading.grade, MAX_GRADE) or over(reading.smog, MAX_SMOG):
        return (
            f"read together, these texts are at grade {reading.grade:.1f} "
            f"(Flesch–Kincaid; at most {MAX_GRADE:g}) and SMOG {reading.smog:.1f} "
            f"(at most {MAX_SMOG:g})"
        )
    return None


def _spanish_alone(reading: Reading) -> str | None:
    if reading.words >= MIN_WORDS_ES and under(reading.fernandez_huerta, MIN_FERNANDEZ_HUERTA):
        return (
            f"reads at {reading.fernandez_huerta:.1f} (Fernández Huerta; at least "
            f"{MIN_FERNANDEZ_HUERTA:g})"
        )
    return None


def _spanish_together(reading: Reading) -> str | None:
    if under(reading.fernandez_huerta, MIN_FERNANDEZ_HUERTA):
        return (
            f"read together, these texts are at {reading.fernandez_huerta:.1f} "
            f"(Fernández Huerta; at least {MIN_FERNANDEZ_HUERTA:g})"
        )
    return None


#: The languages measured, each with its own formula. A language not here is not measured
#: (docs/content-pack.md, "Reading level"): textstat 0.7.8 has no formula for it that fits,
#: so a reader checks it. Arabic's (Osman) is not here: it needs diacritics patient text
#: does not carry.
FORMULAS: dict[str, Formula] = {
    "en": Formula(
        words=words,
        syllables=syllables,
        long_word=3,
        sample_values=SAMPLE_VALUES,
        verdict=_english_together,
        verdict_alone=_english_alone,
    ),
    "es": Formula(
        words=words_es,
        syllables=syllables_es,
        long_word=4,
        sample_values=SAMPLE_VALUES_ES,
        verdict=_spanish_together,
        verdict_alone=_spanish_alone,
    ),
}


def readability_problems(pack: ContentPack) -> list[Problem]:
    """Texts (and groups of texts) harder than the 6th-grade level, by the pack language's
    formula (``FORMULAS``); a language with no formula is not measured."""
    formula = FORMULAS.get(primary_language(pack.language))
    if formula is None:
        return []
    file = str(pack.source)
    problems: list[Problem] = []
    groups: dict[str, list[str]] = {}
    for group, key, text in patient_texts(pack):
        groups.setdefault(group, []).append(text)
        reading = measure(as_prose([text]), pack.language)
        verdict = formula.verdict_alone(reading)
        if verdict:
            advice = _advice(reading, formula.syllables)
            problems.append(Problem(file, key, f"{verdict}: {advice}"))
    for group, texts in groups.items():
        reading = measure(as_prose(texts), pack.language)
        verdict = formula.verdict(reading)
        if verdict:
            advice = _advice(reading, formula.syllables)
            problems.append(Problem(file, group, f"{verdict}: {advice}"))
    return problems
