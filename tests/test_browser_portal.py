"""Every page of the public portal and the owner's portal on a phone (390 px, Debian's Chromium through Playwright),
against the real API process and worker: a resident reports, is refused and corrected, tracks the case and finds
it by address; the owner signs in with the code on the served notice, asks for time and reports the work done.
No page scrolls sideways; a screenshot of each goes to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import httpx
from playwright.async_api import Browser, Page
from sqlmodel import select

from records.db import make_engine, session_factory
from records.tables import CaseNotice
from tests.helpers import eventually
from tests.test_browser import PHONE, SCREENSHOTS, browser, clock, system  # noqa: F401

OFFICER_STEPS = (
    ("record_inspection", {"violation_found": True, "findings": "Grass 14 in.", "checklist": {}}),
    ("issue_notice", None),
    ("record_service", {"method": "mail"}),
)


async def fits(page: Page, name: str) -> None:
    """The page as the person sees it is no wider than their phone."""
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)
    if width > PHONE["width"]:
        wide = await page.evaluate(
            """w => [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w)
                    .map(e => e.tagName + (e.id ? "#" + e.id : "") + " " + Math.round(e.getBoundingClientRect().right))""",
            PHONE["width"],
        )
        raise AssertionError(f"{name} ({page.url}) is {width} px wide at {PHONE['width']} px: {wide[:8]}")


async def report(page: Page, address: str) -> None:
    await page.goto("/portal/report")
    await page.get_by_label("Long grass and weeds").check()
    await page.get_by_label("Street address").fill(address)
    await page.get_by_label("What did you see?").fill("Grass past the knees along the whole front lawn for weeks")
    await page.get_by_role("button", name="Send the report").click()
    await page.wait_for_load_state()


async def served_notice_code(base_url: str, sqlite_url: str, documents: Path, case: str) -> str:
    """The officer inspects, issues and serves the notice by mail (JSON API); the access code printed on it."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:  # an update waits for the case
        token = (await http.post("/api/v1/auth/token", data={"username": "officer", "password": "demo"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for action, body in OFFICER_STEPS:
            answer = await http.post(f"/api/v1/cases/{case}/actions/{action}", json=body, headers=headers)
            assert answer.status_code == 200, (action, answer.text)
    sessions = session_factory(make_engine(sqlite_url))

    async def letter() -> str | None:
        with sessions() as session:
            return session.exec(select(CaseNotice.document_path).where(CaseNotice.case_number == case)).first()

    path = await eventually(letter, until=lambda p: p is not None)
    text = "\n".join(p.text for p in docx.Document(str(documents / str(path))).paragraphs)
    match = re.search(r"access code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", text)
    assert match, text
    return match[1]


async def test_every_portal_and_owner_page_fits_a_phone(
    browser: Browser,  # noqa: F811
    system: str,  # noqa: F811
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    context = await browser.new_context(viewport=PHONE, base_url=system)
    page = await context.new_page()
    for path, name in (("/portal/", "home"), ("/portal/report", "report"), ("/portal/track", "track-lookup")):
        await page.goto(path)
        await fits(page, name)
    await report(page, "1 Nowhere Rd")
    await fits(page, "report-refused")
    await report(page, "142 Maple Dr")
    assert "?new=1" in page.url
    await fits(page, "track-new")
    case = re.search(r"CE-\d{4}-\d{6}", await page.content())
    assert case, page.url
    await page.goto("/portal/track/NOSUCHCODE")
    await fits(page, "track-unknown")
    await report(page, "142 Maple Dr")  # a neighbour reports the same: it joins the case
    assert "joined=1" in page.url
    await fits(page, "track-joined")
    for path, name in (
        (f"/portal/cases/{case[0]}", "public-case"),
        ("/portal/search", "search"),
        ("/portal/search?address=Maple", "search-results"),
    ):
        await page.goto(path)
        await fits(page, name)

    code = await served_notice_code(system, sqlite_url, tmp_path / "documents", case[0])
    await page.goto("/portal/owner")
    await fits(page, "owner-sign-in")
    await page.get_by_label("Case number").fill(case[0])
    await page.get_by_label("Access code").fill("AAAA-BBBB-CCCC")
    await page.get_by_role("button", name="Open the case").click()
    await fits(page, "owner-sign-in-refused")
    await page.get_by_label("Access code").fill(code)
    await page.get_by_role("button", name="Open the case").click()
    await page.wait_for_url(f"**/portal/owner/{case[0]}")
    await fits(page, "owner-case")
    await page.get_by_label("How many more days").fill("10")
    await page.get_by_label("Why", exact=False).last.fill("The mower is in for repair until next week")
    await page.get_by_role("button", name="Ask for more time").click()
    await page.wait_for_load_state()
    await fits(page, "owner-extension-sent")
    await page.goto(f"/portal/owner/{case[0]}")
    await page.get_by_label("What was done").fill("Mowed the whole lawn and edged the walk")
    await page.get_by_role("button", name="Report the work done").click()
    await page.wait_for_load_state()
    await fits(page, "owner-compliance-sent")
    await context.close()
