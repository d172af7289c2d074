"""Staff actions on a case and events staff enter for people outside: one path for the JSON API and the console.

Each action is a workflow update: the workflow's validator decides, and a refusal comes back as 409 with the rule's
own words. Both callers answer HTTP, so the errors are FastAPI's (404, 403, 409, 503, and 422 naming the field).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain import actions as act
from domain.access import CASE_EVENT_ROLES, Role
from domain.case import CaseSnapshot
from domain.evidence import PHOTO_TYPES, EvidenceSource
from domain.staff_actions import STAFF_ACTIONS
from domain.text import nul_errors
from records.db import transaction
from records.evidence import Evidence
from records.staff_entries import earlier_entries, record_entry, withdraw_entry
from records.tables import Case, Officer, User
from services.context import AppContext
from services.temporal_client import case_handle

# Events from outside that staff may enter on someone's behalf: the entry's body (stricter than the signal's: it says
# who from, how it reached us and the facts), with who may enter them (domain/access).
_EVENT_BODIES: dict[str, type[act.StaffEntry]] = {
    "owner_reported_compliance": act.OwnerReportedComplianceEntry,
    "extension_requested": act.ExtensionRequestedEntry,
    "appeal_filed": act.AppealFiledEntry,
    "payment_received": act.PaymentReceivedEntry,
}
CASE_EVENTS: dict[str, tuple[type[act.StaffEntry], frozenset[Role]]] = {
    event: (model, CASE_EVENT_ROLES[event]) for event, model in _EVENT_BODIES.items()
}


def _validated(model: type[BaseModel], payload: dict[str, Any] | None) -> BaseModel:
    """The body as its model; text with a NUL character is refused here too, as a console's multipart form may carry
    it (no workflow could ever record it: its timeline is in PostgreSQL)."""
    unstorable = nul_errors(payload or {}, "body")
    if unstorable:
        raise RequestValidationError(unstorable)
    try:
        return model.model_validate(payload or {})
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None


def _check_role(name: str, allowed: frozenset[Role], user: User) -> None:
    if user.role not in allowed:
        roles = ", ".join(sorted(r.value for r in allowed))
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"Your role ({user.role}) may not {name}; it needs: {roles}."
        )


def _case_and_officer(context: AppContext, case_number: str, badge: str | None) -> act.OfficerChoice | None:
    with context.sessions() as session:
        if session.get(Case, case_number) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
        if badge is None:
            return None
        officer = session.exec(select(Officer).where(Officer.badge == badge, Officer.active)).first()
    if officer is None or officer.id is None:
        raise RequestValidationError(
            [{"loc": ("body", "officer_badge"), "msg": f"no active officer has badge {badge!r}", "type": "value_error"}]
        )
    return act.OfficerChoice(id=officer.id, badge=officer.badge, name=officer.name)


def _check_posting_photo(context: AppContext, case_number: str, body: BaseModel) -> None:
    """A posting is proved by a photo of that case, kept as posting evidence (the workflow cannot look it up)."""
    evidence_id = getattr(body, "evidence_id", None) if isinstance(body, act.RecordService) else None
    if evidence_id is None:
        return
    with context.sessions() as session:
        evidence = session.get(Evidence, evidence_id)
    reason = None
    if evidence is None or evidence.case_number != case_number:
        reason = f"case {case_number} has no evidence {evidence_id}"
    elif evidence.source != EvidenceSource.POSTING or evidence.media_type not in PHOTO_TYPES:
        reason = f"evidence {evidence_id} is not a photo of the posted notice (source {EvidenceSource.POSTING.value})"
    if reason:
        raise RequestValidationError([{"loc": ("body", "evidence_id"), "msg": reason, "type": "value_error"}])


def _reason(failure: WorkflowUpdateFailedError) -> str:
    cause = failure.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause)


def _not_running(exc: RPCError, case_number: str) -> HTTPException:
    if exc.status is RPCStatusCode.NOT_FOUND:
        return HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"Case {case_number} is closed or not started yet; no action can change it.",
        )
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, detail="The case engine is unavailable; try again shortly."
    )


async def take_action(
    context: AppContext, user: User, case_number: str, action: str, payload: dict[str, Any] | None
) -> CaseSnapshot:
    """The one path of a staff action, for the JSON API and the console: role, body, then the workflow's update.
    Raises HTTPException (404, 403, 409 with the rule's words, 503) or RequestValidationError (422)."""
    kind = STAFF_ACTIONS.get(action)
    if kind is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"No action {action!r}; actions are: {', '.join(STAFF_ACTIONS)}."
        )
    _check_role(action, kind.roles, user)
    body = _validated(kind.body, payload)
    badge = getattr(body, "officer_badge", None) if kind.names_officer else None
    officer = await asyncio.to_thread(_case_and_officer, context, case_number, badge)
    await asyncio.to_thread(_check_posting_photo, context, case_number, body)
    call = act.StaffAction(
        actor=act.Actor(username=user.username, role=Role(user.role), name=user.full_name),
        body=body.model_dump(mode="json"),
        officer=officer,
    )
    try:
        return await case_handle(context.temporal, case_number).execute_update(action, call, result_type=CaseSnapshot)
    except WorkflowUpdateFailedError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=_reason(exc)) from None
    except RPCError as exc:
        raise _not_running(exc, case_number) from None


async def send_event(
    context: AppContext, user: User, case_number: str, event: str, payload: dict[str, Any] | None
) -> None:
    """The one path of an event staff enter for someone outside, for the JSON API and the console: the entry goes on
    the timeline under the staff member's name, then reaches the case as a signal. The same entry made again within
    a short time is refused (409) and not recorded twice."""
    if event not in CASE_EVENTS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"No event {event!r}; events are: {', '.join(CASE_EVENTS)}."
        )
    model, roles = CASE_EVENTS[event]
    _check_role(f"record {event}", roles, user)
    entry = _validated(model, payload)
    assert isinstance(entry, act.StaffEntry)  # the model of CASE_EVENTS
    key = await asyncio.to_thread(_enter, context, user, case_number, event, entry)
    try:
        await case_handle(context.temporal, case_number).signal(event, entry.signal())
    except RPCError as exc:
        await asyncio.to_thread(_withdraw, context, case_number, key)
        raise _not_running(exc, case_number) from None


def _enter(context: AppContext, user: User, case_number: str, event: str, entry: act.StaffEntry) -> str:
    body = entry.model_dump(mode="json")
    now = datetime.now(UTC)
    with transaction(context.sessions) as session:
        case = session.get(Case, case_number)
        if case is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
        earlier = earlier_entries(session, case_number, now - act.REPEAT_WINDOW)
        repeat = act.repeated_entry(earlier, event, body, now)
        if repeat:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=f"Not recorded again: {repeat}.")
        via = entry.received_via.value.replace("_", " ")
        summary = f"{event.replace('_', ' ').capitalize()}, entered for {entry.on_behalf_of} (by {via}): "
        return record_entry(session, case, event, body, user, summary + entry.facts(), now)


def _withdraw(context: AppContext, case_number: str, key: str) -> None:
    with transaction(context.sessions) as session:
        withdraw_entry(session, case_number, key)
