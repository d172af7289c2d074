"""Open311 GeoReport v2 rules that do not depend on HTTP: what a case's status reads as, and the date window.

Status and status notes are public words only: the stage labels and the public outcomes a complainant is
told, never the owner, the complainant or a staff note.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from domain.messages import PUBLIC_OUTCOMES
from domain.stages import CaseStage, Outcome

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# GET requests: "a span of 90 days or first 1000 requests returned, whichever is smallest" (the specification).
MAX_SPAN = timedelta(days=90)
MAX_ROWS = 1000


def status_notes(stage: CaseStage, outcome: Outcome | None) -> str:
    if stage is CaseStage.CLOSED:
        return f"Closed: {PUBLIC_OUTCOMES[outcome]}." if outcome else "Closed."
    return stage.label


def parse_instant(value: str, zone: tzinfo) -> datetime:
    """ISO 8601; a time without an offset is the city's local time (ValueError if it is not a date)."""
    # An unencoded "+" in a query string arrives as a space: "2026-11-01T08:00:00 05:00".
    if "T" in value and value.count(" ") == 1:
        value = value.replace(" ", "+")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def request_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The span GET requests searches: the last 90 days by default, and never more than 90 days."""
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        assert end is not None
        return end - MAX_SPAN, end
    if end is None:
        return start, start + MAX_SPAN
    if end < start:
        raise ValueError("end_date is before start_date")
    if end - start > MAX_SPAN:
        raise ValueError("start_date and end_date may not span more than 90 days")
    return start, end
