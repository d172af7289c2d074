"""What the dashboard's figures mean: the periods they compare, and which outcomes and events count.

Months and days are the city's (its time zone), not UTC's: "inspections today" in Riverton ends at local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.stages import CaseStage, Outcome

# Timeline kinds that are a visit to the property (first inspection or reinspection).
INSPECTION_EVENTS = frozenset(
    {
        "inspection_violation_found",
        "inspection_no_violation",
        "reinspection_complied",
        "reinspection_not_yet",
        "reinspection_not_complied",
    }
)
# An owner's extension request is pending while the newest of these on its case is the request.
EXTENSION_EVENTS = ("extension_requested", "extension_granted", "extension_denied")

# The compliance rate counts only cases where a violation was found: an unfounded, withdrawn or merged
# complaint says nothing about whether owners comply with orders.
COMPLIED = frozenset({Outcome.VOLUNTARY_COMPLIANCE, Outcome.ORDER_COMPLIANCE})
NO_VIOLATION = frozenset({Outcome.UNFOUNDED, Outcome.WITHDRAWN, Outcome.MERGED_DUPLICATE})

# The first response (inspection) is what the response targets measure: a case breaches its target while it
# still waits for that first visit after `response_due_at`.
AWAITING_FIRST_RESPONSE = frozenset({CaseStage.RECEIVED, CaseStage.INVESTIGATING})


@dataclass(frozen=True)
class Periods:
    """This month so far and the whole of last month, today, and recent weeks, as UTC instants."""

    now: datetime
    today: datetime
    tomorrow: datetime
    this_month: datetime
    last_month: datetime
    week_starts: tuple[datetime, ...]

    @property
    def last_month_days(self) -> int:
        return round((self.this_month - self.last_month) / timedelta(days=1))


def periods(now: datetime, time_zone: str, *, weeks: int = 12) -> Periods:
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    today = datetime.combine(local.date(), time(), zone)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    monday = today - timedelta(days=today.weekday())
    # Each week start is local midnight on a Monday, so a daylight-saving change does not shift the buckets.
    starts = tuple(
        datetime.combine((monday - timedelta(weeks=n)).date(), time(), zone) for n in range(weeks - 1, -1, -1)
    )
    return Periods(
        now=now,
        today=today,
        tomorrow=datetime.combine(local.date() + timedelta(days=1), time(), zone),
        this_month=this_month,
        last_month=last_month,
        week_starts=starts,
    )
