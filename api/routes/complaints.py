"""Filing a complaint: validate, store (before anything else can fail), then start the case's workflow.

A complaint about a property and violation type with an open case joins it, as from every other channel, unless
the body says `open_new_case` with a `reason`.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from api.deps import STAFF_ROLE, ContextDep, require
from api.errors import invalid_field
from api.schemas import ComplaintAccepted, ComplaintCreate
from domain.access import FILE_COMPLAINT
from domain.stages import CaseStage
from records.tables import User
from services.intake import RefusedField, dispatch, store_report

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"], responses=STAFF_ROLE)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ComplaintAccepted, "description": "Joined the open case about this property and violation"},
        202: {"model": ComplaintAccepted, "description": "Stored; the case starts (or hears) when Temporal is back"},
    },
)
async def file_complaint(
    body: ComplaintCreate,
    response: Response,
    context: ContextDep,
    user: Annotated[User, Depends(require(FILE_COMPLAINT))],
) -> ComplaintAccepted:
    try:
        filed = await asyncio.to_thread(
            store_report,
            context,
            body.report(),
            user.id,
            join_open_case=not body.open_new_case,
            new_case_reason=body.reason,
        )
    except RefusedField as exc:
        raise invalid_field(exc.field, message=exc.message) from None
    case = filed.case
    if not await dispatch(context, filed):
        response.status_code = status.HTTP_202_ACCEPTED
        message = (
            "Complaint added to the open case about this property and problem; the case hears of it when "
            "processing resumes."
            if filed.joined_open_case
            else "Complaint saved. Case processing is delayed and will start automatically."
        )
    elif filed.joined_open_case:
        response.status_code = status.HTTP_200_OK
        message = "This property already has an open case for this problem; the complaint was added to it."
    else:
        message = "Complaint saved and case opened."
    return ComplaintAccepted(
        case_number=case.case_number,
        stage=CaseStage(case.stage),
        tracking_code=case.tracking_code,
        message=message,
        joined_open_case=filed.joined_open_case,
    )
