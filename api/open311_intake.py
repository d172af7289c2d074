"""POST requests: a 311 app's service request becomes a complaint through the same intake as any other.

A report about a property and violation type that already has an open case joins that case, and the app
gets that case's number. The complainant's name, e-mail and phone are kept apart like any complainant's.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from api.open311_format import Open311Error, Params
from api.open311_views import service_notice
from api.schemas import ComplainantIn
from domain.policy import ViolationType
from domain.stages import Channel
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    Place,
    UnknownPlace,
    parcel_by_address,
    place_at_address,
    place_at_point,
)
from records.open311 import Open311Key, Open311Submission, active_key, new_token
from records.tables import Parcel
from services.context import AppContext
from services.intake import Filed, dispatch, store

MAX_DESCRIPTION = 4000  # the GeoReport v2 schema's limit
MAX_MEDIA_URL = 2000
MAX_APP_ID = 200  # device_id and account_id, as the app knows its user
_COMPLAINANT_FIELDS = {"name": "first_name/last_name", "email": "email", "phone": "phone"}


@dataclass(frozen=True)
class Report:
    """A POST body checked against the service, before its place is looked up."""

    violation: ViolationType
    answers: dict[str, Any]
    description: str
    media_url: str | None
    complainant: ComplainantDetails | None
    device_id: str | None
    account_id: str | None


def check_key(context: AppContext, plain: str | None) -> Open311Key:
    if plain is None:
        raise Open311Error(403, "api_key is required to create a service request")
    with context.sessions() as session:
        key = active_key(session, plain)
    if key is None:
        raise Open311Error(403, "api_key is not valid (unknown or revoked); ask the city for a key")
    return key


def read_report(context: AppContext, params: Params) -> Report:
    code = params.get("service_code")
    if code is None:
        raise Open311Error(400, "service_code is required")
    violation = context.policy.violation(code)
    if violation is None:
        raise Open311Error(404, f"service_code {code!r} not found; GET services lists this city's services")
    errors: list[str] = []
    answers = _answers(violation, params.prefixed("attribute"), errors)
    description = params.get("description") or ""
    if len(description) > MAX_DESCRIPTION:
        errors.append(f"description is longer than {MAX_DESCRIPTION} characters")
    media_url = params.get("media_url")
    if media_url is not None and (
        len(media_url) > MAX_MEDIA_URL
        or not media_url.startswith(("https://", "http://"))
        or any(c.isspace() or not c.isprintable() for c in media_url)
    ):
        errors.append("media_url must be an http(s) URL of at most 2000 characters")
    complainant = _complainant(params, errors)
    for name in ("device_id", "account_id"):
        if len(params.get(name) or "") > MAX_APP_ID:
            errors.append(f"{name} is longer than {MAX_APP_ID} characters")
    if errors:
        raise Open311Error(400, *errors)
    return Report(
        violation=violation,
        answers=answers,
        description=description,
        media_url=media_url,
        complainant=complainant,
        device_id=params.get("device_id"),
        account_id=params.get("account_id"),
    )


def _answers(violation: ViolationType, given: dict[str, list[str]], errors: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    wrong: set[str] = set()
    for code, values in given.items():
        question = violation.question(code)
        if question is None:
            asked = ", ".join(q.code for q in violation.questions) or "none"
            errors.append(f"attribute[{code}] is not a question of {violation.code} (its questions: {asked})")
        elif any(v.strip() for v in values):
            try:
                answers[code] = question.answer(values)
            except ValueError as exc:
                errors.append(f"attribute[{code}] {exc}")
                wrong.add(code)
    for question in violation.questions:
        if question.required and question.code not in answers and question.code not in wrong:
            errors.append(f"attribute[{question.code}] is required: {question.prompt}")
    return answers


def _complainant(params: Params, errors: list[str]) -> ComplainantDetails | None:
    name = " ".join(part for part in (params.get("first_name"), params.get("last_name")) if part) or None
    try:
        person = ComplainantIn(name=name, email=params.get("email"), phone=params.get("phone"))
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = _COMPLAINANT_FIELDS.get(str(error["loc"][0]), str(error["loc"][0]))
            errors.append(f"{field}: {error['msg']}")
        return None
    return None if person.is_empty else ComplainantDetails(name=person.name, email=person.email, phone=person.phone)


def _coordinate(params: Params, name: str, limit: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(400, f"{name} {value!r} is not a WGS84 coordinate")
    return number


def locate(session: Session, context: AppContext, params: Params) -> Place:
    """address_id, else an address on the roll, else the point, else the address with suggestions."""
    lat, lon = _coordinate(params, "lat", 90), _coordinate(params, "long", 180)
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat == 0 and lon == 0:  # how San Francisco's and Bloomington's apps say "no point", not a place at sea
        lat = lon = None
    address_id, address = params.get("address_id"), params.get("address_string")
    try:
        if address_id is not None:
            parcel = session.get(Parcel, address_id)
            if parcel is None:
                raise UnknownPlace(f"address_id {address_id!r} is not a property of the {context.city.name}")
            return Place(parcel, address or parcel.address, lat, lon)
        if address is not None:
            parcel = parcel_by_address(session, address)
            if parcel is not None:
                return Place(parcel, address, lat, lon)
        if lat is not None and lon is not None:
            return place_at_point(session, context.city, lat, lon)
        if address is not None:
            return place_at_address(session, context.city, address)
    except UnknownPlace as exc:
        raise Open311Error(400, str(exc)) from None
    raise Open311Error(400, "a location is required: lat and long, address_string or address_id")


def _store(context: AppContext, params: Params, report: Report, key: Open311Key) -> tuple[Filed, str]:
    token = new_token()

    def complaint(session: Session) -> NewComplaint:
        place = locate(session, context, params)
        return place.complaint(
            report.violation,
            description=report.description,
            channel=Channel.OPEN311,
            complainant=report.complainant,
            received_by_user_id=None,
        )

    def submission(session: Session, filed: Filed) -> None:
        assert key.id is not None and filed.complaint.id is not None
        session.add(
            Open311Submission(
                token=token,
                key_id=key.id,
                complaint_id=filed.complaint.id,
                case_number=filed.case.case_number,
                answers=report.answers,
                media_url=report.media_url,
                device_id=report.device_id,
                account_id=report.account_id,
            )
        )
        used = session.get(Open311Key, key.id)
        if used is not None:
            used.last_used_at = datetime.now(UTC)
            session.add(used)

    return store(context, complaint, join_open_case=True, also=submission), token


async def submit(context: AppContext, params: Params, key: Open311Key) -> list[dict[str, Any]]:
    """Stores the request of the app holding `key` and starts (or tells) its case; the answer carries the case
    number and a token."""
    report = read_report(context, params)
    filed, token = await asyncio.to_thread(_store, context, params, report, key)
    notice = service_notice(report.violation)
    if filed.joined_open_case:
        notice = f"This property already has an open case for this problem; your report was added to it. {notice}"
    if not await dispatch(context, filed):
        notice += " Processing is delayed; the case will start automatically."
    return [{"service_request_id": filed.case.case_number, "token": token, "service_notice": notice}]
