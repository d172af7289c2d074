"""The hearing calendar: hearings and court dates with their case and property, soonest first, and the hearings
still to be dated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from records.tables import Case, CaseEvent, CourtAppearance, Hearing, Parcel


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # the hearing's workflow id, or the court date's case and key
    at: datetime | None
    title: str  # "Appeal hearing", or "Court: <court>, docket <n> (trial)"
    case_number: str
    address: str
    violation_code: str
    location: str | None
    decision: str | None = None


def _hearings(session: Session, *conditions: object) -> list[CalendarEntry]:
    rows = session.exec(
        select(Hearing, Case.violation_code, Parcel.address)
        .join(Case, col(Case.case_number) == Hearing.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(col(Hearing.scheduled_for), col(Hearing.workflow_id))
    ).all()
    return [
        CalendarEntry(
            uid=h.workflow_id,
            at=h.scheduled_for,
            title=f"{h.kind.capitalize()} hearing",
            case_number=h.case_number,
            address=address,
            violation_code=code,
            location=h.location,
            decision=h.decision,
        )
        for h, code, address in rows
    ]


def _court_dates(session: Session, start: datetime) -> list[CalendarEntry]:
    """Each with the court's outcome once recorded: the case's `court_outcome` line, as the timeline words it."""
    outcome = (
        select(CaseEvent.summary)
        .where(CaseEvent.case_number == CourtAppearance.case_number, CaseEvent.kind == "court_outcome")
        .order_by(col(CaseEvent.occurred_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.exec(
        select(CourtAppearance, Case.violation_code, Parcel.address, outcome)
        .join(Case, col(Case.case_number) == CourtAppearance.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(col(CourtAppearance.at) >= start)
    ).all()
    return [
        CalendarEntry(
            uid=f"{c.case_number}-{c.key}",
            at=c.at,
            title=f"{c.title} ({c.purpose})",
            case_number=c.case_number,
            address=address,
            violation_code=code,
            location=c.location,
            decision=decided.removeprefix(f"{c.title}: ") if decided else None,
        )
        for c, code, address, decided in rows
    ]


def scheduled_from(session: Session, start: datetime) -> list[CalendarEntry]:
    dated = _hearings(session, col(Hearing.scheduled_for) >= start) + _court_dates(session, start)
    return sorted(dated, key=lambda entry: (entry.at or start, entry.uid))


def awaiting_a_date(session: Session) -> list[CalendarEntry]:
    """Hearings requested (an appeal, an escalation) that nobody has calendared yet."""
    return _hearings(session, col(Hearing.scheduled_for).is_(None), col(Hearing.decision).is_(None))
