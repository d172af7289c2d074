"""WCAG 2.1 AA in the real browser (Debian's Chromium through Playwright), against the real API process and worker:
every console page as every role that opens it, the case page at several stages of a case's life, every public
portal page and every owner page pass axe-core's WCAG 2.1 A and AA rules at 1366 px and 390 px, and reflow at
320 px without sideways scrolling. A refused form moves the focus to its error summary, says "Error" in the
page's title, ties each field to its own message and says what to do in words a person uses."""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from temporalio.testing import WorkflowEnvironment

from domain.access import CONSOLE_PAGES, Role
from services.reports import REPORTS
from tests.accessibility import accessible_at_every_width
from tests.conftest import prepare_database, running_system
from tests.test_browser import CHROMIUM
from tests.test_browser_portal import served_notice_code

USERNAMES = {Role.HEARING_OFFICER: "hearing"}
ACTIONS = "/api/v1/cases/{}/{}"
# The cases the walk opens, each at another stage: {placeholder: (address, violation)}.
CASES = {
    "new": ("128 W 14th St", "PS-REFUSE"),
    "served": ("142 Maple Dr", "PS-GRASS"),
    "appealed": ("212 W 14th St", "PS-GRASS"),
    "unfounded": ("430 W 14th St", "PS-REFUSE"),
}


def console_pages() -> list[tuple[str, str]]:
    """Every console page as every role that may open it, the case page at each stage as the roles that work
    it there, the inspection form, every report and a drill-down, and the sign-in page."""
    pages = [
        (USERNAMES.get(role, role.value), path) for role in Role for path, _, roles in CONSOLE_PAGES if role in roles
    ]
    pages += [("supervisor", f"/cases/{{{stage}}}") for stage in CASES]
    pages += [("officer", "/cases/{served}"), ("clerk", "/cases/{appealed}"), ("hearing", "/cases/{appealed}")]
    pages += [("finance", "/cases/{served}"), ("executive", "/cases/{unfounded}"), ("officer", "/cases/{new}/inspect")]
    pages += [("executive", f"/reports/{slug}") for slug in REPORTS]
    pages += [("executive", "/reports/first-inspection/cases?period=last_12_months&figure=all-median")]
    pages += [("clerk", "/cases?q=Maple"), ("nobody", "/login")]
    return pages


PORTAL_PAGES = [
    ("public", "/portal/"),
    ("public", "/portal/report"),
    ("public", "/portal/track"),
    ("public", "/portal/track/{tracking}?new=1"),
    ("public", "/portal/track/NOSUCHCODE"),
    ("public", "/portal/cases/{served}"),
    ("public", "/portal/search"),
    ("public", "/portal/search?address=Maple"),
    ("public", "/portal/owner"),
    ("owner", "/portal/owner/{served}"),
]


@dataclass
class Walk:
    """One running system with cases at several stages, and a browser context per person (signed in once)."""

    base_url: str
    browser: Browser
    cases: dict[str, str]
    access_code: str
    people: dict[str, BrowserContext] = field(default_factory=dict)

    async def page_of(self, who: str) -> Page:
        if who not in self.people:
            context = await self.browser.new_context(base_url=self.base_url)
            page = await context.new_page()
            if who == "owner":
                await page.goto("/portal/owner")
                await page.get_by_label("Case number").fill(self.cases["served"])
                await page.get_by_label("Access code").fill(self.access_code)
                await page.get_by_role("button", name="Open the case").click()
                await page.wait_for_url("**/portal/owner/CE-*")
            elif who not in ("public", "nobody"):
                await page.goto("/login")
                await page.get_by_label("Username").fill(who)
                await page.get_by_label("Password").fill("demo")
                await page.get_by_role("button", name="Sign in").click()
                await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            self.people[who] = context
        return self.people[who].pages[0]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        await chromium.close()


