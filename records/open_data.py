"""What the HouseFacts open data export reads: the visits on the timeline, the cases in which one found the
violation, and the parcels they were on. No owner, no complainant, no free text is read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.open_data import RATING, Building, Visit
from domain.stages import Channel
from records.db import in_chunks
from records.tables import Case, CaseEvent, Parcel


def visits(session: Session, since: datetime) -> list[Visit]:
    """Every inspection and reinspection on a timeline since `since`."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            CaseEvent.id,
            CaseEvent.case_number,
            Case.parcel_id,
            CaseEvent.kind,
            CaseEvent.occurred_at,
            Case.channel,
        )
        .join(Case, col(Case.case_number) == CaseEvent.case_number)
        .where(col(CaseEvent.kind).in_(RATING), col(CaseEvent.occurred_at) >= since)
    ).all()
    return [
        Visit(event, case, parcel, kind, at, channel == Channel.OFFICER)
        for event, case, parcel, kind, at, channel in rows
    ]


def found_violations(session: Session, since: datetime) -> list[tuple[str, int, str, datetime, datetime | None, str]]:
    """Each case whose first inspection since `since` found the violation: its number, that inspection's event,
    its parcel, when it was found and closed, and its violation type's code."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number,
            func.min(CaseEvent.id),
            Case.parcel_id,
            func.min(CaseEvent.occurred_at),
            Case.closed_at,
            Case.violation_code,
        )
        .join(Case, col(Case.case_number) == CaseEvent.case_number)
        .where(CaseEvent.kind == "inspection_violation_found", col(CaseEvent.occurred_at) >= since)
        .group_by(col(Case.case_number), col(Case.parcel_id), col(Case.closed_at), col(Case.violation_code))
    ).all()
    return [tuple(row) for row in rows]


def buildings(session: Session, parcel_ids: set[str]) -> list[Building]:
    """The parcels, without their owners."""
    found: list[Building] = []
    for chunk in in_chunks(sorted(parcel_ids)):
        rows = session.exec(
            select(Parcel.parcel_id, Parcel.address, Parcel.land_use, Parcel.lat, Parcel.lon).where(  # type: ignore[call-overload]
                col(Parcel.parcel_id).in_(chunk)
            )
        ).all()
        found.extend(Building(*row) for row in rows)
    return found
