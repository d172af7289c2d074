"""Filing a complaint: validate, store (before anything else can fail), then start the case's workflow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
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
from domain.actions import DuplicateComplaint
from domain.addresses import address_key
from domain.stages import CaseStage, Channel
from records.db import transaction
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    attach_complaint,
    nearest_parcel,
    open_case_for,
    parcel_by_address,
    search_parcels,
    store_complaint,
)
from records.tables import Case, Parcel, User
from workers.launcher import launch_case
from workflows.client import case_handle

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


@dataclass(frozen=True)
class Intake:
    case: Case
    joined_complaint_id: int | None = None  # the report joined this open case instead of opening one


def _intake(
    context: AppContext,
    body: ComplaintCreate,
    user_id: int | None,
    *,
    join_open_case: bool,
    attach: Callable[[Session, str], object] | None = None,
) -> Intake:
    """Stores the complaint in one transaction: a new case, or (when asked) the open case about the same
    parcel and violation type, which the caller then tells with a `duplicate_complaint` signal. `attach`
    adds what came with it (photos) to the same transaction: all of it is stored, or none."""
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
                complaint = NewComplaint(
                    violation=violation,
                    parcel=parcel,
                    location_text=location_text,
                    lat=lat,
                    lon=lon,
                    description=body.description,
                    channel=body.channel,
                    complainant=ComplainantDetails(**complainant.model_dump()) if complainant else None,
                    received_by_user_id=user_id,
                )
                existing = open_case_for(session, parcel.parcel_id, violation.code) if join_open_case else None
                if existing is not None:
                    intake = Intake(existing, attach_complaint(session, existing, complaint).id)
                else:
                    intake = Intake(store_complaint(session, complaint, context.policy.calendar))
                if attach is not None:
                    attach(session, intake.case.case_number)
                return intake
        except IntegrityError:
            # Two intakes took the year's first case number at once; the loser takes the next one.
            if attempt == STORE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _store(context: AppContext, body: ComplaintCreate, user: User) -> Case:
    return _intake(context, body, user.id, join_open_case=False).case


async def tell_case_of_duplicate(context: AppContext, intake: Intake, channel: Channel) -> None:
    """The open case records the joined report on its timeline; a case not yet started reads it when it starts."""
    if intake.joined_complaint_id is None or intake.case.workflow_started_at is None:
        return
    try:
        await case_handle(context.temporal, intake.case.case_number).signal(
            "duplicate_complaint", DuplicateComplaint(complaint_id=intake.joined_complaint_id, channel=channel)
        )
    except RPCError as exc:
        log.warning(
            "complaint %s joined %s; Temporal unavailable (%s)",
            intake.joined_complaint_id,
            intake.case.case_number,
            exc,
        )


async def start_or_defer(context: AppContext, case_number: str) -> bool:
    """Starts the stored case's workflow; False when Temporal is unavailable and the reconciler will start it."""
    settings = context.settings
    try:
        await asyncio.wait_for(
            launch_case(context.temporal, settings.temporal_task_queue, context.sessions, context.policy, case_number),
            timeout=settings.temporal_start_timeout_seconds,
        )
    except (RPCError, RuntimeError, TimeoutError) as exc:
        log.warning("case %s stored; Temporal unavailable (%s); the reconciler will start it", case_number, exc)
        return False
    return True


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
    if not await start_or_defer(context, case.case_number):
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
