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
# The timeline kinds that are a case's first visit; a reinspection always comes after one of them.
FIRST_INSPECTION_EVENTS = ("inspection_violation_found", "inspection_no_violation")
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
class Figure:
    """One dashboard figure, read at a glance: what it counts over what period, its value now and in the period it
    is compared with, why a value is missing, and whether the change is for the better."""

    label: str
    counts: str  # what is counted, over what period: "cases not closed, now"
    now: float | None
    before: float | None
    before_label: str  # the period compared with: "at the end of November"
    unit: str = ""
    higher_is_better: bool = True
    why_none_now: str = ""  # said instead of an empty figure: "no case closed in December yet"
    why_none_before: str = ""
    beside: str = ""  # what goes with the figure: "6 still due"

    @property
    def change(self) -> float | None:
        """Now minus before, to one decimal; None when either is unknown or nothing changed."""
        if self.now is None or self.before is None:
            return None
        delta = round(self.now - self.before, 1)
        return delta or None

    @property
    def better(self) -> bool | None:
        """Whether the change is for the better (more open cases is worse; more inspections is better)."""
        return None if self.change is None else (self.change > 0) == self.higher_is_better

    @property
    def verdict(self) -> str:
        """The change in words a reader need not decode: "up 21, worse", "down 2.5, better", "no change"."""
        if self.now is None or self.before is None:
            return ""
        if self.change is None:
            return "no change"
        amount = abs(self.change)
        shown = f"{amount:g}" if amount != int(amount) else str(int(amount))
        return f"{'up' if self.change > 0 else 'down'} {shown}{self.unit}, {'better' if self.better else 'worse'}"


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
