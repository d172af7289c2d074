"""The dashboard's queries: figures against last month, response-target breaches, activity and the charts' data.

Written with portable SQL only (counts over indexed ranges, GROUP BY on plain columns), so SQLite and
PostgreSQL give the same figures; tests check both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.reports import AWAITING_FIRST_RESPONSE, COMPLIED, INSPECTION_EVENTS, NO_VIOLATION, Figure, Periods
from domain.stages import OPEN_STAGES, CaseStage
from records.elapsed import elapsed_days
from records.tables import Case, CaseEvent, Parcel
from records.work_queue import visits_due_before


@dataclass(frozen=True)
class Breach:
    case_number: str
    address: str
    violation_code: str
    priority: int
    stage: str
    response_due_at: datetime


@dataclass(frozen=True)
class WeekFlow:
    week_start: datetime
    opened: int
    closed: int


def _count(session: Session, *conditions: object) -> int:
    return session.exec(select(func.count()).select_from(Case).where(*conditions)).one()  # type: ignore[arg-type]


def open_at(session: Session, instant: datetime) -> int:
    """Cases open at `instant`: opened before it and not yet closed then.

    Counted without reading the cases opened before it (nearly all of them, a year on): those open then are the
    cases not closed now, less those opened since, plus those closed since; each term is one indexed count."""
    return (
        _count(session, col(Case.closed_at).is_(None))
        - _count(session, col(Case.opened_at) >= instant)
        + _count(session, col(Case.closed_at) >= instant)
    )


def open_now(session: Session) -> int:
    return _count(session, col(Case.stage).in_(OPEN_STAGES))


def average_days_to_resolution(session: Session, start: datetime, end: datetime) -> float | None:
    """Mean days from complaint to closure of the cases closed in [start, end), averaged by the database."""
    mean = session.exec(
        select(func.avg(elapsed_days(Case.opened_at, Case.closed_at))).where(
            col(Case.closed_at) >= start, col(Case.closed_at) < end
        )
    ).one()
    return None if mean is None else float(mean)


def compliance_rate(session: Session, start: datetime, end: datetime) -> float | None:
    """Of the cases closed in [start, end) where a violation was found, the percentage closed by compliance."""
    counts = session.exec(
        select(Case.outcome, func.count())
        .where(col(Case.closed_at) >= start, col(Case.closed_at) < end)
        .group_by(col(Case.outcome))
    ).all()
    founded = {outcome: n for outcome, n in counts if outcome is not None and outcome not in NO_VIOLATION}
    total = sum(founded.values())
    return 100 * sum(n for outcome, n in founded.items() if outcome in COMPLIED) / total if total else None


def inspections_between(session: Session, start: datetime, end: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(CaseEvent)
        .where(
            col(CaseEvent.kind).in_(INSPECTION_EVENTS),
            col(CaseEvent.occurred_at) >= start,
            col(CaseEvent.occurred_at) < end,
        )
    ).one()


def figures(session: Session, p: Periods) -> list[Figure]:
    month, last = f"{p.this_month:%B}", f"{p.last_month:%B}"
    per_day = inspections_between(session, p.last_month, p.this_month) / p.last_month_days
    due = visits_due_before(session, p.tomorrow)
    return [
        Figure(
            "Open cases",
            "cases not yet closed, now",
            open_now(session),
            open_at(session, p.this_month),
            f"at the end of {last}",
            higher_is_better=False,
        ),
        Figure(
            "Average days to resolution",
            f"from complaint to closure, for the cases closed in {month} so far",
            average_days_to_resolution(session, p.this_month, p.now),
            average_days_to_resolution(session, p.last_month, p.this_month),
            f"for the cases closed in {last}",
            " days",
            higher_is_better=False,
            why_none_now=f"no case closed in {month} yet",
            why_none_before=f"no case closed in {last}",
        ),
        Figure(
            "Inspections today",
            "inspections and reinspections made today, and the visits still due by tonight",
            inspections_between(session, p.today, p.tomorrow),
            round(per_day, 1),
            f"a day on average in {last}",
            beside=f"done · {due} still due",
        ),
        Figure(
            "Order compliance rate",
            f"of the cases closed in {month} so far where a violation was found, the share closed by compliance",
            compliance_rate(session, p.this_month, p.now),
            compliance_rate(session, p.last_month, p.this_month),
            f"in {last}",
            "%",
            why_none_now=f"no case with a violation closed in {month} yet",
            why_none_before=f"no case with a violation closed in {last}",
        ),
    ]


def response_breaches(session: Session, now: datetime, limit: int = 10) -> tuple[int, list[Breach]]:
    """Cases still waiting for their first inspection after the response target: how many, and the worst."""
    late = (col(Case.stage).in_(AWAITING_FIRST_RESPONSE), col(Case.response_due_at) < now)
    rows = session.exec(
        select(Case, Parcel.address)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(*late)
        .order_by(col(Case.response_due_at))
        .limit(limit)
    ).all()
    breaches = [
        Breach(case.case_number, address, case.violation_code, case.priority, case.stage, case.response_due_at)
        for case, address in rows
        if case.response_due_at is not None
    ]
    return _count(session, *late), breaches


def recent_activity(session: Session, limit: int = 15) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent).order_by(col(CaseEvent.occurred_at).desc(), col(CaseEvent.id).desc()).limit(limit)
        )
    )


def weekly_flow(session: Session, p: Periods) -> list[WeekFlow]:
    """New and closed cases per week (the current week so far last): one indexed range count per bar."""
    ends = (*p.week_starts[1:], p.now)
    return [
        WeekFlow(
            start,
            _count(session, col(Case.opened_at) >= start, col(Case.opened_at) < end),
            _count(session, col(Case.closed_at) >= start, col(Case.closed_at) < end),
        )
        for start, end in zip(p.week_starts, ends, strict=True)
    ]


def open_by_stage(session: Session) -> list[tuple[CaseStage, int]]:
    counts = dict(
        session.exec(
            select(Case.stage, func.count()).where(col(Case.stage).in_(OPEN_STAGES)).group_by(col(Case.stage))
        ).all()
    )
    return [(stage, counts[stage]) for stage in CaseStage if counts.get(stage)]
