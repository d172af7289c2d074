"""Hostile and malformed input on the public portal: clear errors, never a 500, nothing half-stored, what is
typed stored as typed and escaped when shown; rate limits per client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from api.rate_limit import OWNER_ACTIONS, OWNER_SIGN_IN, OWNER_SIGN_IN_CASE_CEILING
from api.routes.portal import MAX_REPORT_BYTES
from records.db import make_engine, session_factory
from records.evidence import Evidence
from records.portal import OwnerRequest
from records.tables import Case, Complainant, Complaint
from tests.conftest import Api
from tests.portal_flow import REPORT, Endless, client_at, photo, portal_api, post_report, tracking_code_of

SCRIPT = "<script>alert('pwned')</script>"
SQL = "142 Maple Dr'; DROP TABLE cases; --"


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async for client in portal_api(sqlite_url, temporal_dev, tmp_path):
        yield client


def _counts(api: Api) -> dict[str, int]:
    with session_factory(make_engine(api.settings.database_url))() as session:
        counts = {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in (Case, Complaint, Complainant, Evidence, OwnerRequest)
        }
    store = api.settings.document_store_dir
    counts["files"] = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return counts


def _refused(answer: httpx.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text[:2000])
    for word in words:
        assert word in answer.text, (word, answer.text[:3000])


async def test_hostile_and_malformed_reports_are_refused_clearly_and_store_nothing(api: Api) -> None:
    before = _counts(api)
    refusals: list[tuple[dict[str, str], list[tuple[str, bytes, str]] | None, str]] = [
        ({**REPORT, "address": SQL}, None, "is not an address in the City of Riverton"),
        ({**REPORT, "violation_code": "PS-GRASS' OR '1'='1"}, None, "Choose one of the problems listed"),
        ({**REPORT, "description": "x" * 5001}, None, "Your description must be 5000 characters or fewer"),
        (
            {**REPORT, "address": "", "lat": "41.6; DROP TABLE cases", "lon": "-93.62"},
            None,
            "Enter latitude as a number",
        ),
        ({**REPORT, "address": "", "lat": "95", "lon": "-93.62"}, None, "Latitude must be at most 90"),
        (
            {**REPORT, "address": "", "lat": "", "lon": ""},
            None,
            "Enter the street address, or the latitude and longitude",
        ),
        (
            {**REPORT, "email": f"{SCRIPT}@x", "name": SCRIPT},
            None,
            "Enter an e-mail address in the form name@example.com",
        ),
        ({**REPORT, "phone": "call me maybe"}, None, "Enter a phone number in digits"),
        ({**REPORT, "description": "Grass\x00 knee-high"}, None, "NUL character"),  # PostgreSQL cannot keep it
        (REPORT, [("photo.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg")], "only JPEG, PNG or WebP photos"),
        (REPORT, [("page.png", b"<html>" + SCRIPT.encode() + b"</html>", "image/png")], "only JPEG, PNG or WebP"),
        (REPORT, [("cut.jpg", photo()[:200], "image/jpeg")], "damaged or incomplete"),
        (REPORT, [("big.jpg", b"\xff\xd8\xff" + b"\0" * (15 * 1024 * 1024 + 10), "image/jpeg")], "the limit is"),
        (REPORT, [(f"p{i}.jpg", photo(), "image/jpeg") for i in range(6)], "at most 5 photos; 6 were chosen"),
    ]
    for number, (fields, photos, reason) in enumerate(refusals):
        # Each from its own address: the refusals are the subject here, not the rate limit.
        async with client_at(api, f"203.0.113.{number + 1}") as http:
            _refused(await post_report(http, fields, photos), 422, reason)
    async with client_at(api, "203.0.113.100") as http:
        echoed = await post_report(http, {**REPORT, "name": SCRIPT, "email": "bad", "description": SCRIPT})
        assert SCRIPT not in echoed.text and "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in echoed.text
        _refused(await http.post("/portal/report", json=REPORT), 415, "multipart/form-data")
        _refused(await http.post("/portal/report", content=b"{not a form", headers={"content-type": "text/plain"}), 415)
        huge = await http.post("/portal/report", data={**REPORT, "description": "y" * (2 * 1024 * 1024)})
        _refused(huge, 400, "maximum size")
        seven = [("photos", (f"p{i}.jpg", photo(), "image/jpeg")) for i in range(7)]
        _refused(await http.post("/portal/report", data=REPORT, files=seven), 400, "Too many files")
        _refused(await http.get("/portal/track/<img src=x onerror=alert(1)>"), 404, "No case has that tracking code")
        _refused(await http.get(f"/portal/track/{SCRIPT}"), 404)
        _refused(await http.get("/portal/search", params={"address": "x" * 500}), 422)
        signed = await http.post("/portal/owner", data={"case_number": "CE-2026-000001' OR 1=1 --", "access_code": SQL})
        _refused(signed, 401, "do not match")
        _refused(await http.post("/portal/owner/CE-2026-000001/appeal", data={"grounds": SCRIPT}), 401)
    assert _counts(api) == before


async def test_an_upload_larger_than_it_says_is_refused_as_it_arrives(api: Api) -> None:
    before = _counts(api)
    body = Endless(REPORT, upto=MAX_REPORT_BYTES + 64 * 1024 * 1024)
    refused = await api.http.post("/portal/report", content=body, headers=body.headers)
    _refused(refused, 413, "larger than 76 MB; send fewer or smaller photos")
    assert body.sent <= MAX_REPORT_BYTES + body.chunk  # it stopped reading at the limit, not at the end
    in_a_browser = Endless(REPORT, upto=MAX_REPORT_BYTES + 64 * 1024 * 1024)
    page = await api.http.post(
        "/portal/report", content=in_a_browser, headers={**in_a_browser.headers, "accept": "text/html"}
    )
    _refused(page, 413, "<h1>Too large</h1>", "send fewer or smaller photos")
    declared = await api.http.post(
        "/portal/owner",
        content=b"case_number=CE-2026-000001&access_code=x",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": str(MAX_REPORT_BYTES + 1)},
    )
    _refused(declared, 413, "larger than 76 MB")
    assert _counts(api) == before


async def test_no_one_locks_an_owner_out_of_the_case_by_guessing_its_code(api: Api) -> None:
    wrong = {"case_number": "CE-2026-000001", "access_code": "WRNG-CODE-GESS"}
    tried = 0
    for guesser in ("198.51.100.20", "198.51.100.21", "198.51.100.22"):
        async with client_at(api, guesser) as http:
            for _ in range(OWNER_SIGN_IN.requests):
                assert (await http.post("/portal/owner", data=wrong)).status_code == 401
                tried += 1
            refused = await http.post("/portal/owner", data=wrong)
            assert refused.status_code == 429 and "from this browser" in refused.json()["detail"]
    async with client_at(api, "192.0.2.50") as owner:  # 30 failed attempts on the case, none of them the owner's
        assert (await owner.post("/portal/owner", data=wrong)).status_code == 401
        tried += 1
    # Guessing spread over many connections stops at the case's ceiling, far above what one person can reach.
    ceiling = OWNER_SIGN_IN_CASE_CEILING.requests
    for n in range(ceiling):
        if tried == ceiling:
            break
        async with client_at(api, f"10.0.{n // 200}.{n % 200 + 1}") as http:
            for _ in range(min(OWNER_SIGN_IN.requests, ceiling - tried)):
                assert (await http.post("/portal/owner", data=wrong)).status_code == 401
                tried += 1
    async with client_at(api, "192.0.2.51") as late:
        refused = await late.post("/portal/owner", data=wrong)
        assert refused.status_code == 429 and "for this case in the last hour" in refused.json()["detail"]
        other_case = await late.post("/portal/owner", data={**wrong, "case_number": "CE-2026-000002"})
        assert other_case.status_code == 401


async def test_text_is_stored_as_typed_and_escaped_where_it_is_shown(api: Api) -> None:
    hostile = f"{SCRIPT} Robert'); DROP TABLE complaints;-- ✓ «grass»"
    code = tracking_code_of(await post_report(api.http, {**REPORT, "description": hostile, "name": SCRIPT}))
    with session_factory(make_engine(api.settings.database_url))() as session:
        case = session.exec(select(Case).where(Case.tracking_code == code)).one()
        complaint = session.exec(select(Complaint).where(Complaint.case_number == case.case_number)).one()
        person = session.get(Complainant, complaint.complainant_id)
    assert complaint.description == hostile and person is not None and person.name == SCRIPT
    page = await api.http.get(f"/portal/track/{code}")
    assert page.status_code == 200 and "<script>" not in page.text


async def test_each_client_is_rate_limited_and_told_when_to_come_back(api: Api) -> None:
    async with client_at(api, "198.51.100.7") as http:
        for _ in range(10):
            assert (await post_report(http, {**REPORT, "description": ""})).status_code == 422
        limited = await post_report(http, REPORT)
        assert limited.status_code == 429 and "Too many reports" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) > 0
        in_a_browser = await http.post("/portal/report", data=REPORT, headers={"accept": "text/html"})
        assert in_a_browser.status_code == 429 and "<h1>Please wait</h1>" in in_a_browser.text
        for _ in range(10):
            attempt = await http.post("/portal/owner", data={"case_number": "CE-2026-000001", "access_code": "X"})
            assert attempt.status_code == 401
        assert (
            await http.post("/portal/owner", data={"case_number": "CE-2026-000001", "access_code": "X"})
        ).status_code == 429
        for _ in range(OWNER_ACTIONS.requests):
            assert (await http.post("/portal/owner/CE-2026-000001/extension", data={"days": "7"})).status_code == 401
        acting = await http.post("/portal/owner/CE-2026-000001/compliance", data={"note": "done"})
        assert acting.status_code == 429 and "Too many requests from this browser" in acting.json()["detail"]
    async with client_at(api, "198.51.100.8") as other:
        assert (await other.get("/portal/report")).status_code == 200  # another client is not held up
        assert (await other.post("/portal/owner/CE-2026-000001/appeal", data={"grounds": "x"})).status_code == 401
