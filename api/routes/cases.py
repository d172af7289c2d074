"""Reading a case: the projection, its parcel, owner, officer and full timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from api.deps import NOT_FOUND, SIGNED_IN, ContextDep, SessionDep, require
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
from config.settings import temporal_ui_link
from domain.access import READ_CASE, SEE_COMPLAINANT
from domain.stages import CaseStage
from records.case_file import read_case_file
from records.tables import User

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], responses=SIGNED_IN | NOT_FOUND)


@router.get("/{case_number}")
def get_case(
    case_number: str,
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, Depends(require(READ_CASE))],
) -> CaseDetail:
    file = read_case_file(session, case_number, withhold_complainants=user.role not in SEE_COMPLAINANT)
    if file is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
    case, parcel = file.case, file.parcel
    violation = context.policy.violation(case.violation_code)
    deadlines = []
    if case.stage == CaseStage.INVESTIGATING and case.response_due_at:
        deadlines.append(Deadline(kind="first_inspection", due_at=case.response_due_at, overdue=case.overdue))
    if case.compliance_deadline:
        deadlines.append(Deadline(kind="compliance", due_at=case.compliance_deadline, overdue=False))
    if case.next_deadline and case.waiting_on and case.stage != CaseStage.INVESTIGATING:
        deadlines.append(Deadline(kind=case.waiting_on, due_at=case.next_deadline, overdue=case.overdue))
    return CaseDetail(
        case_number=case.case_number,
        tracking_code=case.tracking_code,
        stage=case.stage,
        stage_label=CaseStage(case.stage).label,
        priority=case.priority,
        category=case.category,
        violation=ViolationTypePublic.of(violation) if violation else None,
        assigned_officer=OfficerPublic.model_validate(file.officer) if file.officer else None,
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
        notices=[NoticePublic.model_validate(n) for n in file.notices],
        documents=[DocumentPublic.model_validate(d) for d in file.documents],
        account=[LedgerLinePublic.model_validate(line) for line in file.ledger],
        hearings=[HearingPublic.model_validate(h) for h in file.hearings],
        outcome=case.outcome,
        closed_at=case.closed_at,
        workflow_started=case.workflow_started_at is not None,
        temporal_ui_url=temporal_ui_link(context.settings, case.case_number),
        timeline=[TimelineEvent.model_validate(event) for event in file.timeline],
    )
