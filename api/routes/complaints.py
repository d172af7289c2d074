"""Filing a complaint: validate, store (before anything else can fail), then start the case's workflow."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from temporalio.service import RPCError

from api.context import AppContext
from api.deps import ContextDep, require
from api.errors import invalid_field
from api.schemas import ComplaintAccepted, ComplaintCreate, GeoPoint
from domain.access import FILE_COMPLAINT
from domain.addresses import address_key
from domain.stages import CaseStage
from records.db import transaction
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    nearest_parcel,
    parcel_by_address,
    search_parcels,
    store_complaint,
)
from records.tables import Case, Parcel, User
from workers.launcher import launch_case

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

# A point farther than this from every parcel is a street, a park or a typo, not a property.
MAX_PARCEL_DISTANCE_M = 150
STORE_ATTEMPTS = 3


def _locate(
    session: Session, context: AppContext, address: str | GeoPoint
) -> tuple[Parcel, str, float | None, float | None]:
    city = context.city
    if isinstance(address, GeoPoint):
        if not city.bounds.contains(address.lat, address.lon):
            raise invalid_field(
                "address", message=f"the point ({address.lat}, {address.lon}) is outside the {city.name}"
            )
        found = nearest_parcel(session, address.lat, address.lon)
        if found is None or found[1] > MAX_PARCEL_DISTANCE_M:
            raise invalid_field(
                "address",
                message=f"no property within {MAX_PARCEL_DISTANCE_M} m of ({address.lat}, {address.lon}); give the street address",
            )
        return found[0], f"{address.lat}, {address.lon}", address.lat, address.lon
    parcel = parcel_by_address(session, address)
    if parcel is None:
        street = " ".join(word for word in address_key(address).split() if not word.isdigit())
        suggestions = [p.address for p in search_parcels(session, street, 3)] if street else []
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise invalid_field("address", message=f"{address!r} is not an address in the {city.name}{hint}")
    return parcel, address, None, None


def _store(context: AppContext, body: ComplaintCreate, user: User) -> Case:
    violation = context.policy.violation(body.violation_code)
    if violation is None:
        raise invalid_field(
            "violation_code",
            message=f"unknown violation code {body.violation_code!r}; valid codes: {', '.join(context.policy.codes)}",
        )
    complainant = body.complainant if body.complainant and not body.complainant.is_empty else None
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with transaction(context.sessions) as session:
                parcel, location_text, lat, lon = _locate(session, context, body.address)
                return store_complaint(
                    session,
                    NewComplaint(
                        violation=violation,
                        parcel=parcel,
                        location_text=location_text,
                        lat=lat,
                        lon=lon,
                        description=body.description,
                        channel=body.channel,
                        complainant=ComplainantDetails(**complainant.model_dump()) if complainant else None,
                        received_by_user_id=user.id,
                    ),
                    context.policy.calendar,
                )
        except IntegrityError:
            # Two intakes took the year's first case number at once; the loser takes the next one.
            if attempt == STORE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


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
    case = await asyncio.to_thread(_store, context, body, user)
    settings = context.settings
    try:
        await asyncio.wait_for(
            launch_case(
                context.temporal, settings.temporal_task_queue, context.sessions, context.policy, case.case_number
            ),
            timeout=settings.temporal_start_timeout_seconds,
        )
    except (RPCError, RuntimeError, TimeoutError) as exc:
        log.warning("case %s stored; Temporal unavailable (%s); the reconciler will start it", case.case_number, exc)
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
