"""Reference data intake forms need: the policy's violation types and the city's parcels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import SIGNED_IN, ContextDep, SessionDep, require
from api.schemas import ParcelPublic, ViolationTypePublic
from domain.access import READ_REFERENCE_DATA
from records.intake import search_parcels

router = APIRouter(
    prefix="/api/v1", tags=["reference"], dependencies=[Depends(require(READ_REFERENCE_DATA))], responses=SIGNED_IN
)


@router.get("/violation-types")
def list_violation_types(context: ContextDep) -> list[ViolationTypePublic]:
    return [ViolationTypePublic.of(v) for v in context.policy.violation_types]


@router.get("/parcels")
def find_parcels(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="part of a street address")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[ParcelPublic]:
    return [ParcelPublic.model_validate(p) for p in search_parcels(session, q, limit)]
