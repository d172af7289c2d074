"""Reading a case: the projection, its parcel, owner, officer and full timeline."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, status
from sqlmodel import col, select

from api.deps import ContextDep, SessionDep, require
from api.schemas import (
    CaseDetail,
    Deadline,
    DocumentPublic,
    HearingPublic,
    LedgerLinePublic,
    NoticePublic,
    OfficerPublic,
    OwnerOfRecord,
    ParcelPublic,
    TimelineEvent,
    ViolationTypePublic,
)
from config.settings import Settings
from domain.access import READ_CASE
from domain.stages import CaseStage
from records.documents import CaseDocument
from records.tables import Case, CaseEvent, CaseNotice, Hearing, LedgerLine, Officer, Parcel, User

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def temporal_ui_link(settings: Settings, case_number: str) -> str:
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{quote(settings.temporal_namespace)}/workflows/{quote(case_number)}"


@router.get("/{case_number}")
def get_case(
    case_number: str,
    context: ContextDep,
    session: SessionDep,
    _user: Annotated[User, Depends(require(READ_CASE))],
) -> CaseDetail:
    case = session.get(Case, case_number)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
    parcel = session.get(Parcel, case.parcel_id)
    assert parcel is not None  # a foreign key
    officer = session.get(Officer, case.assigned_officer_id) if case.assigned_officer_id else None
    events = session.exec(select(CaseEvent).where(CaseEvent.case_number == case_number).order_by(col(CaseEvent.id)))
    violation = context.policy.violation(case.violation_code)
    deadlines = []
    if case.stage == CaseStage.INVESTIGATING and case.response_due_at:
        deadlines.append(Deadline(kind="first_inspection", due_at=case.response_due_at, overdue=case.overdue))
    if case.compliance_deadline:
        deadlines.append(Deadline(kind="compliance", due_at=case.compliance_deadline, overdue=False))
    if case.next_deadline and case.waiting_on and case.stage != CaseStage.INVESTIGATING:
        deadlines.append(Deadline(kind=case.waiting_on, due_at=case.next_deadline, overdue=case.overdue))
    notices = session.exec(
        select(CaseNotice).where(CaseNotice.case_number == case_number).order_by(col(CaseNotice.seq))
    )
    documents = session.exec(
        select(CaseDocument).where(CaseDocument.case_number == case_number).order_by(col(CaseDocument.id))
    )
    account = session.exec(select(LedgerLine).where(LedgerLine.case_number == case_number).order_by(col(LedgerLine.id)))
    hearings = session.exec(select(Hearing).where(Hearing.case_number == case_number))
    return CaseDetail(
        case_number=case.case_number,
        tracking_code=case.tracking_code,
        stage=case.stage,
        stage_label=CaseStage(case.stage).label,
        priority=case.priority,
        category=case.category,
        violation=ViolationTypePublic.of(violation) if violation else None,
        assigned_officer=OfficerPublic.model_validate(officer) if officer else None,
        parcel=ParcelPublic.model_validate(parcel),
        owner=OwnerOfRecord(
            name=parcel.owner_name,
            mailing_address=parcel.owner_mailing_address,
            email=parcel.owner_email,
            phone=parcel.owner_phone,
            preferred_channel=parcel.owner_preferred_channel,
        ),
        opened_at=case.opened_at,
        next_deadline=case.next_deadline,
        compliance_deadline=case.compliance_deadline,
        waiting_on=case.waiting_on,
        overdue=case.overdue,
        balance=case.balance,
        deadlines=deadlines,
        notices=[NoticePublic.model_validate(n) for n in notices],
        documents=[DocumentPublic.model_validate(d) for d in documents],
        account=[LedgerLinePublic.model_validate(line) for line in account],
        hearings=[HearingPublic.model_validate(h) for h in hearings],
        outcome=case.outcome,
        closed_at=case.closed_at,
        workflow_started=case.workflow_started_at is not None,
        temporal_ui_url=temporal_ui_link(context.settings, case.case_number),
        timeline=[TimelineEvent.model_validate(event) for event in events],
    )
