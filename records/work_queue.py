"""The open cases that need a visit (domain/work_queue.py says which): one officer's, or how many are due city-wide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from domain.work_queue import VISIT_DUE_COLUMN
from records.tables import Case, Officer, Parcel


def _needs_a_visit(due_before: datetime | None = None) -> Any:
    """Cases at a stage that waits on a visit, with that visit's due date (before `due_before`, when given)."""
    return or_(
        *(
            and_(
                col(Case.stage) == stage,
                col(getattr(Case, column)).is_not(None),
                *([col(getattr(Case, column)) < due_before] if due_before is not None else []),
            )
            for stage, column in VISIT_DUE_COLUMN.items()
        )
    )


def cases_to_visit(session: Session, officer_id: int) -> list[tuple[Case, Parcel]]:
    """The officer's open cases that wait on a visit, with their parcels (for the address and the map)."""
    return [
        (case, parcel)
        for case, parcel in session.exec(
            select(Case, Parcel)
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .where(Case.assigned_officer_id == officer_id, _needs_a_visit())
            .order_by(col(Case.case_number))
        )
    ]


def visits_due_before(session: Session, instant: datetime) -> int:
    """How many visits city-wide are due before `instant` and not made (the dashboard's "due today")."""
    return session.exec(select(func.count()).select_from(Case).where(_needs_a_visit(instant))).one()


def active_officers(session: Session) -> list[Officer]:
    """The officers a supervisor may look at the queue of."""
    return list(session.exec(select(Officer).where(col(Officer.active)).order_by(col(Officer.name))))
