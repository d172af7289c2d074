"""The console in a real browser (Debian's headless Chromium, driven by Playwright) at phone width, against the
real API process, the real worker and Temporal's time-skipping server: a case from the clerk's intake through
a compliance period that runs out to the officer's fine and the supervisor's dashboard; every page at phone width, and a complaint filed with the keyboard alone.
A screenshot of every page goes to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect
from temporalio.testing import WorkflowEnvironment

from config.settings import PROJECT_ROOT
from domain.case import CaseSnapshot
from records.db import make_engine, session_factory
from services.temporal_client import case_handle
from tests.conftest import running_system, start_time_skipping_server
from tests.test_evidence import photo
from workers.main import build_worker

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
PHONE = ViewportSize(width=390, height=844)
QUEUE = "browser"


@pytest.fixture
async def clock() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the browser tests' own, so the story can wait out a real compliance period; its
    own, because its workflows lose their worker when the test ends (a shared one would stall on them)."""
    env = await start_time_skipping_server()
    yield env
    await env.shutdown()


@pytest.fixture
async def system(sqlite_url: str, clock: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[str]:
    """The API as the README runs it, a real process; the worker in this process, on the same task queue,
    because the worker's command also creates the digest schedules, which the time-skipping server lacks."""
    documents = tmp_path / "documents"
    with (
        running_system(
            sqlite_url, clock, worker=False, DOCUMENT_STORE_DIR=str(documents), TEMPORAL_TASK_QUEUE=QUEUE
        ) as base_url,
        ThreadPoolExecutor(4) as executor,
    ):
        sessions = session_factory(make_engine(sqlite_url))
        async with build_worker(clock.client, QUEUE, sessions, executor, document_store=documents):
            yield base_url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        missing = "Debian's chromium is not installed (scripts/setup installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: in CI that is a broken install, not a reason to skip", pytrace=False)
        pytest.skip(missing)
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        await chromium.close()


class Person:
    """One member of staff at their own phone: a browser context of their own (their own session cookie)."""

    def __init__(self, page: Page, base_url: str, username: str) -> None:
        self.page, self.base_url, self.username = page, base_url, username

    @classmethod
    async def signed_in(cls, browser: Browser, base_url: str, username: str) -> Person:
        context = await browser.new_context(viewport=PHONE, base_url=base_url)
        person = cls(await context.new_page(), base_url, username)
        await person.page.goto("/login")
        await person.page.get_by_label("Username").fill(username)
        await person.page.get_by_label("Password").fill("demo")
        await person.page.get_by_role("button", name="Sign in").click()
        await expect(person.page.get_by_role("button", name="Sign out")).to_be_visible()
        return person

    async def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    async def until_text(self, text: str) -> None:
        """Reloads until the page shows `text` (the workflow moves on its own after a signal)."""
        for _ in range(60):
            if text in await self.page.content():
                return
            await self.page.wait_for_timeout(500)
            await self.page.reload()
        raise AssertionError(f"{text!r} never appeared on {self.page.url}")

    async def act(self, title: str, fields: dict[str, str] | None = None) -> None:
        """Opens an action's form on the case page, fills it in (by the fields' labels) and sends it."""
        form = self.page.locator("details", has=self.page.locator("summary", has_text=re.compile(f"^{title}")))
        if await form.get_attribute("open") is None:  # the step the case waits on is open already
            await form.locator("summary").click()
        for label, value in (fields or {}).items():
            field = form.get_by_label(label)
            if await field.evaluate("e => e.tagName") == "SELECT":
                await field.select_option(value)
            else:
                await field.fill(value)
        await form.get_by_role("button").click()
        await self.page.wait_for_load_state()

    async def inspect(self, case: str, verdict: str, image: bytes, tmp_path: Path, shot: str) -> None:
        await self.page.goto(f"/cases/{case}/inspect")
        for box in await self.page.get_by_role("checkbox").all():
            await box.check()
        await self.page.get_by_label(verdict).check()
        await self.page.get_by_label("Findings").fill(f"{verdict}: refuse and debris in the yard")
        picture = tmp_path / f"{shot}.jpg"
        picture.write_bytes(image)
        await self.page.get_by_label("Photos").set_input_files(str(picture))
        await self.shot(shot)
        await self.page.get_by_role("button", name=re.compile("^Record")).click()
        await self.page.wait_for_load_state()


