"""The resident portal (`/portal/`): report a problem without an account, follow it by tracking code, and see
the cases at an address. Pages are server-rendered with their own small layout; every public page is
rate-limited per client, and what people type is stored as typed and escaped when shown.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.body_limit import BodyLimit, BodyTooLarge
from api.deps import ContextDep, SessionDep
from api.form_errors import WHEN_EMPTY, human_errors, sentence
from api.portal_pages import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    message_page,
    page,
    read_form,
    read_photos,
    text_fields,
)
from api.rate_limit import PAGES, REPORTS, RateLimited, limit
from api.schemas import ComplaintCreate, GeoPoint
from domain.case_numbers import is_case_number
from domain.evidence import EvidenceSource
from domain.stages import Channel
from records.intake import search_parcels
from records.portal import case_by_tracking_code, cases_at_addresses, public_case_view
from records.tables import Case
from services.context import AppContext
from services.evidence import keep_uploads
from services.intake import RefusedField, dispatch, store_report

router = APIRouter(prefix="/portal", include_in_schema=False)
MAX_DESCRIPTION = 5000
# A request larger than every field and photo together is refused as it arrives (api/body_limit.py).
MAX_REPORT_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024
BODY_LIMIT = BodyLimit("/portal/", MAX_REPORT_BYTES, "send fewer or smaller photos")
SEARCH_RESULTS = 25
ADDRESS_SUGGESTIONS = 8
TEXT_FIELDS = ("violation_code", "address", "lat", "lon", "description", "name", "email", "phone")
# The fields as the error messages name them (api/form_errors.py).
LABELS = {
    "violation_code": "The problem",
    "address": "Street address",
    "lat": "Latitude",
    "lon": "Longitude",
    "description": "Your description",
    "photos": "Photos",
    "name": "Name",
    "email": "E-mail",
    "phone": "Phone",
}


def install(app: FastAPI) -> None:
    """A person in a browser reads a refusal for too many or too large requests as a page of the portal; a
    program gets FastAPI's JSON."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited | BodyTooLarge)
        headers = dict(exc.headers or {})
        if "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        context: AppContext = request.app.state.context
        heading = "Please wait" if isinstance(exc, RateLimited) else "Too large"
        response = message_page(request, context, heading, str(exc.detail), exc.status_code)
        response.headers.update(headers)
        return response

    app.add_exception_handler(RateLimited, refused)
    app.add_exception_handler(BodyTooLarge, refused)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, context: ContextDep) -> Response:
    limit(request, PAGES)
    return page(request, context, "home.html", {})


# --- Reporting --------------------------------------------------------------------------------------------


def _report_form(
    request: Request,
    context: AppContext,
    values: dict[str, str],
    errors: dict[str, str],
    suggestions: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        context,
        "report.html",
        {
            "violations": context.policy.violation_types,
            "values": values,
            "errors": errors,
            "labels": LABELS,
            "suggestions": suggestions or [],
            "max_description": MAX_DESCRIPTION,
            "max_photos": MAX_PHOTOS,
            "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        },
        status_code,
    )


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, context: ContextDep) -> Response:
    limit(request, PAGES)
    return _report_form(request, context, {}, {})


def _complaint_of(values: dict[str, str]) -> tuple[ComplaintCreate | None, dict[str, str]]:
    """The form as the JSON API's complaint, so both are checked by the same rules; or every field's error."""
    errors: dict[str, str] = {}
    address: str | GeoPoint = values["address"] or "-"
    if values["lat"] or values["lon"]:
        try:
            address = GeoPoint.model_validate({"lat": values["lat"] or None, "lon": values["lon"] or None})
        except ValidationError as exc:
            errors.update(human_errors(exc.errors(), LABELS))
    elif not values["address"]:
        errors["address"] = "Enter the street address, or the latitude and longitude of the spot"
    if not values["violation_code"]:
        errors["violation_code"] = WHEN_EMPTY["violation_code"]
    body = None
    try:
        body = ComplaintCreate.model_validate(
            {
                "violation_code": values["violation_code"] or "-",
                "address": address,
                "description": values["description"],
                "channel": Channel.PORTAL,
                "complainant": {k: values[k] or None for k in ("name", "email", "phone")},
            }
        )
    except ValidationError as exc:
        errors = {**human_errors(exc.errors(), LABELS), **errors}
    if body is not None and body.complainant is not None and body.complainant.is_empty:
        body = body.model_copy(update={"complainant": None})
    return (None if errors else body), errors


