"""The aftercare timeline with real dates, counted from the appointment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.core.content import ContentPack, TimelineEntry


@dataclass(frozen=True)
class DatedEntry:
    entry: TimelineEntry
    start: dt.date
    end: dt.date | None

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def body(self) -> str:
        return self.entry.body


def dated_timeline(pack: ContentPack, appointment: dt.date, areas: list[str]) -> list[DatedEntry]:
    """The entries that apply to the chosen areas, with their calendar dates."""
    out = []
    for entry in pack.timeline:
        if not entry.applies_to(areas):
            continue
        start = appointment + dt.timedelta(days=entry.from_days)
        end = None if entry.to_days is None else appointment + dt.timedelta(days=entry.to_days)
        out.append(DatedEntry(entry, start, end))
    return out


def format_date(pack: ContentPack, day: dt.date) -> str:
    """A long, unambiguous date in the pack's language, e.g. "Tuesday 1 December 2026"."""
    weekdays = pack.items("ui.weekdays")
    months = pack.items("ui.months")
    return f"{weekdays[day.weekday()]} {day.day} {months[day.month - 1]} {day.year}"


def format_range(pack: ContentPack, entry: DatedEntry) -> str:
    if entry.end is None or entry.end == entry.start:
        return format_date(pack, entry.start)
    return f"{format_date(pack, entry.start)} – {format_date(pack, entry.end)}"