async def _open_cases(base_url: str, url: str, documents: Path) -> tuple[dict[str, str], str, str]:
    """The cases of the walk through the JSON API, as staff would bring them to their stages; the served case's
    tracking code and the access code its notice prints."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        headers = {}
        for who in ("clerk", "officer"):
            token = (await http.post("/api/v1/auth/token", data={"username": who, "password": "demo"})).json()
            headers[who] = {"Authorization": f"Bearer {token['access_token']}"}
        cases, tracking = {}, {}
        for stage, (address, violation) in CASES.items():
            body = {
                "violation_code": violation,
                "address": address,
                "description": "Rubbish and long grass along the front of the house for three weeks",
                "channel": "phone",
                "complainant": {"name": "Nora Neighbour", "phone": "555 010 9944"},
            }
            answer = await http.post("/api/v1/complaints", json=body, headers=headers["clerk"])
            assert answer.status_code == 201, answer.text
            cases[stage], tracking[stage] = answer.json()["case_number"], answer.json()["tracking_code"]
        code = await served_notice_code(base_url, url, documents, cases["served"])
        await served_notice_code(base_url, url, documents, cases["appealed"])
        appeal = {"on_behalf_of": "Keisha Stallworth", "received_via": "letter", "grounds": "The grass was cut."}
        answer = await http.post(
            ACTIONS.format(cases["appealed"], "events/appeal_filed"), json=appeal, headers=headers["clerk"]
        )
        assert answer.status_code == 202, answer.text
        unfounded = {"violation_found": False, "findings": "Bins put away; nothing left in the yard", "checklist": {}}
        answer = await http.post(
            ACTIONS.format(cases["unfounded"], "actions/record_inspection"), json=unfounded, headers=headers["officer"]
        )
        assert answer.status_code == 200, answer.text
    return cases, tracking["served"], code


@pytest.fixture(scope="module")
async def walk(browser: Browser, temporal_dev: WorkflowEnvironment) -> AsyncIterator[Walk]:
    with tempfile.TemporaryDirectory(prefix="abate-ally-") as folder:
        url = prepare_database(f"sqlite:///{folder}/abate.sqlite3")
        documents = Path(folder) / "documents"
        with running_system(url, temporal_dev, DOCUMENT_STORE_DIR=str(documents)) as base_url:
            cases, tracking, code = await _open_cases(base_url, url, documents)
            walk = Walk(base_url, browser, {**cases, "tracking": tracking}, code)
            yield walk
            for context in walk.people.values():
                await context.close()


@pytest.mark.parametrize(("who", "path"), console_pages() + PORTAL_PAGES, ids=lambda v: str(v))
async def test_every_page_passes_axe_at_desk_and_phone_width_and_reflows_at_320(
    walk: Walk, who: str, path: str
) -> None:
    page = await walk.page_of(who)
    answer = await page.goto(path.format(**walk.cases))
    assert answer is not None and answer.status < 500, f"{path} as {who}: {answer and answer.status}"
    await accessible_at_every_width(page, f"{path} as {who}")


PYDANTIC = re.compile(r"String should|Field required|Input should|should have|valid (number|date)|less than or equal")


async def refused_form(page: Page) -> dict[str, str]:
    """The error summary's messages by the field each links to, once it is checked that the focus went to the
    summary, the title begins "Error", and each field in error is marked invalid and described by its message."""
    await expect(page.locator("#error-summary")).to_be_focused()  # autofocus: at the page's first rendering
    assert (await page.title()).startswith("Error"), await page.title()
    summary = await page.locator("#error-summary a").evaluate_all(
        "links => links.map(a => [a.getAttribute('href').slice(1), a.textContent.trim()])"
    )
    assert summary, "the summary links to no field"
    for target, text in summary:
        fields = await page.evaluate(
            """id => {
                const t = document.getElementById(id);
                const fields = t.matches("input, select, textarea") ? [t] : [...t.querySelectorAll("input, select, textarea")];
                return fields.map(f => ({invalid: f.getAttribute("aria-invalid"),
                    described: (f.getAttribute("aria-describedby") || "").split(" ").filter(Boolean)
                               .map(d => (document.getElementById(d) || {textContent: ""}).textContent.trim())}));
            }""",
            target,
        )
        assert fields, f"the summary links to #{target}, which holds no field"
        for f in fields:
            assert f["invalid"] == "true" and text in f["described"], f"#{target} ({text!r}): {f}"
        assert not PYDANTIC.search(text), f"#{target}: {text!r} is a programmer's message"
    return dict(summary)


async def test_a_refused_public_report_leads_to_its_errors_in_words_people_use(walk: Walk) -> None:
    page = await walk.page_of("public")
    await page.goto("/portal/report")
    await page.get_by_label("E-mail").fill("nora@home")
    await page.get_by_role("button", name="Send the report").click()
    await page.wait_for_load_state()
    messages = await refused_form(page)
    assert messages["violation_code"] == "Choose what the problem is"
    assert messages["address"].startswith("Enter the street address")
    assert messages["description"] == "Describe the problem"
    assert messages["email"] == "Enter an e-mail address in the form name@example.com"
    await accessible_at_every_width(page, "the refused report form")


async def test_refused_console_forms_lead_to_their_errors_in_words_people_use(walk: Walk) -> None:
    page = await walk.page_of("clerk")
    await page.goto(f"/cases/{walk.cases['served']}")
    form = page.locator("form[action$='/events/owner_reported_compliance']")
    await form.locator("xpath=ancestor::details").evaluate("d => { d.open = true; }")
    await form.get_by_role("button").click()
    await page.wait_for_load_state()
    messages = await refused_form(page)
    assert messages == {
        "owner_reported_compliance-on_behalf_of": "Enter who it came from",
        "owner_reported_compliance-note": "Describe the work that was done",
        "owner_reported_compliance-done_on": "Enter the day the work was done",
    }
    await accessible_at_every_width(page, "the case page with a refused form")

    await page.goto("/intake")
    await page.get_by_label("Phone").fill("call me")
    await page.get_by_role("button", name="File the complaint").click()
    await page.wait_for_load_state()
    messages = await refused_form(page)
    assert messages == {
        "address": "Enter the street address",
        "violation_code": "Choose what the problem is",
        "description": "Describe the problem",
        "phone": "Enter a phone number in digits, for example 555 010 9944",
    }
    await accessible_at_every_width(page, "the refused intake form")


async def test_the_owners_refused_sign_in_and_request_say_error_and_pass_axe(walk: Walk) -> None:
    page = await walk.browser.new_page(base_url=walk.base_url)
    await page.goto("/portal/owner")
    await page.get_by_label("Case number").fill(walk.cases["served"])
    await page.get_by_label("Access code").fill("AAAA-BBBB-CCCC")
    await page.get_by_role("button", name="Open the case").click()
    await page.wait_for_load_state()
    await expect(page.locator("#error-summary")).to_be_focused()
    assert (await page.title()).startswith("Error")
    await accessible_at_every_width(page, "the owner's refused sign-in")
    await page.close()

    owner = await walk.page_of("owner")
    await owner.goto(f"/portal/owner/{walk.cases['served']}")
    await owner.get_by_label("How many more days").fill("400")
    await owner.get_by_label("Why", exact=False).last.fill("The mower is in for repair")
    await owner.get_by_role("button", name="Ask for more time").click()
    await owner.wait_for_load_state()
    # The case page again: the summary takes the focus, the field says what to do, and the owner's words are kept.
    messages = await refused_form(owner)
    assert list(messages) == ["days"] and messages["days"].startswith("Ask for at most")
    await expect(owner.get_by_label("Why", exact=False).last).to_have_value("The mower is in for repair")
    await accessible_at_every_width(owner, "the owner's refused request")
