"""The anonymous counters kept in one small JSON file (the counting is ``kiosk.core.counters``).

Robustness: the kiosk never fails because of counters. The file is written atomically
(``kiosk.services.files.atomic_write``) with mode 0600, in a 0700 folder, after every counted
event (a file or folder an older version left readable by others is tightened); a file that
cannot be read or parsed is renamed aside with a ``.corrupt`` suffix and counting restarts; a
failing write is logged and counting goes on in memory. Everything runs on the UI thread, one
event at a time: no lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Collection
from pathlib import Path

from kiosk.core.counters import DayCounts, Outcome, Tally, parse
from kiosk.services.files import atomic_write, private_dir, private_file

log = logging.getLogger("kiosk.counters")

#: 400 days take about 0.2 MB; anything much bigger is not ours.
_MAX_FILE_BYTES = 4 * 1024 * 1024


class CountersFile:
    """The counters of ``path`` (loaded now, saved at every event): what the visit reports
    to (``kiosk.core.visit.CountersPort``) and the staff panel reads and exports.

    The event methods never raise: whatever goes wrong is logged and the kiosk carries on.
    ``languages``, when given, narrows the accepted codes to the kiosk's own languages;
    ``today`` is injectable so tests can move the calendar.
    """

    def __init__(
        self,
        path: Path,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        languages: Collection[str] | None = None,
    ) -> None:
        self.path = Path(path)
        self._persist = True
        self._tally = Tally(self._load(), today=today, languages=languages)

    # -- events -------------------------------------------------------------------------

    def started(self, language: str) -> None:
        """A patient started a session in ``language``."""
        self._event(lambda: self._tally.started(language))

    def finished(self, outcome: Outcome) -> None:
        """A patient reached the end of the journey and chose print, email, both or neither."""
        self._event(lambda: self._tally.finished(outcome))

    def printed(self) -> None:
        """The printer took one copy of a patient's summary (a job, not a tap)."""
        self._event(self._tally.printed)

    def abandoned(self, at_screen: str) -> None:
        """A started session ended without finishing (idle timeout or staff reset)
        while ``at_screen`` (a screen id) was shown."""
        self._event(lambda: self._tally.abandoned(at_screen))

    # -- reading ------------------------------------------------------------------------

    def day(self, date: dt.date | None = None) -> DayCounts:
        """The counts of ``date`` (default today); zeros for a day with none."""
        return self._tally.day(date)

    def to_csv(self, days: int = 30) -> str:
        """One row per calendar day, oldest first, the last ``days`` days up to today."""
        return self._tally.to_csv(days)

    def export_csv(self, out: Path, days: int = 30) -> None:
        """Write ``to_csv(days)`` to ``out`` (UTF-8, CRLF rows), atomically, 0600 like every
        file the kiosk writes: it holds no patient data, but staff copy it off as the
        kiosk's user, and no one else on the machine needs it."""
        atomic_write(Path(out), self.to_csv(days).encode("utf-8"), mode=0o600)

    # -- internals ----------------------------------------------------------------------

    def _event(self, count: Callable[[], bool]) -> None:
        try:
            if count():
                self._save()
        except Exception:
            log.warning("counters: could not count an event", exc_info=True)

    def _save(self) -> None:
        if not self._persist:
            return
        try:
            private_dir(self.path.parent)
            atomic_write(self.path, self._tally.to_json().encode("ascii"), mode=0o600)
        except OSError as e:
            log.warning("counters: could not write %s: %s", self.path, e.strerror or e)

    def _load(self) -> dict[dt.date, DayCounts]:
        try:
            private_file(self.path)
        except OSError as e:  # still readable, perhaps: counting goes on
            log.warning("counters: cannot make %s private: %s", self.path, e.strerror or e)
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
            return parse(text)
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
