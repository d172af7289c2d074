"""Staff act on a case through the API: each action is a workflow update; refusals come back as 409 with the rule."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.helpers import eventually
from tests.test_api_complaints import MAPLE

ACTIONS = "/api/v1/cases/{}/actions/{}"


async def _opened(api: Api) -> str:
    case_number = str((await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"])

    async def stage() -> Any:
        return (await api.get(f"/api/v1/cases/{case_number}", "clerk")).json()["stage"]

    await eventually(stage, until=lambda s: s == "investigating")
    return case_number


async def test_an_officer_inspects_issues_and_serves_a_notice(api: Api, worker: None) -> None:
    case = await _opened(api)
    inspected = await api.post(
        ACTIONS.format(case, "record_inspection"),
        "officer",
        json={
            "violation_found": True,
            "findings": "Grass 14 in.",
            "checklist": {"Grass or weeds taller than 8 inches": True},
        },
    )
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["stage"] == "violation_found"
    assert inspected.json()["waiting_on"]["action"] == "issue_notice"

    issued = await api.post(ACTIONS.format(case, "issue_notice"), "officer")  # empty body: the next notice on the path
    assert issued.json()["stage"] == "notice_issued"
    served = await api.post(ACTIONS.format(case, "record_service"), "officer", json={"method": "mail"})
    assert served.status_code == 200 and served.json()["stage"] == "awaiting_compliance"
    assert served.json()["compliance_deadline"] is not None

    detail = (await api.get(f"/api/v1/cases/{case}", "supervisor")).json()
    [notice] = detail["notices"]
    assert notice["notice_type"] == "courtesy_notice" and notice["service_method"] == "mail"
    assert notice["served_by"] == "officer" and len(notice["document_sha256"]) == 64
    assert notice["created_by"] == "officer"  # who issued it, beside who served it
    assert detail["owner"]["preferred_channel"] == "email"  # the roll says how the owner wants reminders
    assert [e["kind"] for e in detail["timeline"]][-3:] == [
        "inspection_violation_found",
        "notice_issued",
        "notice_served",
    ]
    assert detail["timeline"][-1]["actor"] == "officer (officer)"


async def test_refusals_say_which_rule_refused(api: Api, worker: None) -> None:
    case = await _opened(api)
    early = await api.post(ACTIONS.format(case, "issue_fine"), "officer", json={})
    assert early.status_code == 409
    assert early.json()["detail"].startswith(
        "issue_fine is not possible while the case is at 'Case opened – inspection'"
    )

    not_a_supervisor = await api.post(
        ACTIONS.format(case, "close"), "officer", json={"outcome": "withdrawn", "reason": "x"}
    )
    assert not_a_supervisor.status_code == 403 and "supervisor" in not_a_supervisor.json()["detail"]

    wrong_outcome = await api.post(
        ACTIONS.format(case, "close"), "supervisor", json={"outcome": "prosecuted", "reason": "x"}
    )
    assert wrong_outcome.status_code == 409
    assert "can be closed as dismissed, merged_duplicate, withdrawn, not prosecuted" in wrong_outcome.json()["detail"]

    checklist = await api.post(
        ACTIONS.format(case, "record_inspection"),
        "officer",
        json={"violation_found": True, "findings": "x", "checklist": {"Dog barking": True}},
    )
    assert (
        checklist.status_code == 409
        and "'Dog barking' is not on the Long grass and weeds checklist" in checklist.json()["detail"]
    )


async def test_bad_bodies_unknown_actions_and_cases(api: Api, worker: None) -> None:
    case = await _opened(api)
    bad = await api.post(ACTIONS.format(case, "record_inspection"), "officer", json={"violation_found": "perhaps"})
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} >= {("body", "violation_found"), ("body", "findings")}
    assert (await api.post(ACTIONS.format(case, "demolish"), "supervisor")).status_code == 404
    assert (
        await api.post(ACTIONS.format("CE-2026-999999", "add_note"), "officer", json={"text": "x"})
    ).status_code == 404
    unknown_officer = await api.post(ACTIONS.format(case, "reassign"), "supervisor", json={"officer_badge": "NOPE"})
    assert unknown_officer.status_code == 422 and unknown_officer.json()["detail"][0]["loc"] == [
        "body",
        "officer_badge",
    ]


async def test_a_supervisor_reassigns_and_closes_and_the_case_is_over(api: Api, worker: None) -> None:
    case = await _opened(api)
    moved = await api.post(ACTIONS.format(case, "reassign"), "supervisor", json={"officer_badge": "CE-102"})
    assert moved.status_code == 200, moved.text
    detail = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()
    assert detail["assigned_officer"]["badge"] == "CE-102"
    closed = await api.post(
        ACTIONS.format(case, "close"), "supervisor", json={"outcome": "withdrawn", "reason": "Complainant withdrew"}
    )
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    after = await api.post(ACTIONS.format(case, "add_note"), "officer", json={"text": "late note"})
    assert after.status_code == 409 and "closed" in after.json()["detail"]


async def test_staff_enter_an_extension_request_received_by_mail(api: Api, worker: None) -> None:
    case = await _opened(api)
    await api.post(
        ACTIONS.format(case, "record_inspection"), "officer", json={"violation_found": True, "findings": "x"}
    )
    await api.post(ACTIONS.format(case, "issue_notice"), "officer")
    await api.post(ACTIONS.format(case, "record_service"), "officer", json={"method": "personal"})
    answer = await api.post(
        f"/api/v1/cases/{case}/events/extension_requested",
        "clerk",
        json={"days": 10, "reason": "Mower broken", "on_behalf_of": "the owner", "received_via": "letter"},
    )
    assert answer.status_code == 202
    assert (await api.post(f"/api/v1/cases/{case}/events/payment_received", "clerk", json={})).status_code == 403

    async def waiting() -> Any:
        return (await api.get(f"/api/v1/cases/{case}", "supervisor")).json()["waiting_on"]

    assert await eventually(waiting, until=lambda w: w == "decide the owner's extension request")