@router.post("/report", response_class=HTMLResponse)
async def report(request: Request, context: ContextDep) -> Response:
    await run_in_threadpool(limit, request, REPORTS)
    form = await read_form(request, MAX_PHOTOS + 1)
    values, not_text = text_fields(form, TEXT_FIELDS)
    body, invalid = _complaint_of(values)
    errors = {**invalid, **{field: sentence(reason) for field, reason in not_text.items()}}
    if values["violation_code"] and context.policy.violation(values["violation_code"]) is None:
        errors["violation_code"] = "Choose one of the problems listed"
    photos, photo_error = await read_photos([u for u in form.getlist("photos") if isinstance(u, UploadFile)])
    if photo_error:
        errors["photos"] = photo_error
    if errors or body is None:
        return _report_form(request, context, values, errors, status_code=422)
    try:
        filed = await asyncio.to_thread(
            store_report,
            context,
            body.report(),
            None,
            join_open_case=True,
            also=lambda session, filed: keep_uploads(
                session, context, filed.case.case_number, photos, EvidenceSource.PORTAL_REPORT, "public"
            ),
        )
    except RefusedField as exc:
        suggestions = _suggestions(context, values["address"]) if values["address"] else []
        return _report_form(request, context, values, {exc.field: sentence(exc.message)}, suggestions, status_code=422)
    query = "joined=1" if filed.joined_open_case else "new=1"
    if not await dispatch(context, filed):  # stored either way; the case waits for the reconciler
        query += "&delayed=1"
    return RedirectResponse(f"/portal/track/{filed.case.tracking_code}?{query}", status_code=303)


def _suggestions(context: AppContext, typed: str) -> list[str]:
    street = " ".join(word for word in typed.split() if not word.isdigit())
    with context.sessions() as session:
        return [p.address for p in search_parcels(session, street or typed, ADDRESS_SUGGESTIONS)]


@router.get("/addresses")
def addresses(
    request: Request, context: ContextDep, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> list[str]:
    """Address suggestions for the report form: street addresses only, nothing about who owns them."""
    limit(request, PAGES)
    with context.sessions() as session:
        return [p.address for p in search_parcels(session, q, ADDRESS_SUGGESTIONS)]


# --- Following a case -------------------------------------------------------------------------------------


@router.get("/track", response_class=HTMLResponse)
def track_lookup(request: Request, context: ContextDep, code: str | None = None) -> Response:
    limit(request, PAGES)
    if code:
        typed = "".join(ch for ch in code.upper() if ch.isalnum())[:40]
        return RedirectResponse(f"/portal/track/{typed}", status_code=303)
    return page(request, context, "track_lookup.html", {})


@router.get("/track/{tracking_code}", response_class=HTMLResponse)
def track(
    request: Request,
    tracking_code: str,
    context: ContextDep,
    session: SessionDep,
    new: bool = False,
    joined: bool = False,
    delayed: bool = False,
) -> Response:
    limit(request, PAGES)
    case = case_by_tracking_code(session, tracking_code) if len(tracking_code) <= 40 else None
    if case is None:
        return page(
            request,
            context,
            "track_lookup.html",
            {"error": "No case has that tracking code. Check the letters and digits and try again."},
            status.HTTP_404_NOT_FOUND,
        )
    view = public_case_view(session, case, context.policy)
    return page(request, context, "track.html", {"view": view, "new": new, "joined": joined, "delayed": delayed})


@router.get("/cases/{case_number}", response_class=HTMLResponse)
def public_case(request: Request, case_number: str, context: ContextDep, session: SessionDep) -> Response:
    """The public page as the address search links it: by case number, as anyone may see it, without the
    tracking code (which stays with the person who reported)."""
    limit(request, PAGES)
    case = session.get(Case, case_number) if is_case_number(case_number) else None
    if case is None:
        return message_page(request, context, "No such case", "No case has that number.", status.HTTP_404_NOT_FOUND)
    view = public_case_view(session, case, context.policy)
    return page(request, context, "track.html", {"view": view, "new": False, "joined": False, "delayed": False})


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    address: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    limit(request, PAGES)
    results = []
    if address and address.strip():
        results = [
            public_case_view(session, case, context.policy)
            for case, _ in cases_at_addresses(session, address, SEARCH_RESULTS)
        ]
    return page(request, context, "search.html", {"address": (address or "").strip(), "results": results})
