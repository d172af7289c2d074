"""The officer's work queue: which cases wait on a visit and on which day (domain/work_queue.py), and the queue
in a real browser at phone width: a first inspection, an appointment and a reinspection, picked from the queue
and visited in route order."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, expect
from temporalio.testing import WorkflowEnvironment

from domain.stages import CaseStage
from domain.work_queue import OpenCase, VisitKind, visit_needed, work_queue
from tests.conftest import Api, make_settings
from tests.helpers import eventually
from tests.test_api_complaints import MAPLE
from tests.test_browser import Person, browser, clock, no_sideways_scroll, system  # noqa: F401

ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=ZONE)


def triaged(answer: httpx.Response) -> bool:
    return bool(answer.json()["stage"] == "investigating")


def case(number: str, stage: CaseStage, due: datetime | None, appointment: datetime | None = None) -> OpenCase:
    """A case whose visit (if its stage waits on one) is due at `due`, in the column its stage reads."""
    return OpenCase(
        number,
        stage,
        response_due_at=due if stage is CaseStage.INVESTIGATING else None,
        next_deadline=due,
        compliance_deadline=due if stage is CaseStage.AWAITING_COMPLIANCE else None,
        appointment=appointment,
    )


def test_only_cases_that_wait_on_a_visit_are_in_the_queue() -> None:
    first = visit_needed(case("A", CaseStage.INVESTIGATING, NOW))
    booked = visit_needed(case("B", CaseStage.INVESTIGATING, NOW + timedelta(days=5), NOW + timedelta(hours=5)))
    reinspect = visit_needed(case("C", CaseStage.REINSPECTION_DUE, NOW + timedelta(days=2)))
    at_deadline = visit_needed(case("D", CaseStage.AWAITING_COMPLIANCE, NOW + timedelta(days=14)))
    assert first is not None and first.kind is VisitKind.FIRST_INSPECTION and first.due == NOW
    # An appointment made with the owner is kept at its time, whatever the response target.
    assert booked is not None and booked.kind is VisitKind.APPOINTMENT and booked.due == NOW + timedelta(hours=5)
    assert reinspect is not None and reinspect.kind is VisitKind.REINSPECTION
    assert at_deadline is not None and at_deadline.due == NOW + timedelta(days=14)
    for stage in (CaseStage.NOTICE_ISSUED, CaseStage.HEARING, CaseStage.CLOSURE_REVIEW, CaseStage.COST_RECOVERY):
        assert visit_needed(case("E", stage, NOW)) is None  # these wait on paper, a hearing or a payment


def test_the_queue_puts_overdue_visits_today_and_the_rest_on_their_days() -> None:
    queue = work_queue(
        [
            case("late", CaseStage.INVESTIGATING, NOW - timedelta(days=3)),
            case("tonight", CaseStage.REINSPECTION_DUE, NOW + timedelta(hours=8)),
            case("booked", CaseStage.INVESTIGATING, NOW + timedelta(days=9), NOW + timedelta(days=2)),
            case("week", CaseStage.AWAITING_COMPLIANCE, NOW + timedelta(days=6)),
            case("month", CaseStage.AWAITING_COMPLIANCE, NOW + timedelta(days=30)),
            case("paper", CaseStage.VIOLATION_FOUND, NOW),
        ],
        NOW.date(),
        ZONE,
    )
    assert [v.case_number for v in queue.today] == ["late", "tonight"]  # the most overdue first
    assert [(day, [v.case_number for v in visits]) for day, visits in queue.coming] == [
        (NOW.date() + timedelta(days=2), ["booked"]),
        (NOW.date() + timedelta(days=6), ["week"]),
    ]
    assert [v.case_number for v in queue.later] == ["month"]


async def test_the_officers_queue_on_a_phone_in_route_order(
    browser: Browser,  # noqa: F811
    system: str,  # noqa: F811
    clock: WorkflowEnvironment,  # noqa: F811
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    # Along W 14th St from the office: 128, then 212, then 988. Each kind of visit at one of them, filed out of order.
    first, reinspection, appointment = "128 W 14th St", "212 W 14th St", "988 W 14th St"
    async with httpx.AsyncClient(base_url=system, timeout=30) as http:
        api = Api(http, make_settings(sqlite_url, clock.client.service_client.config.target_host))
        cases = {}
        for address in (appointment, reinspection, first):
            filed = await api.post("/api/v1/complaints", "clerk", json={**MAPLE, "address": address})
            case = cases[address] = filed.json()["case_number"]
            await eventually(partial(api.get, f"/api/v1/cases/{case}", "clerk"), until=triaged)
            moved = await api.post(
                f"/api/v1/cases/{case}/actions/reassign", "supervisor", json={"officer_badge": "CE-101"}
            )
            assert moved.status_code == 200, moved.text

        async def officer_does(address: str, action: str, **body: object) -> None:
            done = await api.post(f"/api/v1/cases/{cases[address]}/actions/{action}", "officer", json=body)
            assert done.status_code == 200, done.text

        at_three = datetime.now(ZONE).replace(hour=15, minute=0, second=0, microsecond=0)
        await officer_does(appointment, "schedule_inspection", scheduled_for=at_three.isoformat())
        await officer_does(reinspection, "record_inspection", violation_found=True, findings="Grass 14 in.")
        await officer_does(reinspection, "issue_notice")
        await officer_does(reinspection, "record_service", method="personal")

    officer = await Person.signed_in(browser, system, "officer")
    page = officer.page
    await page.goto("/my-day")
    await no_sideways_scroll(page)
    route = page.locator("ol.visits > li")
    await expect(route).to_have_count(1)  # only the appointment is today's until the officer picks more
    await expect(route.first).to_contain_text(f"{appointment} · Inspection appointment")
    await expect(route.first).to_contain_text("at 15:00")
    for address in (first, reinspection):
        await page.get_by_role("checkbox", name=address).check()
    await officer.shot("queue-picking")
    await page.get_by_role("button", name="Plan today's route").click()
    await expect(route).to_have_count(3)
    texts = await route.all_inner_texts()
    assert [t.split(" · ")[:2] for t in texts] == [
        [first, "First inspection"],
        [reinspection, "Reinspection"],
        [appointment, "Inspection appointment"],
    ]
    assert await page.locator("svg circle").count() == 3
    await no_sideways_scroll(page)
    await officer.shot("queue-route")
