"""What Open311 shows of the city's services and cases. These dicts decide what leaves the server: the
parcel's public address and position, the case's public stage and outcome; never a complainant, the owner,
a description typed by a resident or a clerk, or a staff note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.city import City
from domain.open311 import SPECIFICATION, status_notes
from domain.policy import Policy, ViolationType
from domain.stages import CaseStage, Outcome
from records.tables import Case, Parcel

# Until the first inspection, the response target is the date a resident can expect the city to act.
_AWAITING_INSPECTION = {CaseStage.RECEIVED, CaseStage.INVESTIGATING}


def instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def discovery(base_url: str, city: City, changeset: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "changeset": instant(changeset, zone),
        "contact": f"{city.department}, {city.name}: {city.phone}, {city.email}",
        "key_service": f"API keys are issued by the {city.name} ({city.email}).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": instant(changeset, zone),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_notice(violation: ViolationType) -> str:
    days = violation.response_target_business_days
    when = "the next business day" if days <= 1 else f"{days} business days"
    return f"An officer responds within {when} ({violation.section})."


def service(violation: ViolationType) -> dict[str, Any]:
    return {
        "service_code": violation.code,
        "service_name": violation.title,
        "description": violation.description or None,
        "metadata": bool(violation.questions),
        "type": "realtime",
        "keywords": None,
        "group": violation.specialty.replace("_", " ").capitalize(),
    }


def definition(violation: ViolationType) -> dict[str, Any]:
    return {
        "service_code": violation.code,
        "attributes": [
            {
                "variable": True,
                "code": question.code,
                "datatype": question.kind.value,
                "required": question.required,
                "datatype_description": question.help or None,
                "order": order,
                "description": question.prompt,
                "values": [{"key": c.key, "name": c.name} for c in question.choices],
            }
            for order, question in enumerate(violation.questions, start=1)
        ],
    }


def service_request(
    case: Case, parcel: Parcel, policy: Policy, city: City, media_url: str | None, zone: ZoneInfo
) -> dict[str, Any]:
    stage = CaseStage(case.stage)
    violation = policy.violation(case.violation_code)
    closed = case.closed_at is not None
    return {
        "service_request_id": case.case_number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes(stage, Outcome(case.outcome) if case.outcome else None),
        "service_name": violation.title if violation else case.violation_code,
        "service_code": case.violation_code,
        "description": None,
        "agency_responsible": city.department,
        "service_notice": service_notice(violation) if violation else None,
        "requested_datetime": instant(case.opened_at, zone),
        "updated_datetime": instant(case.closed_at if closed else case.updated_at, zone),
        "expected_datetime": instant(case.response_due_at, zone) if stage in _AWAITING_INSPECTION else None,
        "address": f"{parcel.address}, {city.short_name}, {city.state}",
        "address_id": parcel.parcel_id,
        "zipcode": None,
        "lat": parcel.lat,
        "long": parcel.lon,
        "media_url": media_url,
    }
