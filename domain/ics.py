"""iCalendar (RFC 5545) for the hearing calendar, so hearing officers subscribe from any calendar program.

Written with the `icalendar` library, which escapes text and folds lines at 75 octets as RFC 5545 requires.
Times are written in UTC (`...Z`), which every client converts to its own zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    summary: str
    location: str
    description: str = ""


def calendar(name: str, events: Iterable[CalendarEvent], *, now: datetime) -> str:
    published = icalendar.Calendar()
    published.add("VERSION", "2.0")
    published.add("PRODID", "-//Abate//Hearing calendar//EN")
    published.add("CALSCALE", "GREGORIAN")
    published.add("METHOD", "PUBLISH")
    published.add("X-WR-CALNAME", icalendar.vText(name))  # an X- property is TEXT only when said so: escaped
    for event in events:
        entry = icalendar.Event()
        entry.add("UID", event.uid)
        entry.add("DTSTAMP", now.astimezone(UTC))
        entry.add("DTSTART", event.start.astimezone(UTC))
        entry.add("SUMMARY", event.summary)
        entry.add("LOCATION", event.location)
        if event.description:
            entry.add("DESCRIPTION", event.description)
        published.add_component(entry)
    return published.to_ical().decode()
