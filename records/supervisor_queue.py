"""The supervisor's queue: open cases nobody has, cases past a due date, and decisions only a supervisor makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.reports import EXTENSION_EVENTS
from domain.stages import CaseStage
from records.notifications import unacknowledged_stalls
from records.tables import Case, CaseEvent, Officer, Parcel

QUEUE_LIMIT = 50


@dataclass(frozen=True)
class QueueRow:
    case: Case
    address: str
    officer: str | None


@dataclass
class Queue:
    title: str
    explanation: str
    total: int = 0
    rows: list[QueueRow] = field(default_factory=list)


def _queue(session: Session, title: str, explanation: str, order: Any, *conditions: Any) -> Queue:
    open_case = col(Case.stage) != CaseStage.CLOSED
    rows = session.exec(
        select(Case, Parcel.address, Officer.name)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
        .where(open_case, *conditions)
        .order_by(order, col(Case.case_number))
        .limit(QUEUE_LIMIT)
    ).all()
    total = session.exec(select(func.count()).select_from(Case).where(open_case, *conditions)).one()
    return Queue(title, explanation, total, [QueueRow(case, address, officer) for case, address, officer in rows])


def pending_extension_requests() -> Any:
    """Cases whose newest extension event is the owner's request: nobody has granted or denied it yet."""
    newest = (
        select(CaseEvent.case_number, func.max(CaseEvent.id).label("newest"))
        .where(col(CaseEvent.kind).in_(EXTENSION_EVENTS))
        .group_by(col(CaseEvent.case_number))
        .subquery()
    )
    return (
        select(CaseEvent.case_number)
        .join(newest, col(newest.c.newest) == CaseEvent.id)
        .where(CaseEvent.kind == "extension_requested")
    )


def supervisor_queues(session: Session) -> list[Queue]:
    return [
        _queue(
            session,
            "Unassigned",
            "Open cases with no officer: no officer covers the zone and specialty, or one was removed.",
            col(Case.opened_at),
            col(Case.assigned_officer_id).is_(None),
        ),
        _queue(
            session,
            "Overdue",
            "A step is past its due date (first inspection, notice, service, reinspection or a decision).",
            col(Case.next_deadline),
            col(Case.overdue).is_(True),
        ),
        _queue(
            session,
            "Stalled",
            "Nothing has happened for weeks, or the step is days past due: the officer and you were alarmed, "
            "and someone has yet to acknowledge it on the notifications page.",
            col(Case.opened_at),
            col(Case.case_number).in_(unacknowledged_stalls()),
        ),
        _queue(
            session,
            "Extension requests",
            "Owners asked for more time; a supervisor grants or denies.",
            col(Case.next_deadline),
            col(Case.case_number).in_(pending_extension_requests()),
            col(Case.stage).in_((CaseStage.AWAITING_COMPLIANCE, CaseStage.REINSPECTION_DUE)),
        ),
        _queue(
            session,
            "Closures awaiting review",
            "Cases ready to close; none closes without a supervisor's review.",
            col(Case.next_deadline),
            col(Case.stage) == CaseStage.CLOSURE_REVIEW,
        ),
        _queue(
            session,
            "Escalations",
            "Not complied: the next step on the escalation ladder is due.",
            col(Case.next_deadline),
            col(Case.stage) == CaseStage.ESCALATION_DUE,
        ),
    ]
