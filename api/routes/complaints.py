"""Filing a complaint: validate, store (before anything else can fail), then start the case's workflow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from sqlmodel import Session

from api.deps import ContextDep, require
from api.errors import invalid_field
from api.intake import Filed, dispatch, store
from api.schemas import ComplaintAccepted, ComplaintCreate, GeoPoint
from domain.access import FILE_COMPLAINT
from domain.stages import CaseStage
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    Place,
    UnknownPlace,
    place_at_address,
    place_at_point,
)
from records.tables import User
from services.context import AppContext

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


def _locate(session: Session, context: AppContext, address: str | GeoPoint) -> Place:
    try:
        if isinstance(address, GeoPoint):
            return place_at_point(session, context.city, address.lat, address.lon)
        return place_at_address(session, context.city, address)
    except UnknownPlace as exc:
        raise invalid_field("address", message=str(exc)) from None


def store_body(
    context: AppContext,
    body: ComplaintCreate,
    user_id: int | None,
    *,
    join_open_case: bool = False,
    also: Callable[[Session, Filed], object] | None = None,
) -> Filed:
    """Stores a complaint as the API and the console's intake form send it (422 naming the field if it is not
    one we can file); with `join_open_case`, the open case about the same parcel and violation takes it."""
    violation = context.policy.violation(body.violation_code)
    if violation is None:
        raise invalid_field(
            "violation_code",
            message=f"unknown violation code {body.violation_code!r}; valid codes: {', '.join(context.policy.codes)}",
        )
    complainant = body.complainant if body.complainant and not body.complainant.is_empty else None

    def complaint(session: Session) -> NewComplaint:
        place = _locate(session, context, body.address)
        return NewComplaint(
            violation=violation,
            parcel=place.parcel,
            location_text=place.location_text,
            lat=place.lat,
            lon=place.lon,
            description=body.description,
            channel=body.channel,
            complainant=ComplainantDetails(**complainant.model_dump()) if complainant else None,
            received_by_user_id=user_id,
        )

    return store(context, complaint, join_open_case=join_open_case, also=also)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": ComplaintAccepted, "description": "Stored; the case starts when Temporal is back"}},
)
async def file_complaint(
    body: ComplaintCreate,
    response: Response,
    context: ContextDep,
    user: Annotated[User, Depends(require(FILE_COMPLAINT))],
) -> ComplaintAccepted:
    filed = await asyncio.to_thread(store_body, context, body, user.id)
    case = filed.case
    if not await dispatch(context, filed):
        response.status_code = status.HTTP_202_ACCEPTED
        return ComplaintAccepted(
            case_number=case.case_number,
            stage=CaseStage.RECEIVED,
            tracking_code=case.tracking_code,
            message="Complaint saved. Case processing is delayed and will start automatically.",
        )
    return ComplaintAccepted(
        case_number=case.case_number,
        stage=CaseStage.RECEIVED,
        tracking_code=case.tracking_code,
        message="Complaint saved and case opened.",
    )
