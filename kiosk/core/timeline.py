"""The aftercare timeline with real dates, and the calendar events taken from it.

One source for the timeline screen, every summary and the email's .ics file: the pack's
``[[aftercare.timeline]]`` entries that apply to the chosen areas, dated from the
appointment (today, or the day the patient chose: ``Visit.set_appointment_date``). An
entry with a ``calendar`` text becomes a one-day event on its first day.
No area chosen, or an answer after which treatment is usually not given: no dates at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class CalendarEvent:
    """A one-day, all-day event: the day, and what the patient's calendar shows."""

    day: dt.date
    summary: str
    entry_id: str


@dataclass(frozen=True)
class Plan:
    """What follows the treatment for one patient: dated entries and calendar events.

    ``paused``: an answer means treatment is usually not given (no dates then);
    ``no_areas``: the patient chose no area (no dates either)."""

    entries: tuple[DatedEntry, ...]
    events: tuple[CalendarEvent, ...]
    paused: bool
    no_areas: bool


def treatment_paused(pack: ContentPack, screening: Mapping[str, str]) -> bool:
    """Whether any answer is one after which treatment is usually not given."""
    return any(q.pauses(screening.get(q.id)) for q in pack.screening)


def dated_timeline(
    pack: ContentPack, appointment: dt.date, areas: Sequence[str], *, check_up: bool = True
) -> list[DatedEntry]:
    """The entries that apply to the chosen areas, with their calendar dates.

    An entry without ``areas`` applies to any chosen area; with no area there is none. A
    check-up entry shows only when the clinic offers a check-up (``check_up``)."""
    if not areas:
        return []
    out = []
    for entry in pack.timeline:
        if not entry.applies_to(areas) or (entry.check_up and not check_up):
            continue
        start = appointment + dt.timedelta(days=entry.from_days)
        end = None if entry.to_days is None else appointment + dt.timedelta(days=entry.to_days)
        out.append(DatedEntry(entry, start, end))
    return out


def plan(
    pack: ContentPack,
    appointment: dt.date,
    areas: Sequence[str],
    screening: Mapping[str, str],
    *,
    check_up: bool,
) -> Plan:
    """The patient's timeline and calendar events, from the same entries."""
    paused = treatment_paused(pack, screening)
    entries = () if paused else tuple(dated_timeline(pack, appointment, areas, check_up=check_up))
    events = tuple(
        CalendarEvent(e.start, pack.fill(e.entry.calendar), e.entry.id)
        for e in entries
        if e.entry.calendar
    )
    return Plan(entries, events, paused, not areas)


def format_date(pack: ContentPack, day: dt.date) -> str:
    """A long, unambiguous date in the pack's language and word order (``ui.date``), e.g.
    "Tuesday 1 December 2026", "martes, 1 de diciembre de 2026"."""
    weekdays = pack.items("ui.weekdays")
    months = pack.items("ui.months")
    return _pattern(pack, "date").format(
        weekday=weekdays[day.weekday()], day=day.day, month=months[day.month - 1], year=day.year
    )


def format_range(pack: ContentPack, entry: DatedEntry) -> str:
    if entry.end is None or entry.end == entry.start:
        return format_date(pack, entry.start)
    return f"{format_date(pack, entry.start)} – {format_date(pack, entry.end)}"


def format_day(pack: ContentPack, day: dt.date) -> str:
    """A short date for the drawn timeline (``ui.day``), e.g. "1 December", "1 de diciembre"."""
    return _pattern(pack, "day").format(day=day.day, month=pack.items("ui.months")[day.month - 1])


def _pattern(pack: ContentPack, name: str) -> str:
    """The pack's word order for a date, as written (its parts are not isolated: a date is
    words and digits of the pack's own language)."""
    text = pack.texts["ui"][name]
    assert isinstance(text, str)
    return text


def format_short_range(pack: ContentPack, entry: DatedEntry) -> str:
    """An entry's days in short: "3 December", "3 – 7 December", "28 December – 3 January"."""
    start, end = entry.start, entry.end
    if end is None or end == start:
        return format_day(pack, start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} – {format_day(pack, end)}"
    return f"{format_day(pack, start)} – {format_day(pack, end)}"
