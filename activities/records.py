"""Writes the case projection and its timeline, together, so a list never disagrees with a timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from temporalio import activity

from domain.case import Transition
from records.db import SessionFactory, transaction
from records.tables import Case, CaseEvent


class RecordsActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="record_transition")
    def record_transition(self, transition: Transition) -> None:
        projection, entry = transition.projection, transition.event
        with transaction(self._sessions) as session:
            case = session.get(Case, projection.case_number, with_for_update=True)
            if case is None:
                raise RuntimeError(f"case {projection.case_number} has no record yet")
            already = session.exec(
                select(CaseEvent.id).where(CaseEvent.case_number == projection.case_number, CaseEvent.key == entry.key)
            ).first()
            if already is not None:
                return
            case.stage = projection.stage
            case.assigned_officer_id = projection.assigned_officer_id
            case.response_due_at = projection.response_due_at
            case.next_deadline = projection.next_deadline
            case.overdue = projection.overdue
            case.updated_at = datetime.now(UTC)
            session.add(case)
            session.add(
                CaseEvent(
                    case_number=projection.case_number,
                    key=entry.key,
                    kind=entry.kind,
                    stage=entry.stage,
                    summary=entry.summary,
                    actor=entry.actor,
                    data=entry.data,
                )
            )
