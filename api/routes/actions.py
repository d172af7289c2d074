"""Staff actions on a case (`POST /api/v1/cases/{case_number}/actions/{action}`) and events staff enter for
people outside (`/events/{event}`): appeals and extension requests received by mail, payments at the counter.

Each calls the one staff-action path (services/staff_actions.py), which the console uses too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import BaseModel

from api.deps import NOT_FOUND, REFUSED_BY_RULE, STAFF_ROLE, ContextDep, CurrentUser
from domain.case import CaseSnapshot, HumanStep
from services.staff_actions import send_event, take_action

router = APIRouter(prefix="/api/v1/cases", tags=["case actions"], responses=STAFF_ROLE | NOT_FOUND | REFUSED_BY_RULE)


class ActionResult(BaseModel):
    case_number: str
    stage: str
    stage_label: str
    waiting_on: HumanStep | None
    next_deadline: datetime | None
    compliance_deadline: datetime | None
    overdue: bool
    balance: Decimal

    @classmethod
    def of(cls, snapshot: CaseSnapshot) -> ActionResult:
        state = snapshot.state
        return cls(
            case_number=state.case_number,
            stage=state.stage.value,
            stage_label=state.stage.label,
            waiting_on=snapshot.waiting_on,
            next_deadline=snapshot.next_deadline,
            compliance_deadline=state.compliance_deadline,
            overdue=state.overdue,
            balance=snapshot.balance,
        )


@router.post("/{case_number}/actions/{action}")
async def perform_action(
    case_number: str,
    action: str,
    context: ContextDep,
    user: CurrentUser,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
) -> ActionResult:
    return ActionResult.of(await take_action(context, user, case_number, action, payload))


@router.post("/{case_number}/events/{event}", status_code=status.HTTP_202_ACCEPTED)
async def record_event(
    case_number: str,
    event: str,
    context: ContextDep,
    user: CurrentUser,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, str]:
    await send_event(context, user, case_number, event, payload)
    return {"case_number": case_number, "event": event, "status": "delivered to the case"}
