"""The intake form: complaints taken by phone, at the counter, by e-mail or from a council office.

It files through the intake service every channel uses (validation, storage, the workflow's start). Before a
second case is opened about the same property and violation, the clerk is shown the open one and may
attach the complaint to it instead (the case hears of it by its `duplicate_complaint` signal).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep
from api.form_errors import human_errors, sentence
from api.schemas import ComplaintCreate
from domain.access import console_page_roles
from domain.stages import CaseStage, Channel
from records.intake import open_case_for, parcel_by_address, search_parcels
from records.tables import Case, User
from services.context import AppContext
from services.intake import RefusedField, dispatch, store_report

router = APIRouter(include_in_schema=False)
INTAKE = console_page_roles("/intake")
# Channels staff take complaints from; the portal and Open311 file their own.
STAFF_CHANNELS = (Channel.PHONE, Channel.WALK_IN, Channel.EMAIL, Channel.COUNCIL)
SUGGESTIONS = 8
LABELS = {
    "channel": "Received by",
    "address": "Address",
    "violation_code": "Violation",
    "description": "Description",
    "name": "Name",
    "email": "E-mail",
    "phone": "Phone",
}


def _page(
    request: Request,
    context: AppContext,
    user: User,
    form: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    open_case: tuple[Case, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = {
        "title": "New complaint",
        "channels": [(c.value, c.value.replace("_", " ")) for c in STAFF_CHANNELS],
        "violations": [(v.code, f"{v.title} ({v.section})") for v in context.policy.violation_types],
        "form": form,
        "errors": errors or {},
        "open_case": open_case,
    }
    return render(request, "console/intake.html", user, values, status_code=status_code)


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request, context: ContextDep, user: Annotated[User, staff(INTAKE)]) -> Response:
    return _page(request, context, user, {"channel": Channel.PHONE.value})


@router.get("/intake/parcels")
def parcel_suggestions(context: ContextDep, _user: Annotated[User, staff(INTAKE)], q: str = "") -> Response:
    """Addresses as the clerk types (the form's datalist); the chosen address is matched again on filing."""
    if len(q.strip()) < 2:
        return JSONResponse([])
    with context.sessions() as session:
        parcels = search_parcels(session, q, SUGGESTIONS)
    return JSONResponse([{"address": p.address, "zone": p.zone_code, "owner": p.owner_name} for p in parcels])


def _complaint(form: dict[str, str]) -> ComplaintCreate:
    person = {key: form[key] for key in ("name", "email", "phone") if form.get(key, "").strip()}
    return ComplaintCreate.model_validate(
        {
            "channel": form.get("channel", ""),
            "address": form.get("address", ""),
            "violation_code": form.get("violation_code", ""),
            "description": form.get("description", ""),
            "complainant": person or None,
        }
    )


def _open_case(context: AppContext, body: ComplaintCreate) -> tuple[Case, str] | None:
    with context.sessions() as session:
        parcel = parcel_by_address(session, body.address) if isinstance(body.address, str) else None
        case = open_case_for(session, parcel.parcel_id, body.violation_code) if parcel else None
        return (case, CaseStage(case.stage).label) if case else None


@router.post("/intake", dependencies=[CsrfChecked])
async def file_from_intake(request: Request, context: ContextDep, user: Annotated[User, staff(INTAKE)]) -> Response:
    sent = await request.form()
    form = {key: str(sent.get(key, "")) for key in LABELS}
    decision = str(sent.get("decision", ""))
    try:
        body = _complaint(form)
    except ValidationError as exc:
        errors = human_errors(exc.errors(), LABELS)
        return _page(request, context, user, form, errors=errors, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if decision == "":
        existing = await asyncio.to_thread(_open_case, context, body)
        if existing is not None:
            return _page(request, context, user, form, open_case=existing, status_code=status.HTTP_409_CONFLICT)
    try:
        filed = await asyncio.to_thread(
            store_report, context, body.report(), user.id, join_open_case=decision == "attach"
        )
    except RefusedField as exc:
        errors = {exc.field: sentence(exc.message)}
        return _page(request, context, user, form, errors=errors, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    number = filed.case.case_number
    started = await dispatch(context, filed)
    if filed.joined_open_case:
        return RedirectResponse(f"/cases/{number}?done=complaint_attached", status_code=status.HTTP_303_SEE_OTHER)
    done = "complaint_filed" if started else "complaint_saved_case_starts_when_the_engine_is_back"
    return RedirectResponse(f"/cases/{number}?done={done}", status_code=status.HTTP_303_SEE_OTHER)
