"""Anonymous usage counters for the staff panel: counts per day, nothing else.

What is kept, per calendar day: how many sessions started and finished, the screen each
abandoned session stopped on (idle timeout or staff reset), the outcome of each finished
session (print, email, both, neither), the print jobs the printer took (copies, not taps)
and the language each session started in.

Privacy by construction: the file holds only integers keyed by ISO dates and by names from
fixed vocabularies (the screen ids, the four outcomes, language codes). A name outside them
is dropped, and the rejected value is never logged, so nothing a patient typed can reach
the disk or the log through here.

Robustness: the kiosk never fails because of counters. The file is written atomically
(temporary file, fsync, ``os.replace``) with mode 0600; a file that cannot be read or parsed
is renamed aside with a ``.corrupt`` suffix and counting restarts; a failing write is logged
and counting goes on in memory.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Literal, TypedDict, get_args

from kiosk.core.flow import Screen

log = logging.getLogger("kiosk.counters")

Outcome = Literal["print", "email", "both", "neither"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
SCREENS: tuple[str, ...] = tuple(screen.value for screen in Screen)
#: Days kept in the file; older ones are dropped on the next write.
MAX_DAYS = 400
FORMAT_VERSION = 1

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2})?")
#: 400 days take about 0.2 MB; anything much bigger is not ours.
_MAX_FILE_BYTES = 4 * 1024 * 1024


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


def _parse(text: str) -> dict[dt.date, DayCounts]:
    """The days in a counters file; raises CorruptCounters (or ValueError) on anything else."""
    data = json.loads(text)
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


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Counters:
    """Today's (and up to 400 past days') anonymous counts, kept in one small JSON file.

    The event methods never raise: whatever goes wrong is logged and the kiosk carries on.
    ``languages``, when given, narrows the accepted codes to the kiosk's own languages.
    """

    def __init__(
        self,
        path: Path,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        languages: Collection[str] | None = None,
    ) -> None:
        self.path = Path(path)
        self._today = today
        self._languages = frozenset(languages) if languages is not None else None
        self._lock = threading.Lock()
        self._persist = True
        self._days: dict[dt.date, DayCounts] = self._load()

    # -- events -------------------------------------------------------------------------

    def started(self, language: str) -> None:
        """A patient started a session in ``language``."""

        def change(day: DayCounts) -> None:
            day["sessions_started"] += 1
            if self._language_ok(language):
                day["language"][language] = day["language"].get(language, 0) + 1
            else:
                log.debug("counters: language not counted (not a known code)")

        self._event(change)

    def finished(self, outcome: Outcome) -> None:
        """A patient reached the end of the journey and chose print, email, both or neither."""

        def change(day: DayCounts) -> None:
            day["sessions_finished"] += 1
            if isinstance(outcome, str) and outcome in OUTCOMES:
                day["outcome"][outcome] += 1
            else:
                log.debug("counters: outcome not counted (not a known outcome)")

        self._event(change)

    def printed(self) -> None:
        """The printer took one copy of a patient's summary (a job, not a tap)."""

        def change(day: DayCounts) -> None:
            day["print_jobs"] += 1

        self._event(change)

    def abandoned(self, at_screen: str) -> None:
        """A started session ended without finishing (idle timeout or staff reset)
        while ``at_screen`` (a screen id) was shown."""
        screen = str(at_screen) if isinstance(at_screen, str) else None  # Screen -> its id
        if screen not in SCREENS:
            log.debug("counters: abandonment not counted (not a known screen id)")
            return

        def change(day: DayCounts) -> None:
            day["stopped_at"][screen] += 1

        self._event(change)

    # -- reading ------------------------------------------------------------------------

    def day(self, date: dt.date | None = None) -> DayCounts:
        """The counts of ``date`` (default today); zeros for a day with none."""
        if date is None:
            date = self._today()
        with self._lock:
            counts = self._days.get(date)
            return _copy_day(counts) if counts is not None else _empty_day()

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

    def export_csv(self, out: Path, days: int = 30) -> None:
        """Write ``to_csv(days)`` to ``out`` (UTF-8, CRLF rows), atomically."""
        _atomic_write(Path(out), self.to_csv(days).encode("utf-8"), 0o644)

    # -- internals ----------------------------------------------------------------------

    def _language_ok(self, code: object) -> bool:
        if not is_language_code(code):
            return False
        return self._languages is None or code in self._languages

    def _event(self, change: Callable[[DayCounts], None]) -> None:
        try:
            with self._lock:
                today = self._today()
                change(self._days.setdefault(today, _empty_day()))
                self._prune(today)
                self._save()
        except Exception:
            log.warning("counters: could not count an event", exc_info=True)

    def _prune(self, today: dt.date) -> None:
        oldest = today - dt.timedelta(days=MAX_DAYS - 1)
        keep = sorted(date for date in self._days if date >= oldest)[-MAX_DAYS:]
        if len(keep) != len(self._days):
            self._days = {date: self._days[date] for date in keep}

    def _save(self) -> None:
        if not self._persist:
            return
        data = {
            "version": FORMAT_VERSION,
            "days": {date.isoformat(): counts for date, counts in sorted(self._days.items())},
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        try:
            _atomic_write(self.path, text.encode("ascii") + b"\n", 0o600)
        except OSError as e:
            log.warning("counters: could not write %s: %s", self.path, e.strerror or e)

    def _load(self) -> dict[dt.date, DayCounts]:
        try:
            with self.path.open("rb") as f:
                raw = f.read(_MAX_FILE_BYTES + 1)
        except (FileNotFoundError, NotADirectoryError):
            return {}  # nothing stored yet (a bad folder shows up, and is logged, on write)
        except OSError as e:
            self._set_aside(f"unreadable ({e.strerror or e})")
            return {}
        if len(raw) > _MAX_FILE_BYTES:
            self._set_aside("too large")
            return {}
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._set_aside("not UTF-8")
            return {}
        try:
            return _parse(text)
        except (ValueError, TypeError, RecursionError):
            self._set_aside("corrupt")
            return {}

    def _set_aside(self, why: str) -> None:
        target = self._corrupt_name()
        try:
            os.replace(self.path, target)
        except OSError as e:
            # Never overwrite what could not be read: count in memory only.
            self._persist = False
            log.warning(
                "counters: %s is %s and could not be moved aside (%s); counting in memory only",
                self.path,
                why,
                e.strerror or e,
            )
            return
        log.warning("counters: %s is %s; moved to %s, counting restarts", self.path, why, target)

    def _corrupt_name(self) -> Path:
        """``counters.json.corrupt``, or ``counters.json.N.corrupt`` if that one is taken."""
        target = self.path.with_name(f"{self.path.name}.corrupt")
        n = 1
        while target.exists() and n < 100:
            target = self.path.with_name(f"{self.path.name}.{n}.corrupt")
            n += 1
        return target
