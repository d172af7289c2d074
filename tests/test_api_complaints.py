"""Filing complaints and reading cases through the JSON API, against the real dev server and a worker."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import Api
from tests.helpers import eventually

MAPLE = {
    "violation_code": "PS-GRASS",
    "address": "142 Maple Dr",
    "description": "Grass over a foot tall",
    "channel": "phone",
}


async def test_a_clerk_files_a_complaint_and_the_case_is_triaged(api: Api, worker: None) -> None:
    answer = await api.post(
        "/api/v1/complaints",
        "clerk",
        json={**MAPLE, "complainant": {"name": "Pat Neighbour", "email": "pat@example.com", "phone": "+15550100200"}},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["case_number"].startswith("CE-") and len(body["case_number"]) == len("CE-2026-000123")
    assert body["stage"] == "received"
    assert len(body["tracking_code"]) == 10

    async def case() -> dict[str, Any]:
        return (await api.get(f"/api/v1/cases/{body['case_number']}", "officer")).json()

    detail = await eventually(case, until=lambda c: c["stage"] == "investigating")
    assert detail["priority"] == 3 and detail["category"] == "III"
    assert detail["violation"]["code"] == "PS-GRASS"
    assert detail["assigned_officer"]["badge"]
    assert detail["parcel"]["address"] == "142 Maple Dr"
    assert detail["owner"]["name"]
    [deadline] = detail["deadlines"]
    assert deadline["kind"] == "first_inspection"
    # Due when the city's office closes, whatever the server's time zone.
    due = datetime.fromisoformat(deadline["due_at"]).astimezone(ZoneInfo("America/Chicago"))
    assert (due.hour, due.minute) == (17, 0) and due.weekday() < 5
    assert detail["workflow_started"] is True
    assert detail["temporal_ui_url"].endswith(f"/workflows/{body['case_number']}")
    assert [e["kind"] for e in detail["timeline"]] == ["complaint_received", "triaged"]
    # The complainant's identity is kept apart from the case: not in the staff case view either.
    assert "Pat Neighbour" not in str(detail) and "pat@example.com" not in str(detail)


async def test_case_numbers_are_sequential_and_a_point_finds_its_parcel(api: Api, worker: None) -> None:
    first = (await api.post("/api/v1/complaints", "officer", json=MAPLE)).json()["case_number"]
    parcels = (await api.get("/api/v1/parcels", "clerk", params={"q": "142 Maple"})).json()
    point = {"lat": parcels[0]["lat"] + 0.0001, "lon": parcels[0]["lon"]}
    # Another problem at the same property: a case of its own (the same problem would join the first).
    refuse = {**MAPLE, "violation_code": "PS-REFUSE", "address": point, "channel": "open311"}
    second = await api.post("/api/v1/complaints", "clerk", json=refuse)
    assert second.status_code == 201, second.text
    assert int(second.json()["case_number"][-6:]) == int(first[-6:]) + 1
    detail = await eventually(
        lambda: _json(api.get(f"/api/v1/cases/{second.json()['case_number']}", "clerk")),
        until=lambda c: c["stage"] == "investigating",
    )
    assert detail["parcel"]["address"] == "142 Maple Dr"


async def _json(response: Awaitable[httpx.Response]) -> Any:
    return (await response).json()


async def test_a_complaint_about_a_problem_with_an_open_case_joins_that_case(api: Api, worker: None) -> None:
    first = await api.post("/api/v1/complaints", "clerk", json=MAPLE)
    assert first.status_code == 201 and first.json()["joined_open_case"] is False
    case_number = first.json()["case_number"]
    again = await api.post("/api/v1/complaints", "officer", json={**MAPLE, "channel": "email"})
    assert again.status_code == 200, again.text
    assert again.json()["case_number"] == case_number and again.json()["joined_open_case"] is True

    async def kinds() -> list[str]:
        return [e["kind"] for e in (await api.get(f"/api/v1/cases/{case_number}", "clerk")).json()["timeline"]]

    assert "duplicate_attached" in await eventually(kinds, until=lambda k: "duplicate_attached" in k)


async def test_a_new_case_beside_the_open_one_needs_a_reason_and_keeps_it(api: Api, worker: None) -> None:
    case_number = (await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"]
    unexplained = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "open_new_case": True})
    assert unexplained.status_code == 422
    [error] = unexplained.json()["detail"]
    assert error["loc"] == ["body", "reason"] and "why a new case" in error["msg"]

    reason = "The rear lot is a separate yard, fenced off and reported by another tenant"
    separate = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "open_new_case": True, "reason": reason})
    assert separate.status_code == 201, separate.text
    assert separate.json()["case_number"] != case_number and separate.json()["joined_open_case"] is False
    timeline = (await api.get(f"/api/v1/cases/{separate.json()['case_number']}", "clerk")).json()["timeline"]
    [beside] = [e for e in timeline if e["kind"] == "opened_beside_open_case"]
    assert reason in beside["summary"] and case_number in beside["summary"]


async def test_an_unknown_violation_code_is_refused_with_the_valid_codes(api: Api) -> None:
    answer = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "violation_code": "GRASS"})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "violation_code"]
    assert (
        "unknown violation code 'GRASS'" in error["msg"] and "PS-GRASS" in error["msg"] and "BD-UNSAFE" in error["msg"]
    )


async def test_an_address_outside_the_city_is_refused_and_says_so(api: Api) -> None:
    far = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "address": {"lat": 40.0, "lon": -75.0}})
    assert far.status_code == 422
    [error] = far.json()["detail"]
    assert error["loc"] == ["body", "address"] and "outside the City of Riverton" in error["msg"]

    typo = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "address": "142 Mapel Drive"})
    assert typo.status_code == 422
    assert "is not an address in the City of Riverton" in typo.json()["detail"][0]["msg"]

    nonsense = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "address": "9999 Maple Dr"})
    [error] = nonsense.json()["detail"]
    assert "did you mean" in error["msg"] and "Maple Dr" in error["msg"]


async def test_schema_errors_name_the_field(api: Api) -> None:
    answer = await api.post(
        "/api/v1/complaints",
        "clerk",
        json={**MAPLE, "channel": "carrier pigeon", "description": "", "complainant": {"email": "not-an-email"}},
    )
    assert answer.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in answer.json()["detail"]}
    assert {("channel",), ("description",), ("complainant", "email")} <= fields


async def test_nothing_is_stored_for_a_refused_complaint(api: Api) -> None:
    before = (await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"]
    await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "violation_code": "NOPE"})
    after = (await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "violation_code": "PS-REFUSE"})).json()[
        "case_number"
    ]
    assert int(after[-6:]) == int(before[-6:]) + 1


async def test_access_is_checked_on_every_route(api: Api) -> None:
    assert (await api.http.post("/api/v1/complaints", json=MAPLE)).status_code == 401
    assert (await api.http.get("/api/v1/violation-types")).status_code == 401
    bad = await api.http.get("/api/v1/violation-types", headers={"Authorization": "Bearer forged.token.value"})
    assert bad.status_code == 401
    refused = await api.post("/api/v1/complaints", "finance", json=MAPLE)
    assert refused.status_code == 403 and "finance" in refused.json()["detail"]
    assert (await api.post("/api/v1/complaints", "hearing", json=MAPLE)).status_code == 403
    wrong = await api.http.post("/api/v1/auth/token", data={"username": "clerk", "password": "nope"})
    assert wrong.status_code == 401


async def test_unknown_case_is_404(api: Api) -> None:
    answer = await api.get("/api/v1/cases/CE-2026-999999", "supervisor")
    assert answer.status_code == 404 and "CE-2026-999999" in answer.json()["detail"]


async def test_reference_data_for_intake_forms(api: Api) -> None:
    types = (await api.get("/api/v1/violation-types", "clerk")).json()
    assert len(types) >= 12
    unsafe = next(t for t in types if t["code"] == "BD-UNSAFE")
    assert unsafe["category"] == "I" and unsafe["priority"] == 1 and unsafe["response_target_business_days"] == 1
    parcels = (await api.get("/api/v1/parcels", "clerk", params={"q": "maple", "limit": 5})).json()
    assert 1 <= len(parcels) <= 5 and all("MAPLE" in p["address"].upper() for p in parcels)
    assert "owner_name" not in parcels[0]
    assert (await api.get("/api/v1/parcels", "clerk", params={"q": "maple", "limit": 500})).status_code == 422
