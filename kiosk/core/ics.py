"""The email's calendar file (.ics), made from the patient's plan: the same dated entries the
aftercare screen and every summary show (``kiosk.core.timeline.plan``).

Pure Python (icalendar); imported only where an email is built, not at start-up.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import icalendar

from kiosk.core.content import without_isolates
from kiosk.core.timeline import Plan

PRODID = "-//botox-kiosk//follow-up reminders//EN"


def plan_ics(
    plan: Plan,
    *,
    clinic_name: str,
    clinic_phone: str,
    uid_domain: str,
    description: str = "",
    language: str = "",
) -> bytes | None:
    """The calendar file of ``plan``'s events (see ``make_ics``), or None when the plan has
    none (no area, or treatment usually not given): then the email carries no calendar."""
    if not plan.events:
        return None
    return make_ics(
        clinic_name=clinic_name,
        clinic_phone=clinic_phone,
        events=[(event.day, without_isolates(event.summary)) for event in plan.events],
        uid_domain=uid_domain,
        description=description,
        language=language,
    )


def make_ics(
    *,
    clinic_name: str,
    clinic_phone: str,
    events: Sequence[tuple[dt.date, str]],
    uid_domain: str,
    description: str = "",
    language: str = "",
) -> bytes:
    """An iCalendar file of one-day, all-day events (the check-up, "book your next visit").

    ``events`` are (day, text) pairs, from the same timeline as the summary. Each has a
    reminder at 09:00 the day before, so there is time to call. All-day dates carry no time
    zone, so they mean the same day wherever the phone is. Nothing from the session is added
    here (no name, no answer), but the texts are shown as they are, as titles and reminders
    that a phone may put on its lock screen: the caller passes neutral ones (the built-in
    pack's name no area and no health problem, which a test checks). ``language`` (the
    pack's code) is the texts' LANGUAGE parameter (RFC 5545 3.2.10). Raises ValueError when
    there is no event (then attach no calendar at all).
    """
    if not events:
        raise ValueError("a calendar file needs at least one event")
    details = "\n\n".join(part for part in (description, f"{clinic_name}: {clinic_phone}") if part)
    stamp = dt.datetime.now(dt.UTC)
    text: dict[str, str] = {"LANGUAGE": language} if language else {}
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")  # must match the text/calendar part's method parameter
    for day, summary in events:
        event = _all_day_event(summary, details, day, day, stamp, uid_domain, text)
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary, parameters=text)
        alarm.add("trigger", dt.timedelta(hours=-15))  # 09:00 the day before (start: midnight)
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def _all_day_event(
    summary: str,
    description: str,
    first: dt.date,
    last: dt.date,
    stamp: dt.datetime,
    uid_domain: str,
    text: dict[str, str],
) -> icalendar.Event:
    """An all-day event from ``first`` to ``last`` inclusive; free time, not busy."""
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid4()}@{uid_domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", first)
    event.add("dtend", last + dt.timedelta(days=1))
    event.add("summary", summary, parameters=text)
    if description:
        event.add("description", description, parameters=text)
    event.add("transp", "TRANSPARENT")
    return event
