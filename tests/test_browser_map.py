"""The hot-spot map in a real browser at phone width: Leaflet, served by the app, draws the demo city's cases in
clusters on a plain background (no tile server configured, nothing fetched from the internet), a filter changes
what it shows, and the page fits the phone. The screenshot goes to test-artifacts/screenshots/map-cases.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from config.settings import CONFIG_DIR
from domain.policy import load_policy
from records.tables import Parcel
from scripts.demo_cases import demo_complaints
from tests.conftest import running_system
from tests.test_browser import Browser, Person, browser, no_sideways_scroll
from tests.test_console_pages import Seeder, seeded

__all__ = ["browser"]

DEMO = demo_complaints(load_policy(CONFIG_DIR / "policy.toml"), CONFIG_DIR / "demo_city" / "parcels.csv")
HOT_SPOT = DEMO[0]  # two more cases at its address


@pytest.fixture
async def map_system(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> AsyncIterator[str]:
    """The demo's complaints as open cases at their addresses, and two more at the first one's (a hot spot)."""
    now = datetime.now(UTC)
    with seeded(sqlite_url) as session:
        s = Seeder(session)
        for n, story in enumerate([*DEMO, HOT_SPOT, HOT_SPOT]):
            parcel = session.exec(select(Parcel).where(Parcel.address == story.address)).one()
            s.case(
                now - timedelta(days=n + 1),
                parcel=parcel,
                violation_code=story.violation.code,
                priority=story.violation.priority,
            )
    with running_system(sqlite_url, temporal_dev, worker=False) as base_url:
        yield base_url


async def drawn_cases(page: Page) -> tuple[int, int]:
    """How many cases the map draws (the cases in each cluster plus the single points) and how many clusters."""
    await expect(page.locator("#case-map[data-loaded]")).to_have_count(1)
    in_clusters = [int(text) for text in await page.locator(".marker-cluster span").all_inner_texts()]
    singles = await page.locator("#case-map .leaflet-overlay-pane path.leaflet-interactive").count()
    return sum(in_clusters) + singles, len(in_clusters)


async def test_the_map_clusters_the_demo_cases_and_follows_the_filter_on_a_phone(
    browser: Browser, map_system: str
) -> None:
    executive = await Person.signed_in(browser, map_system, "executive")
    page = executive.page
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto("/cases")
    await page.get_by_role("link", name="On the map").click()
    await expect(page.get_by_role("heading", name="Map of cases")).to_be_visible()

    everything, clusters = await drawn_cases(page)
    assert everything == len(DEMO) + 2 and clusters >= 1  # the three cases at one address always share a cluster
    await expect(page.locator("#map-count")).to_contain_text(f"{everything} cases")
    assert await page.locator(".leaflet-tile").count() == 0  # a plain background: no tile server configured
    assert all(url.startswith(map_system) for url in fetched), "the map fetched something from outside the app"
    await no_sideways_scroll(page)
    await executive.shot("map-cases")

    await page.get_by_label("Violation type").select_option(HOT_SPOT.violation.code)
    await page.get_by_role("button", name="Show").click()
    await expect(page).to_have_url(re.compile(r"/reports/map\?.*violation=" + HOT_SPOT.violation.code))
    same_type = sum(story.violation == HOT_SPOT.violation for story in DEMO) + 2
    await expect(page.locator("#map-count")).to_contain_text(f"{same_type} cases")
    assert (await drawn_cases(page))[0] == same_type < everything
    await no_sideways_scroll(page)
    await executive.shot("map-cases-filtered")
    assert not errors
