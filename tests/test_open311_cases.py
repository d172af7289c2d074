"""A 311 request is a case like any other: its workflow starts (or the reconciler starts it when Temporal was
down), its status follows the case in public words, a second report joins the open case, and no Open311
answer ever carries the complainant.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from domain.policy import Policy
from records.db import make_engine, session_factory
from records.open311 import Open311Submission
from records.tables import Case, Complainant, Complaint
from tests.conftest import Api, free_port, make_settings, open_api
from tests.helpers import eventually
from tests.test_open311 import BASE, from_xml, grass, issue_key, post
from workers.reconciler import Reconciler

PAT = {
    "first_name": "Patricia",
    "last_name": "Quinlan-Oduya",
    "email": "pat.quinlan@example.net",
    "phone": "+1 555 014 2299",
}


async def _request(api: Api, case_number: str) -> dict[str, Any]:
    answer = await api.http.get(f"{BASE}/requests/{case_number}.json")
    assert answer.status_code == 200, answer.text
    [request] = answer.json()
    return dict(request)


async def test_status_follows_the_case_in_public_words(api: Api, worker: None) -> None:
    key = await issue_key(api)
    answer = await post(api, grass(key))
    case_number = answer.json()[0]["service_request_id"]
    staff = (await api.get(f"/api/v1/cases/{case_number}", "clerk")).json()
    assert staff["timeline"][0]["summary"] == "Complaint received (open311): Long grass and weeds"

    opened = await eventually(
        lambda: _request(api, case_number), until=lambda r: r["status_notes"] != "Received – awaiting triage"
    )
    assert opened["status"] == "open" and opened["status_notes"] == "Case opened – inspection"
    assert opened["expected_datetime"] is not None  # the first-inspection target

    note = "Owner Gerald Fitch says the neighbour is feuding with him"
    closed = await api.post(
        f"/api/v1/cases/{case_number}/actions/close", "supervisor", json={"outcome": "dismissed", "reason": note}
    )
    assert closed.status_code == 200, closed.text
    done = await eventually(lambda: _request(api, case_number), until=lambda r: r["status"] == "closed")
    assert done["status_notes"] == "Closed: the case was dismissed."
    assert done["expected_datetime"] is None
    listed = (await api.http.get(f"{BASE}/requests.xml", params={"status": "closed"})).content
    assert case_number.encode() in listed and b"Fitch" not in listed and b"feuding" not in listed


async def test_a_second_report_joins_the_open_case_and_the_case_hears_of_it(api: Api, worker: None) -> None:
    key = await issue_key(api)
    first = (await post(api, grass(key))).json()[0]
    second = (await post(api, grass(key, address_string="142 MAPLE DRIVE, Riverton"))).json()[0]
    assert second["service_request_id"] == first["service_request_id"] and second["token"] != first["token"]
    assert "already has an open case" in second["service_notice"]
    tokens = [(await api.http.get(f"{BASE}/tokens/{t}.json")).json()[0] for t in (first["token"], second["token"])]
    assert {t["service_request_id"] for t in tokens} == {first["service_request_id"]}

    async def kinds() -> list[str]:
        detail = (await api.get(f"/api/v1/cases/{first['service_request_id']}", "clerk")).json()
        return [e["kind"] for e in detail["timeline"]]

    assert "duplicate_attached" in await eventually(kinds, until=lambda k: "duplicate_attached" in k)
    # Another violation type at the same property is another case.
    vehicle = {
        "api_key": key,
        "service_code": "VH-INOPERABLE",
        "address_string": "142 Maple Dr",
        "attribute[COUNT]": "2",
    }
    other = await post(api, {**vehicle, "attribute[CONDITION][]": ["PLATES", "TIRES"]})
    assert other.status_code == 200, other.text
    assert other.json()[0]["service_request_id"] != first["service_request_id"]
    with session_factory(make_engine(api.settings.database_url))() as session:
        submission = session.exec(
            select(Open311Submission).where(Open311Submission.token == other.json()[0]["token"])
        ).one()
    assert submission.answers == {"CONDITION": ["PLATES", "TIRES"], "COUNT": "2"}


async def test_a_request_made_while_temporal_is_down_keeps_its_number_and_starts_later(
    sqlite_url: str, temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    down = make_settings(sqlite_url, f"127.0.0.1:{free_port()}", temporal_start_timeout_seconds=1.0)
    async for api in open_api(down):
        key = await issue_key(api)
        answer = await post(api, grass(key))
        assert answer.status_code == 200, answer.text
        [created] = answer.json()
        assert "delayed" in created["service_notice"]
        case_number = created["service_request_id"]
        assert (await api.http.get(f"{BASE}/tokens/{created['token']}.json")).json()[0][
            "service_request_id"
        ] == case_number
        assert (await _request(api, case_number))["status_notes"] == "Received – awaiting triage"

    sessions = session_factory(make_engine(sqlite_url))
    reconciler = Reconciler(temporal_dev.client, down.temporal_task_queue, sessions, policy, 1.0)
    assert await reconciler.run_once() == [case_number]
    with sessions() as session:
        case = session.get(Case, case_number)
        assert case is not None and case.workflow_started_at is not None


async def test_no_open311_answer_carries_the_complainant(api: Api, worker: None) -> None:
    key = await issue_key(api)
    body = grass(key, description="Tall grass, call me on 555 014 2299", **PAT)
    answers: list[httpx.Response] = []
    for fmt in ("json", "xml"):
        answers.append(await post(api, body, fmt))
    created = answers[0].json()[0]
    case_number = created["service_request_id"]
    await eventually(
        lambda: _request(api, case_number), until=lambda r: r["status_notes"] == "Case opened – inspection"
    )
    for fmt in ("json", "xml"):
        for path in (
            "requests",
            f"requests/{case_number}",
            f"tokens/{created['token']}",
            "services/PS-GRASS",
            "discovery",
        ):
            answers.append(await api.http.get(f"{BASE}/{path}.{fmt}"))
        answers.append(await api.http.get(f"{BASE}/requests.{fmt}", params={"service_request_id": case_number}))
    # The complainant is on record for staff who may see it, so the scan below is not vacuous.
    with session_factory(make_engine(api.settings.database_url))() as session:
        stored = session.exec(select(Complainant).join(Complaint).where(Complaint.case_number == case_number)).all()
    assert {p.email for p in stored} == {PAT["email"]}
    for answer in answers:
        assert answer.status_code == 200, answer.text
        text = (
            answer.text
            if answer.headers["content-type"].startswith("application/json")
            else str(from_xml(answer.content))
        )
        for value in (*PAT.values(), "555 014 2299", "5550142299", "Quinlan", "Patricia", "call me"):
            assert value not in text, (answer.url, value)
