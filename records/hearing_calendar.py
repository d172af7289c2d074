"""The hearing calendar: hearings with their case and property, soonest first, and those still to be dated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from records.tables import Case, Hearing, Parcel


@dataclass(frozen=True)
class CalendarEntry:
    hearing: Hearing
    case_number: str
    address: str
    violation_code: str


def _entries(session: Session, *conditions: object) -> list[CalendarEntry]:
    rows = session.exec(
        select(Hearing, Case.violation_code, Parcel.address)
        .join(Case, col(Case.case_number) == Hearing.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(col(Hearing.scheduled_for), col(Hearing.workflow_id))
    ).all()
    return [CalendarEntry(h, h.case_number, address, code) for h, code, address in rows]


def scheduled_from(session: Session, start: datetime) -> list[CalendarEntry]:
    return _entries(session, col(Hearing.scheduled_for) >= start)


def awaiting_a_date(session: Session) -> list[CalendarEntry]:
    """Hearings requested (an appeal, an escalation) that nobody has calendared yet."""
    return _entries(session, col(Hearing.scheduled_for).is_(None), col(Hearing.decision).is_(None))
