"""The reports in a real browser at phone width, as the CAO's office reads them: every report page and a drill-down
fit a phone, the filter form puts the filter in the address bar, and a number opens onto its cases.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.async_api import Browser, expect
from temporalio.testing import WorkflowEnvironment

from domain.stages import CaseStage, Outcome
from records.accounts import settle
from records.tables import LedgerLine
from services.reports import REPORTS
from tests.conftest import running_system
from tests.test_browser import Person, browser, no_sideways_scroll
from tests.test_console_pages import Seeder, seeded

__all__ = ["browser"]


@pytest.fixture
async def reports_system(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> AsyncIterator[str]:
    """The API as the README runs it, over a few cases of every kind the reports count."""
    now = datetime.now(UTC)
    with seeded(sqlite_url) as session:
        s = Seeder(session)
        for n in range(6):
            case = s.case(
                now - timedelta(days=3 * n + 1), response_due_at=now - timedelta(days=3 * n), priority=1 + n % 3
            )
            s.event(case, "inspection_violation_found", now - timedelta(days=3 * n, hours=12))
        s.case(now - timedelta(days=500), CaseStage.HEARING, waiting_on="hearing officer")
        fined = s.case(
            now - timedelta(days=40),
            CaseStage.CLOSED,
            closed_at=now - timedelta(days=2),
            outcome=Outcome.ORDER_COMPLIANCE,
        )
        session.add(
            LedgerLine(
                case_number=fined.case_number,
                event_key="fine-1",
                line=0,
                entry_type="fine",
                amount=Decimal("250.00"),
                description="fine 1",
                due_at=now + timedelta(days=20),
                recorded_at=now - timedelta(days=5),
            )
        )
        settle(session, [fined.case_number])  # as the record writer keeps what is owed
    with running_system(sqlite_url, temporal_dev, worker=False) as base_url:
        yield base_url


async def test_the_reports_fit_a_phone_and_a_filtered_number_opens_onto_its_cases(
    browser: Browser, reports_system: str
) -> None:
    executive = await Person.signed_in(browser, reports_system, "executive")
    page = executive.page
    await page.get_by_role("link", name="Reports").first.click()
    await expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    await no_sideways_scroll(page)
    await executive.shot("page-reports")

    for slug, kind in REPORTS.items():
        await page.goto(f"/reports/{slug}")
        await expect(page.get_by_role("heading", name=kind.title)).to_be_visible()
        await no_sideways_scroll(page)
        await executive.shot(f"page-report-{slug}")

    await page.goto("/reports/first-inspection")
    await page.get_by_label("Period").select_option("last_12_months")
    await page.get_by_label("Priority", exact=True).select_option("1")
    await page.get_by_role("button", name="Show").click()
    await expect(page).to_have_url(re.compile(r"period=last_12_months.*priority=1"))
    row = page.get_by_role("row", name=re.compile("^All priorities: median"))
    link = row.get_by_role("link")
    await expect(link).to_have_text("2 cases")
    await link.click()
    await expect(page.get_by_role("heading", name=re.compile("^All priorities: median"))).to_be_visible()
    await expect(page).to_have_url(re.compile(r"priority=1.*figure=all-median"))
    assert await page.locator("a.case-number").count() == 2
    await no_sideways_scroll(page)
    await executive.shot("page-report-drill-down")
