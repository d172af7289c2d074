"""An officer's work queue: which open cases need a visit to the property, of what kind, and by when.

A case waiting for its first inspection needs one by its response target, or at the appointment made with the
owner; a case whose compliance deadline passed (or whose owner reported the work done) needs its reinspection
now; a case in its compliance period needs one at its deadline, which the officer may plan ahead. Every other
stage waits on paper, a hearing or a payment, not on a visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.stages import CaseStage

# The projection's column that holds when the visit is due, per stage that needs one (records queries by it).
VISIT_DUE_COLUMN: dict[CaseStage, str] = {
    CaseStage.INVESTIGATING: "response_due_at",
    CaseStage.REINSPECTION_DUE: "next_deadline",
    CaseStage.AWAITING_COMPLIANCE: "compliance_deadline",
}
# How many days ahead the queue lists what comes after today.
COMING_DAYS = 7


class VisitKind(StrEnum):
    FIRST_INSPECTION = "first inspection"
    APPOINTMENT = "appointment"
    REINSPECTION = "reinspection"

    @property
    def label(self) -> str:
        return {
            VisitKind.FIRST_INSPECTION: "First inspection",
            VisitKind.APPOINTMENT: "Inspection appointment",
            VisitKind.REINSPECTION: "Reinspection",
        }[self]


@dataclass(frozen=True)
class OpenCase:
    """What the queue reads of an open case: its projection's dates and, for a first inspection, the appointment."""

    case_number: str
    stage: CaseStage
    response_due_at: datetime | None
    next_deadline: datetime | None
    compliance_deadline: datetime | None
    appointment: datetime | None = None


@dataclass(frozen=True)
class Visit:
    case_number: str
    kind: VisitKind
    due: datetime  # the appointment's time, else when the visit is due by


def visit_needed(case: OpenCase) -> Visit | None:
    """The visit the case waits on, if it waits on one."""
    column = VISIT_DUE_COLUMN.get(case.stage)
    due: datetime | None = getattr(case, column) if column else None
    if case.stage is CaseStage.INVESTIGATING and case.appointment is not None:
        return Visit(case.case_number, VisitKind.APPOINTMENT, case.appointment)
    if due is None:
        return None
    kind = VisitKind.FIRST_INSPECTION if case.stage is CaseStage.INVESTIGATING else VisitKind.REINSPECTION
    return Visit(case.case_number, kind, due)


@dataclass(frozen=True)
class Queue:
    """Today's visits (due today or overdue), then each of the coming days', then what is due later."""

    today: list[Visit]
    coming: list[tuple[date, list[Visit]]]
    later: list[Visit]


def work_queue(cases: list[OpenCase], today: date, zone: ZoneInfo, days: int = COMING_DAYS) -> Queue:
    """The visits of these cases by the city's local day: appointments at their time, the rest by due date."""
    visits = sorted((v for c in cases if (v := visit_needed(c)) is not None), key=lambda v: v.due)
    last = today + timedelta(days=days)
    by_day: dict[date, list[Visit]] = {}
    later = []
    for visit in visits:
        day = max(visit.due.astimezone(zone).date(), today)
        if day > last:
            later.append(visit)
        else:
            by_day.setdefault(day, []).append(visit)
    return Queue(by_day.pop(today, []), sorted(by_day.items()), later)
