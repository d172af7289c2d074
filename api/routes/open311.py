"""Open311 GeoReport v2 at `/open311/v2/`: the city's services and its cases for 311 apps, JSON or XML.

Reading needs no key; creating a request needs an `api_key` issued by an administrator. A request's id is
its case number; `jurisdiction_id` is accepted and ignored, as one endpoint serves one city.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response

from api.body_limit import BodyLimit
from api.deps import ContextDep
from api.open311_format import PREFIX, Format, Open311Error, Open311Route, Params, open311_refusal, render
from api.open311_intake import submit
from api.open311_views import definition, discovery, service, service_request
from domain.open311 import MAX_ROWS, parse_instant, request_window
from records.open311 import RequestFilter, case_of_token, media_urls, service_requests
from services.context import AppContext

router = APIRouter(
    prefix=PREFIX,
    tags=["open311"],
    route_class=Open311Route,
    responses=open311_refusal(400, "A parameter the specification refuses; each error says which and why")
    | open311_refusal(404, "No such service, request or token, or a format other than .json or .xml"),
)


def _zone(context: AppContext) -> ZoneInfo:
    return ZoneInfo(context.city.timezone)


@router.get("/discovery.{fmt}")
def get_discovery(fmt: Format, request: Request, context: ContextDep) -> Response:
    changed = datetime.fromtimestamp(context.settings.policy_file.stat().st_mtime, UTC)
    base = str(request.url_for("get_services", fmt="json")).removesuffix("services.json")
    return render(fmt, "discovery", discovery(base, context.city, changed, _zone(context)))


@router.get("/services.{fmt}")
def get_services(fmt: Format, context: ContextDep) -> Response:
    return render(fmt, "services", [service(v) for v in context.policy.violation_types])


@router.get("/services/{service_code}.{fmt}")
def get_service_definition(service_code: str, fmt: Format, context: ContextDep) -> Response:
    violation = context.policy.violation(service_code)
    if violation is None:
        raise Open311Error(404, f"service_code {service_code!r} not found")
    return render(fmt, "service_definition", definition(violation))


# A request is a small form (photos come by media_url): every field at its longest fits many times over.
BODY_LIMIT = BodyLimit(PREFIX + "/", 256 * 1024, "a service request is a form of text, with photos given by media_url")
# The specification's POST is a form; parameters may also come in the query string, with no body at all.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@router.post(
    "/requests.{fmt}", responses=open311_refusal(403, "No api_key, or one unknown or revoked; the city issues keys")
)
async def post_request(fmt: Format, request: Request, context: ContextDep) -> Response:
    content_type = request.headers.get("content-type", "").strip().lower()
    if content_type and not content_type.startswith(FORM_TYPES):
        raise Open311Error(
            415, f"send the request as {' or '.join(FORM_TYPES)} (as GeoReport v2 defines it), not {content_type}"
        )
    params = Params(request.query_params, await request.form())
    return render(fmt, "service_requests", await submit(context, params))


def _filter(context: AppContext, params: Params) -> RequestFilter:
    ids = tuple(i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip())
    if ids:
        return RequestFilter(ids=ids)
    zone = _zone(context)
    try:
        start, end = (parse_instant(v, zone) if (v := params.get(n)) else None for n in ("start_date", "end_date"))
    except ValueError:
        raise Open311Error(
            400, "start_date and end_date must be ISO 8601 dates, such as 2026-11-01T00:00:00-06:00"
        ) from None
    try:
        opened_from, opened_until = request_window(start, end, datetime.now(UTC))
    except ValueError as exc:
        raise Open311Error(400, str(exc)) from None
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma separated)")
    codes = tuple(c.strip() for c in (params.get("service_code") or "").split(",") if c.strip())
    return RequestFilter(
        service_codes=codes,
        opened_from=opened_from,
        opened_until=opened_until,
        closed=None if len(statuses) != 1 else statuses == {"closed"},
        limit=MAX_ROWS,
    )


def _requests(context: AppContext, wanted: RequestFilter) -> list[dict[str, object]]:
    zone = _zone(context)
    with context.sessions() as session:
        rows = service_requests(session, wanted)
        media = media_urls(session, [case.case_number for case, _ in rows])
    return [
        service_request(case, parcel, context.policy, context.city, media.get(case.case_number), zone)
        for case, parcel in rows
    ]


@router.get("/requests.{fmt}")
async def get_requests(fmt: Format, request: Request, context: ContextDep) -> Response:
    wanted = _filter(context, Params(request.query_params))
    return render(fmt, "service_requests", await asyncio.to_thread(_requests, context, wanted))


@router.get("/requests/{service_request_id}.{fmt}")
async def get_request(service_request_id: str, fmt: Format, context: ContextDep) -> Response:
    found = await asyncio.to_thread(_requests, context, RequestFilter(ids=(service_request_id,)))
    if not found:
        raise Open311Error(404, f"service_request_id {service_request_id!r} not found")
    return render(fmt, "service_requests", found)


def _token(context: AppContext, token: str) -> str | None:
    with context.sessions() as session:
        return case_of_token(session, token)


@router.get("/tokens/{token}.{fmt}")
async def get_token(token: str, fmt: Format, context: ContextDep) -> Response:
    case_number = await asyncio.to_thread(_token, context, token)
    if case_number is None:
        raise Open311Error(404, f"token {token!r} not found")
    return render(fmt, "service_requests", [{"service_request_id": case_number, "token": token}])