async def test_a_case_from_intake_to_fine_in_the_browser(
    browser: Browser, system: str, clock: WorkflowEnvironment, tmp_path: Path
) -> None:
    clerk = await Person.signed_in(browser, system, "clerk")
    page = clerk.page
    await page.goto("/intake")
    await page.get_by_label("Received by").select_option("walk_in")
    await page.get_by_label("Address").fill("128 W 14th St")
    await page.get_by_label("Violation").select_option("PS-REFUSE")
    await page.get_by_label("Description").fill("Bags of rubbish and an old sofa in the front yard")
    await page.get_by_label("Name").fill("Nora Neighbour")
    await clerk.shot("01-intake")
    await page.get_by_role("button", name="File the complaint").click()
    await expect(page.get_by_role("status")).to_contain_text("complaint filed")
    case = page.url.split("/cases/")[1].split("?")[0]
    await clerk.until_text("Case opened – inspection")
    await clerk.shot("02-case-filed")

    officer = await Person.signed_in(browser, system, "officer")
    await officer.page.goto(f"/cases/{case}")
    today = datetime.now(ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M")
    await officer.act("Schedule inspection", {"Inspection at": today})
    await expect(officer.page.get_by_role("status")).to_contain_text("schedule inspection")
    await officer.page.goto("/my-day")
    await expect(officer.page.locator("ol.visits").get_by_role("link", name=case)).to_be_visible()
    await officer.shot("03-my-day")
    await officer.inspect(case, "Violation found", photo("saddlebrown", gps=True), tmp_path, "04-inspection")
    await expect(officer.page.get_by_role("status")).to_contain_text("record inspection")
    # The photo carries no EXIF time: the browser sent the file's time, and the gallery says that is its source.
    await expect(officer.page.get_by_text("from the phone's file time").first).to_be_visible()
    await officer.until_text("Violation found – notice being prepared")
    await officer.act("Issue notice")
    await expect(officer.page.get_by_role("status")).to_contain_text("issue notice")
    await officer.act("Record service", {"Method": "personal"})
    await officer.until_text("Compliance period")
    await expect(officer.page.get_by_role("link", name="Download")).to_be_visible()
    await officer.shot("05-notice-served")

    # The compliance period runs out: time moves to an hour past the deadline, the workflow's timer fires and
    # the case waits on the reinspection.
    deadline = (await case_handle(clock.client, case).query("snapshot", result_type=CaseSnapshot)).next_deadline
    assert deadline is not None
    await clock.sleep(deadline - await clock.get_current_time() + timedelta(hours=1))
    await officer.until_text("Reinspection due")
    await officer.inspect(case, "Not complied", photo("olive", gps=True), tmp_path, "06-reinspection")
    await officer.until_text("Not complied – escalation")
    await expect(officer.page.get_by_role("heading", name="Before and after")).to_be_visible()
    await officer.shot("07-not-complied")
    await officer.act("Issue fine")
    await officer.until_text("Compliance period")
    await expect(officer.page.get_by_text("Balance: $")).not_to_contain_text("$0.00")
    await officer.shot("08-fined")

    supervisor = await Person.signed_in(browser, system, "supervisor")
    await supervisor.page.goto("/")
    # The fine just issued is in the dashboard's recent activity, linked to its case.
    fined = supervisor.page.locator(".feed li").filter(has_text=case).filter(has_text="Fine of $")
    await expect(fined.first).to_be_visible()
    await supervisor.shot("09-dashboard")
    await supervisor.page.goto(f"/cases/{case}")
    await expect(supervisor.page.get_by_text("Nora Neighbour")).to_be_visible()
    await supervisor.shot("10-case-supervisor")


async def press_tab_until(page: Page, name: str, within: int = 40) -> None:
    """Tabs through the page as a keyboard user does until the focused control is called `name` (its label or
    text), checking at every stop that the focus can be seen."""
    for _ in range(within):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            """() => {
                const e = document.activeElement, style = getComputedStyle(e);
                if (e === document.body) return {name: "", visible: true};  // focus is in the browser's own bar
                const label = (e.labels && e.labels.length ? e.labels[0].textContent : e.textContent) || "";
                return {name: label.trim(), visible: e.matches(":focus-visible") && style.outlineStyle !== "none"
                        && parseFloat(style.outlineWidth) >= 2};
            }"""
        )
        assert focused["visible"], f"the focus on {focused['name']!r} cannot be seen"
        if focused["name"] == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with the Tab key")


async def no_sideways_scroll(page: Page) -> None:
    widths = await page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {PHONE['width']} px: {widths[0]} px wide"


async def test_every_page_fits_a_phone_and_a_complaint_is_filed_with_the_keyboard_alone(
    browser: Browser, system: str
) -> None:
    context = await browser.new_context(viewport=PHONE, base_url=system)
    page = await context.new_page()
    await page.goto("/login")
    await no_sideways_scroll(page)
    await Person(page, system, "").shot("page-login")
    await press_tab_until(page, "Username")
    await page.keyboard.type("clerk")
    await press_tab_until(page, "Password")
    await page.keyboard.type("demo")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    await press_tab_until(page, "New complaint")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="New complaint")).to_be_visible()
    await press_tab_until(page, "Received by")
    await page.keyboard.type("walk")
    await expect(page.get_by_label("Received by")).to_have_value("walk_in")
    await press_tab_until(page, "Address")
    await page.keyboard.type("128 W 14th St")
    await press_tab_until(page, "Violation")
    await page.keyboard.type("Refuse")
    await expect(page.get_by_label("Violation")).to_have_value("PS-REFUSE")
    await press_tab_until(page, "Description")
    await page.keyboard.type("A fridge and bags of rubbish by the garage")
    await press_tab_until(page, "File the complaint")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("complaint filed")
    case = page.url.split("/cases/")[1].split("?")[0]
    await expect(page.get_by_text("A fridge and bags of rubbish by the garage")).to_be_visible()

    # Every console page, as a role that works there, at phone width: nothing scrolls sideways.
    pages = {
        "clerk": [("/intake", "intake")],
        "officer": [("/my-day", "my-day"), (f"/cases/{case}/inspect", "inspect")],
        "supervisor": [
            ("/", "dashboard"),
            ("/cases", "case-list"),
            (f"/cases/{case}", "case"),
            ("/hearings", "hearings"),
            ("/supervisor", "supervisor-queue"),
            ("/outbox", "outbox"),
        ],
        "admin": [
            ("/admin/users", "admin-users"),
            ("/admin/officers", "admin-officers"),
            ("/admin/zones", "admin-zones"),
            ("/admin/open311-keys", "admin-open311-keys"),
        ],
    }
    for username, visits in pages.items():
        person = await Person.signed_in(browser, system, username)
        for path, name in visits:
            answer = await person.page.goto(path)
            assert answer is not None and answer.status == 200, f"{path} as {username}"
            await no_sideways_scroll(person.page)
            await person.shot(f"page-{name}")
