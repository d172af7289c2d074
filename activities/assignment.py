"""Who inspects: an active officer covering the case's zone and specialty, with the fewest open cases."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio import activity

from domain.case import AssignmentRequest, OfficerRef
from domain.stages import CaseStage
from records.db import SessionFactory
from records.tables import Case, Officer, OfficerSpecialty, OfficerZone


def officer_for(session: Session, request: AssignmentRequest) -> OfficerRef | None:
    open_cases = (
        select(func.count())
        .where(col(Case.assigned_officer_id) == Officer.id, col(Case.stage) != CaseStage.CLOSED)
        .scalar_subquery()
    )
    query = (
        select(Officer)
        .join(OfficerZone, col(OfficerZone.officer_id) == Officer.id)
        .join(OfficerSpecialty, col(OfficerSpecialty.officer_id) == Officer.id)
        .where(
            col(Officer.active),
            OfficerZone.zone_code == request.zone,
            OfficerSpecialty.specialty == request.specialty,
        )
        .order_by(open_cases, col(Officer.badge))
        .limit(1)
    )
    officer = session.exec(query).first()
    if officer is None or officer.id is None:
        return None
    return OfficerRef(id=officer.id, badge=officer.badge, name=officer.name)


class AssignmentActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="choose_officer")
    def choose_officer(self, request: AssignmentRequest) -> OfficerRef | None:
        with self._sessions() as session:
            return officer_for(session, request)
