"""The case page leads: the next step (what the case waits for, who acts, by when) with the one action the workflow
expects first; events staff enter for someone outside name who entered them and for whom, need their facts, and are
not recorded twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect
from temporalio.testing import WorkflowEnvironment

from domain.actions import EarlierEntry, repeated_entry
from domain.case import CaseSnapshot
from domain.next_step import NextStep, primary_action
from services.temporal_client import case_handle
from tests.conftest import Api, make_settings
from tests.helpers import eventually, sign_in
from tests.test_api_complaints import MAPLE
from tests.test_browser import Person, browser, clock, no_sideways_scroll, system  # noqa: F401
from tests.test_console_cases import ACTIONS, opened
from tests.test_work_queue import triaged

EVENT = "/api/v1/cases/{}/events/owner_reported_compliance"
CALLED = {
    "on_behalf_of": "the owner, Linh Phan",
    "received_via": "phone",
    "note": "Cut the grass and took the clippings away",
    "done_on": "2026-12-02",
}
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_an_identical_entry_made_recently_is_a_repeat() -> None:
    body: dict[str, object] = {"note": "grass cut", "done_on": "2026-12-02"}
    earlier = [EarlierEntry("owner_reported_compliance", body, "Megan Price", NOW - timedelta(minutes=4))]
    refusal = repeated_entry(earlier, "owner_reported_compliance", dict(body), NOW)
    assert refusal is not None and refusal.startswith(
        "Megan Price entered the same owner reported compliance 4 minutes ago"
    )
    assert repeated_entry(earlier, "owner_reported_compliance", {**body, "note": "hedge cut too"}, NOW) is None
    assert repeated_entry(earlier, "extension_requested", body, NOW) is None
    assert repeated_entry(earlier, "owner_reported_compliance", body, NOW + timedelta(hours=1)) is None


def test_the_primary_action_is_the_one_the_workflow_waits_on_if_the_reader_may_take_it() -> None:
    close = NextStep("supervisor review", "supervisor", NOW, "close")
    assert primary_action(close, ["close", "add_note"]) == "close"
    assert primary_action(close, ["add_note"]) is None  # an officer may not close
    owner_complies = NextStep("the owner to put it right", "owner", NOW, None)
    assert primary_action(owner_complies, ["record_reinspection", "add_note"]) is None  # possible, not awaited


async def _served(api: Api) -> str:
    case = await opened(api)
    for action, body in (
        ("record_inspection", {"violation_found": True, "findings": "Grass 14 in."}),
        ("issue_notice", {}),
        ("record_service", {"method": "personal"}),
    ):
        done = await api.post(ACTIONS.format(case, action), "officer", json=body)
        assert done.status_code == 200, done.text
    return case


async def test_an_outside_event_names_who_entered_it_needs_its_facts_and_is_not_recorded_twice(
    api: Api, worker: None
) -> None:
    case = await _served(api)
    empty = await api.post(EVENT.format(case), "clerk", json={})
    assert empty.status_code == 422
    assert {error["loc"][-1] for error in empty.json()["detail"]} >= {"note", "done_on", "received_via", "on_behalf_of"}

    assert (await api.post(EVENT.format(case), "clerk", json=CALLED)).status_code == 202
    again = await api.post(EVENT.format(case), "clerk", json=CALLED)
    assert again.status_code == 409
    assert re.fullmatch(
        r"Not recorded again: Megan Price entered the same owner reported compliance (less than a minute|\d+ minutes?) "
        r"ago; .*",
        again.json()["detail"],
    )

    async def timeline() -> Any:
        return (await api.get(f"/api/v1/cases/{case}", "supervisor")).json()["timeline"]

    lines = await eventually(timeline, until=lambda t: any(e["kind"] == "owner_reported_compliance" for e in t))
    entered = [e for e in lines if e["kind"] == "entered_owner_reported_compliance"]
    assert [e["actor"] for e in entered] == ["clerk (clerk)"]
    assert entered[0]["summary"] == (
        "Owner reported compliance, entered for the owner, Linh Phan (by phone): says it was put right on "
        "2026-12-02: Cut the grass and took the clippings away"
    )
    assert [e["kind"] for e in lines].count("owner_reported_compliance") == 1  # the case heard of it once

    # Another fact is another entry.
    other = await api.post(EVENT.format(case), "clerk", json={**CALLED, "note": "Also trimmed the hedge"})
    assert other.status_code == 202

    # The case page names people, not accounts: every actor by full name and role.
    await sign_in(api.http, "supervisor")
    page = (await api.http.get(f"/cases/{case}")).text
    timeline_html = page.split('id="timeline-h"')[1]
    assert "(Megan Price, clerk)" in timeline_html and "(Dana Whitfield, officer)" in timeline_html
    assert "(clerk (clerk))" not in timeline_html and "(officer (officer))" not in timeline_html
    notices = page.split('id="notices-h"')[1].split("</section>")[0]
    assert "(Dana Whitfield, officer)" in notices and "(officer)" not in notices  # who issued the notice


async def _primary(page: Page) -> str | None:
    """The action the next-step panel puts first, by its words; None when it offers none."""
    first = page.locator("section.next-step").locator("a.button, details.primary-action > summary")
    return (await first.first.inner_text()).strip() if await first.count() else None


async def test_the_next_step_leads_to_the_action_the_workflow_expects_at_each_stage(
    browser: Browser,  # noqa: F811
    system: str,  # noqa: F811
    clock: WorkflowEnvironment,  # noqa: F811
    sqlite_url: str,
) -> None:
    officer = await Person.signed_in(browser, system, "officer")
    supervisor = await Person.signed_in(browser, system, "supervisor")
    async with httpx.AsyncClient(base_url=system, timeout=30) as http:
        api = Api(http, make_settings(sqlite_url, clock.client.service_client.config.target_host))

        async def file(address: str) -> str:
            filed = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "address": address})
            case = str(filed.json()["case_number"])
            await eventually(partial(api.get, f"/api/v1/cases/{case}", "clerk"), until=triaged)
            return case

        async def step(case: str, username: str, action: str, **body: object) -> None:
            done = await api.post(ACTIONS.format(case, action), username, json=body)
            assert done.status_code == 200, done.text

        async def leads(person: Person, case: str, stage: str, expected: str | None, shot: str) -> None:
            """The page shows the stage, and its panel puts first what the workflow waits on (or nothing)."""
            await person.page.goto(f"/cases/{case}")
            await person.until_text(stage)
            snapshot = await case_handle(clock.client, case).query("snapshot", result_type=CaseSnapshot)
            awaited = snapshot.waiting_on.action if snapshot.waiting_on else None
            assert (awaited and awaited.replace("_", " ").capitalize()) == expected, (stage, awaited)
            assert await _primary(person.page) == expected, stage
            await no_sideways_scroll(person.page)
            await person.shot(f"next-step-{shot}")

        case = await file("128 W 14th St")
        await leads(officer, case, "Case opened – inspection", "Record inspection", "1-inspection")
        await step(case, "officer", "record_inspection", violation_found=True, findings="Grass 14 in.")
        await leads(officer, case, "Violation found – notice being prepared", "Issue notice", "2-notice")
        await step(case, "officer", "issue_notice")
        await leads(officer, case, "Notice issued – awaiting service", "Record service", "3-service")
        await step(case, "officer", "record_service", method="personal")
        # The owner has time to comply: nothing is put first; a reinspection stays possible, second.
        await leads(officer, case, "Compliance period", None, "4-compliance-period")
        await expect(officer.page.locator("section.next-step")).to_contain_text("the owner (")
        await expect(officer.page.get_by_role("link", name="Record reinspection")).to_have_class(
            re.compile("secondary")
        )
        entered = await api.post(EVENT.format(case), "clerk", json=CALLED)
        assert entered.status_code == 202, entered.text
        await leads(officer, case, "Reinspection due", "Record reinspection", "5-reinspection")
        await step(case, "officer", "record_reinspection", complied=True, findings="Mowed and cleared")
        await leads(supervisor, case, "Awaiting supervisor review to close", "Close", "6-closure-review")
        # The officer may not close: the panel says whose step it is and puts nothing first.
        await officer.page.goto(f"/cases/{case}")
        assert await _primary(officer.page) is None
        await expect(officer.page.locator("section.next-step")).to_contain_text("not one your role takes")
        await expect(officer.page.locator("section.next-step")).to_contain_text("a supervisor")
        await supervisor.page.goto(f"/cases/{case}")
        await supervisor.act("Close", {"Outcome": "voluntary compliance", "Reason": "Reinspected: complied"})
        await supervisor.until_text("Closed")
        assert await supervisor.page.locator("section.next-step").count() == 0

        # An unfounded case: its review is the supervisor's, and no appeal is offered (no notice was served).
        unfounded = await file("212 W 14th St")
        await step(unfounded, "officer", "record_inspection", violation_found=False, findings="Lawn is mowed")
        await leads(supervisor, unfounded, "Awaiting supervisor review to close", "Close", "7-unfounded")
        assert "Appeal filed" not in await supervisor.page.content()
        assert "Owner reported compliance (received from outside)" in await supervisor.page.content()
