"""Rate limits that fit shared connections and hold across API processes: the portal counts per browser visit,
an address that many residents share reaches only a far higher ceiling, the counts live in the records database
(so two app instances share them), and a refusal says when to try again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from api.rate_limit import OPEN311_POSTS, OWNER_SIGN_IN, PAGES, REPORTS
from api.visitors import VISIT_COOKIE
from records.db import make_engine, session_factory
from records.rate_counts import RateCount
from tests.conftest import Api, make_settings, open_api
from tests.portal_flow import client_at, portal_api

LIBRARY = "192.0.2.80"
opened_api = asynccontextmanager(open_api)
# Friday, December 4, 2026, 10:00:20 a.m. in Riverton (America/Chicago, UTC-6).
MORNING = datetime(2026, 12, 4, 16, 0, 20, tzinfo=UTC).timestamp()


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async for client in portal_api(sqlite_url, temporal_dev, tmp_path):
        yield client


def _stop_clock(api: Api, at: float) -> list[float]:
    """The app's rate limits read this clock; the test moves it."""
    now = [at]
    api.http._transport.app.state.clock = lambda: now[0]  # type: ignore[attr-defined]
    return now


async def test_a_shared_address_is_served_to_many_browsers_while_one_browser_hammering_is_limited(api: Api) -> None:
    _stop_clock(api, MORNING)
    residents = 40
    async with AsyncExitStack() as stack:
        browsers = [await stack.enter_async_context(client_at(api, LIBRARY)) for _ in range(residents)]
        for _ in range(5):  # 200 pages in the same minute from one address: more than one person may ask for
            for browser in browsers:
                assert (await browser.get("/portal/report")).status_code == 200
        assert residents * 5 > PAGES.requests
        hammering = browsers[0]
        for _ in range(PAGES.requests - 5):
            assert (await hammering.get("/portal/")).status_code == 200
        limited = await hammering.get("/portal/")
        assert limited.status_code == 429 and "page requests from this browser" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) > 0
        assert (await browsers[1].get("/portal/")).status_code == 200  # the others at the library are still served
    async with client_at(api, LIBRARY) as newcomer:
        assert (await newcomer.get("/portal/report")).status_code == 200


async def test_a_script_that_keeps_no_cookie_is_counted_by_its_address(api: Api) -> None:
    _stop_clock(api, MORNING)
    async with client_at(api, "198.51.100.60") as script:
        for _ in range(REPORTS.requests):
            script.cookies.clear()
            assert (await script.post("/portal/report", data={"description": ""})).status_code == 422
        script.cookies.clear()
        limited = await script.post("/portal/report", data={"description": ""})
        assert limited.status_code == 429 and "reports from your connection" in limited.json()["detail"]


async def test_the_ceiling_of_a_shared_address_holds_for_everyone_behind_it(api: Api) -> None:
    _stop_clock(api, MORNING)
    ceiling = REPORTS.shared_ceiling
    assert ceiling is not None
    async with AsyncExitStack() as stack:
        for n in range(ceiling // REPORTS.requests):
            browser = await stack.enter_async_context(client_at(api, LIBRARY))
            await browser.get("/portal/report")
            for _ in range(REPORTS.requests):
                assert (await browser.post("/portal/report", data={"description": ""})).status_code == 422, n
        one_more = await stack.enter_async_context(client_at(api, LIBRARY))
        await one_more.get("/portal/report")
        limited = await one_more.post("/portal/report", data={"description": ""})
        assert limited.status_code == 429 and "from everyone on your connection" in limited.json()["detail"]


async def test_the_limited_page_says_when_to_try_again(api: Api) -> None:
    now = _stop_clock(api, MORNING)
    async with client_at(api, "198.51.100.61") as browser:
        for _ in range(PAGES.requests):
            assert (await browser.get("/portal/")).status_code == 200
        page = await browser.get("/portal/report", headers={"accept": "text/html"})
        assert page.status_code == 429 and "<h1>Please wait</h1>" in page.text
        wait = int(page.headers["retry-after"])
        assert 0 < wait <= 60
        # 120 pages at 10:00:20 fill the minute that began at 10:00:00, which counts whole until 10:01:00.
        assert "You can try again at 10:02 a.m. (in 41 seconds)." in page.text, page.text
        now[0] += wait - 1
        assert (await browser.get("/portal/")).status_code == 429
        now[0] += 1
        assert (await browser.get("/portal/")).status_code == 200


async def test_counts_of_windows_that_no_longer_count_are_forgotten(api: Api) -> None:
    now = _stop_clock(api, MORNING)
    for n in range(50):  # a scan from many addresses, one request each
        async with client_at(api, f"10.9.0.{n + 1}") as http:
            assert (await http.get("/portal/")).status_code == 200
    engine = make_engine(api.settings.database_url)
    with session_factory(engine)() as session:
        assert session.exec(select(func.count()).select_from(RateCount)).one() >= 50
    now[0] += 2 * 3600  # every window of theirs has passed
    async with client_at(api, "10.9.1.1") as http:
        assert (await http.get("/portal/")).status_code == 200
    with session_factory(engine)() as session:
        assert session.exec(select(func.count()).select_from(RateCount)).one() <= 3  # this request's own counts
    engine.dispose()


def _at(api: Api, address: str) -> httpx.AsyncClient:
    app = api.http._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="https://abate.test")


async def test_two_app_instances_over_one_database_share_the_counts(
    database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url,
        temporal_dev.client.service_client.config.target_host,
        document_store_dir=tmp_path / "documents",
    )
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(opened_api(settings))
        second = await stack.enter_async_context(opened_api(settings))
        # One owner's browser, its requests spread by the load balancer over both processes.
        on_first = await stack.enter_async_context(_at(first, "198.51.100.70"))
        on_second = await stack.enter_async_context(_at(second, "198.51.100.70"))
        await on_first.get("/portal/owner")
        on_second.cookies.set(VISIT_COOKIE, on_first.cookies[VISIT_COOKIE], domain="abate.test", path="/portal")
        wrong = {"case_number": "CE-2026-000001", "access_code": "WRNG-CODE-GESS"}
        for n in range(OWNER_SIGN_IN.requests):
            assert (await (on_first if n % 2 else on_second).post("/portal/owner", data=wrong)).status_code == 401
        for browser in (on_first, on_second):
            refused = await browser.post("/portal/owner", data=wrong)
            assert refused.status_code == 429 and "access code attempts from this browser" in refused.json()["detail"]

        # A 311 app's key, its posts spread over both processes and two of its servers.
        issued = await first.post("/api/v1/admin/open311-keys", "admin", json={"name": "Riverton 311 app"})
        key = issued.json()["key"]
        app_servers = [
            await stack.enter_async_context(_at(instance, address))
            for instance, address in ((first, "203.0.113.71"), (second, "203.0.113.72"))
        ]
        for n in range(OPEN311_POSTS.requests):  # bad requests count too: they use the key
            answer = await app_servers[n % 2].post("/open311/v2/requests.json", data={"api_key": key})
            assert answer.status_code == 400, answer.text
        for server in app_servers:
            refused = await server.post("/open311/v2/requests.json", data={"api_key": key})
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert "service requests with this api_key" in refused.json()[0]["description"]
        other = (await first.post("/api/v1/admin/open311-keys", "admin", json={"name": "Another app"})).json()["key"]
        assert (await app_servers[0].post("/open311/v2/requests.json", data={"api_key": other})).status_code == 400
