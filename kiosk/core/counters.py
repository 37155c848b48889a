"""Anonymous usage counters for the staff panel: counts per day, nothing else.

What is kept, per calendar day: how many sessions started and finished, the screen each
abandoned session stopped on (idle timeout or staff reset), the outcome of each finished
session (print, email, both, neither), the print jobs the printer took (copies, not taps)
and the language each session started in.

Privacy by construction: the counts are only integers keyed by ISO dates and by names from
fixed vocabularies (the screen ids, the four outcomes, language codes). A name outside them
is dropped, and the rejected value is never logged, so nothing a patient typed can reach
the disk or the log through here.

This module is the pure part: the day buckets (``Tally``), their JSON text and its checks,
and the CSV text. Keeping them in a file (atomic writes, a corrupt file set aside, a failing
disk never reaching the kiosk) is ``kiosk.services.counters_store.CountersFile``, which the
visit reports to (``kiosk.core.visit.CountersPort``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Collection, Mapping
from typing import Literal, TypedDict, get_args

from kiosk.core.flow import Screen

log = logging.getLogger("kiosk.counters")

Outcome = Literal["print", "email", "both", "neither"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
SCREENS: tuple[str, ...] = tuple(screen.value for screen in Screen)
#: Days kept; older ones are dropped at the next count (and so from the file on its next write).
MAX_DAYS = 400
FORMAT_VERSION = 1

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2})?")


class DayCounts(TypedDict):
    sessions_started: int
    sessions_finished: int
    print_jobs: int
    stopped_at: dict[str, int]
    outcome: dict[str, int]
    language: dict[str, int]


_DAY_KEYS = frozenset(DayCounts.__annotations__)
#: Keys added after the first file format: a day written before them counts them as 0.
_LATER_KEYS = frozenset({"print_jobs"})


def is_language_code(code: object) -> bool:
    return isinstance(code, str) and _LANGUAGE.fullmatch(code) is not None


def _empty_day() -> DayCounts:
    return {
        "sessions_started": 0,
        "sessions_finished": 0,
        "print_jobs": 0,
        "stopped_at": dict.fromkeys(SCREENS, 0),
        "outcome": dict.fromkeys(OUTCOMES, 0),
        "language": {},
    }


def _copy_day(day: DayCounts) -> DayCounts:
    return {
        "sessions_started": day["sessions_started"],
        "sessions_finished": day["sessions_finished"],
        "print_jobs": day["print_jobs"],
        "stopped_at": dict(day["stopped_at"]),
        "outcome": dict(day["outcome"]),
        "language": dict(sorted(day["language"].items())),
    }


class CorruptCounters(ValueError):
    pass


def _count(value: object) -> int:
    if type(value) is not int or value < 0:  # bool is not a count
        raise CorruptCounters("a count is not a non-negative integer")
    return value


def _counts(value: object, allowed: Callable[[str], bool]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise CorruptCounters("counts are not an object")
    out: dict[str, int] = {}
    for key, n in value.items():
        if not allowed(key):
            raise CorruptCounters("a name outside the fixed vocabulary")
        out[key] = _count(n)
    return out


def load_days(data: object) -> dict[dt.date, DayCounts]:
    """The days of a counters file's decoded JSON; raises CorruptCounters (or ValueError,
    TypeError) on anything else. Days written before a count existed read it as 0."""
    if not isinstance(data, dict) or set(data) != {"version", "days"}:
        raise CorruptCounters("not a counters file")
    if data["version"] != FORMAT_VERSION or not isinstance(data["days"], dict):
        raise CorruptCounters("unknown counters format")
    days: dict[dt.date, DayCounts] = {}
    for key, raw in data["days"].items():
        date = dt.date.fromisoformat(key)
        if (
            date.isoformat() != key
            or not isinstance(raw, dict)
            or not _DAY_KEYS - _LATER_KEYS <= set(raw) <= _DAY_KEYS
        ):
            raise CorruptCounters("a malformed day")
        day = _empty_day()
        day["sessions_started"] = _count(raw["sessions_started"])
        day["sessions_finished"] = _count(raw["sessions_finished"])
        day["print_jobs"] = _count(raw.get("print_jobs", 0))
        day["stopped_at"].update(_counts(raw["stopped_at"], SCREENS.__contains__))
        day["outcome"].update(_counts(raw["outcome"], OUTCOMES.__contains__))
        day["language"] = _counts(raw["language"], is_language_code)
        days[date] = day
    return days


def parse(text: str) -> dict[dt.date, DayCounts]:
    """The days in a counters file's text; raises CorruptCounters (or ValueError) on anything
    else."""
    return load_days(json.loads(text))


def dump(days: Mapping[dt.date, DayCounts]) -> str:
    """The text of a counters file: one line of ASCII JSON, days in order, keys sorted."""
    data = {
        "version": FORMAT_VERSION,
        "days": {date.isoformat(): counts for date, counts in sorted(days.items())},
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


class Tally:
    """Today's (and up to 400 past days') anonymous counts, in memory.

    Each event method returns whether it changed a count (a screen id outside the fixed
    vocabulary changes none), so a store knows when to save. ``languages``, when given,
    narrows the accepted codes to the kiosk's own languages.
    """

    def __init__(
        self,
        days: Mapping[dt.date, DayCounts] | None = None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        languages: Collection[str] | None = None,
    ) -> None:
        self._today = today
        self._languages = frozenset(languages) if languages is not None else None
        self._days: dict[dt.date, DayCounts] = {
            date: _copy_day(counts) for date, counts in (days or {}).items()
        }

    # -- events -------------------------------------------------------------------------

    def started(self, language: str) -> bool:
        """A patient started a session in ``language``."""
        day = self._counting()
        day["sessions_started"] += 1
        if self._language_ok(language):
            day["language"][language] = day["language"].get(language, 0) + 1
        else:
            log.debug("counters: language not counted (not a known code)")
        return True

    def finished(self, outcome: Outcome) -> bool:
        """A patient reached the end of the journey and chose print, email, both or neither."""
        day = self._counting()
        day["sessions_finished"] += 1
        if isinstance(outcome, str) and outcome in OUTCOMES:
            day["outcome"][outcome] += 1
        else:
            log.debug("counters: outcome not counted (not a known outcome)")
        return True

    def printed(self) -> bool:
        """The printer took one copy of a patient's summary (a job, not a tap)."""
        self._counting()["print_jobs"] += 1
        return True

    def abandoned(self, at_screen: str) -> bool:
        """A started session ended without finishing (idle timeout or staff reset)
        while ``at_screen`` (a screen id) was shown."""
        screen = str(at_screen) if isinstance(at_screen, str) else None  # Screen -> its id
        if screen not in SCREENS:
            log.debug("counters: abandonment not counted (not a known screen id)")
            return False
        self._counting()["stopped_at"][screen] += 1
        return True

    # -- reading ------------------------------------------------------------------------

    def day(self, date: dt.date | None = None) -> DayCounts:
        """The counts of ``date`` (default today); zeros for a day with none."""
        if date is None:
            date = self._today()
        counts = self._days.get(date)
        return _copy_day(counts) if counts is not None else _empty_day()

    def to_json(self) -> str:
        """The counters file's text (see ``dump``)."""
        return dump(self._days)

    def to_csv(self, days: int = 30) -> str:
        """One row per calendar day, oldest first, the last ``days`` days up to today."""
        if days < 1:
            raise ValueError("days must be at least 1")
        end = self._today()
        dates = [end - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
        rows = [self.day(date) for date in dates]
        codes = sorted({code for row in rows for code in row["language"]})
        header = [
            "date",
            "started",
            "finished",
            *(f"stopped_at_{screen}" for screen in SCREENS),
            *(f"outcome_{outcome}" for outcome in OUTCOMES),
            "print_jobs",  # added later: after the columns that were there before
            *(f"lang_{code}" for code in codes),
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for date, row in zip(dates, rows, strict=True):
            writer.writerow(
                [
                    date.isoformat(),
                    row["sessions_started"],
                    row["sessions_finished"],
                    *(row["stopped_at"][screen] for screen in SCREENS),
                    *(row["outcome"][outcome] for outcome in OUTCOMES),
                    row["print_jobs"],
                    *(row["language"].get(code, 0) for code in codes),
                ]
            )
        return out.getvalue()

    # -- internals ----------------------------------------------------------------------

    def _language_ok(self, code: object) -> bool:
        if not is_language_code(code):
            return False
        return self._languages is None or code in self._languages

    def _counting(self) -> DayCounts:
        """Today's bucket (made if new), with days past the last MAX_DAYS dropped."""
        today = self._today()
        day = self._days.setdefault(today, _empty_day())
        oldest = today - dt.timedelta(days=MAX_DAYS - 1)
        keep = sorted(date for date in self._days if date >= oldest)[-MAX_DAYS:]
        if len(keep) != len(self._days):
            self._days = {date: self._days[date] for date in keep}
        return day
