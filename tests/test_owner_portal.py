"""An owner opens the case with the code printed on the served letter and acts on it: reports the work done
with a photo, asks for more time, appeals; each reaches the case, is confirmed on screen and by message.
Against the real dev server and a worker."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.routes import owner_portal
from api.routes.portal import MAX_REPORT_BYTES
from records.db import make_engine, session_factory
from records.evidence import Evidence
from records.portal import OwnerAccessCode, OwnerRequest
from records.tables import Message
from tests.conftest import Api
from tests.helpers import eventually
from tests.portal_flow import (
    ACTIONS,
    Endless,
    access_code_on,
    case_of,
    letter_text,
    photo,
    portal_api,
    serve_notice,
    until_stage,
)
from tests.test_api_complaints import MAPLE


@pytest.fixture
async def api(database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """SQLite and PostgreSQL."""
    async for client in portal_api(database_url, temporal_dev, tmp_path):
        yield client


async def _served_case(api: Api) -> tuple[str, str, dict]:
    case_number = (await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"]
    detail = await serve_notice(api, case_number)
    return case_number, access_code_on(letter_text(api, case_number)), detail


async def _sign_in(api: Api, case_number: str, code: str) -> None:
    answer = await api.http.post("/portal/owner", data={"case_number": case_number, "access_code": code})
    assert answer.status_code == 303 and answer.headers["location"] == f"/portal/owner/{case_number}", answer.text


def _kinds(detail: dict) -> list[str]:
    return [e["kind"] for e in detail["timeline"]]


async def test_the_code_on_the_letter_opens_the_owner_page(api: Api, worker: None) -> None:
    case_number, code, detail = await _served_case(api)
    assert "/portal/owner: enter the case number" in letter_text(api, case_number)
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        [stored] = session.exec(select(OwnerAccessCode).where(OwnerAccessCode.case_number == case_number)).all()
    plain = code.replace("-", "")
    assert stored.code_sha256 == hashlib.sha256(plain.encode()).hexdigest()  # only its hash is kept
    assert plain not in str(stored.model_dump())

    refused = await api.http.post("/portal/owner", data={"case_number": case_number, "access_code": "ABCD-EFGH-JKMN"})
    assert refused.status_code == 401 and "do not match" in refused.text
    other = await api.http.post("/portal/owner", data={"case_number": "CE-2026-000001", "access_code": code})
    assert other.status_code == 401  # a code opens its own case only
    assert (await api.http.get(f"/portal/owner/{case_number}")).status_code == 401  # not signed in

    await _sign_in(api, case_number, code.lower().replace("-", " "))  # as people type it
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "RMC §8.24.030" in page and "Long grass and weeds" in page and "Cut all grass" in page
    assert "Correct it by" in page and "Courtesy notice" in page
    assert "Appeal by" not in page and 'action="/portal/owner/' + case_number + '/appeal"' not in page
    assert "The Courtesy notice cannot be appealed" in page
    assert "$0.00" in page
    download = await api.http.get(f"/portal/owner/{case_number}/documents/1")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == detail["notices"][0]["document_sha256"]
    assert (await api.http.get(f"/portal/owner/{case_number}/documents/7")).status_code == 404


async def test_the_owner_asks_for_more_time_and_reports_the_work_done(api: Api, worker: None) -> None:
    case_number, code, _ = await _served_case(api)
    await _sign_in(api, case_number, code)

    too_long = await api.http.post(f"/portal/owner/{case_number}/extension", data={"days": "400", "reason": "x"})
    assert too_long.status_code == 422 and "at most" in too_long.text
    # The case page again, the refusal beside the field and in a summary that takes the focus, the words kept.
    refused = html.fromstring(too_long.text)
    assert refused.findtext(".//title").startswith("Error: ")
    [summary] = refused.xpath('//*[@id="error-summary"]')
    assert summary.get("role") == "alert" and summary.xpath(".//a/@href") == ["#days"]
    [days] = refused.xpath('//input[@id="days"]')
    assert days.get("aria-invalid") == "true" and days.get("aria-describedby") == "days-error"
    assert days.get("value") == "400" and refused.xpath('//textarea[@id="reason"]/text()') == ["x"]
    assert "Ask for at most" in refused.xpath('string(//*[@id="days-error"])')
    asked = await api.http.post(
        f"/portal/owner/{case_number}/extension", data={"days": "7", "reason": "The mower is in the shop"}
    )
    assert asked.status_code == 200, asked.text
    assert "7 more days" in asked.text and "confirmation was sent to you by email" in asked.text
    detail = await eventually(lambda: case_of(api, case_number), until=lambda c: "extension_requested" in _kinds(c))
    assert detail["waiting_on"] == "decide the owner's extension request"

    chunked = Endless({"note": "Mowed"}, upto=MAX_REPORT_BYTES + 16 * 1024 * 1024)
    too_large = await api.http.post(f"/portal/owner/{case_number}/compliance", content=chunked, headers=chunked.headers)
    assert too_large.status_code == 413 and "send fewer or smaller photos" in too_large.text
    with session_factory(make_engine(api.settings.database_url))() as session:
        assert session.exec(select(Evidence).where(Evidence.case_number == case_number)).all() == []
        assert [r.kind for r in session.exec(select(OwnerRequest))] == ["extension"]  # nothing of it kept

    compliance_deadline = datetime.fromisoformat(detail["compliance_deadline"])
    done = await api.http.post(
        f"/portal/owner/{case_number}/compliance",
        data={"note": "Mowed on Saturday"},
        files=[("photos", ("after.jpg", photo("yellow"), "image/jpeg"))],
    )
    assert done.status_code == 200, done.text
    detail = await until_stage(api, case_number, "reinspection_due")
    assert "owner_reported_compliance" in _kinds(detail)
    # The reinspection comes forward: due well before the deadline the owner had to meet.
    assert datetime.fromisoformat(detail["next_deadline"]) < compliance_deadline - timedelta(days=1)
    assert datetime.fromisoformat(detail["compliance_deadline"]) == compliance_deadline

    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        requests = session.exec(select(OwnerRequest).where(OwnerRequest.case_number == case_number)).all()
        assert [(r.kind, r.delivered) for r in requests] == [("extension", True), ("compliance", True)]
        [kept] = session.exec(select(Evidence).where(Evidence.case_number == case_number)).all()
        assert kept.source == "owner_compliance" and requests[1].evidence == [f"evidence:{kept.id}"]
        sent = session.exec(
            select(Message).where(col(Message.key).contains(":owner-request-")).order_by(col(Message.id))
        ).all()
    assert [m.recipient for m in sent] == ["jerome.alston@example.net"] * 2
    assert "7 more days" in sent[0].body and "work is done" in sent[1].body
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "You asked for 7 more days" in page and "You reported that the work is done" in page


async def _order_served(api: Api) -> tuple[str, str, dict]:
    """The courtesy notice (not appealable), the owner's word that it is done, a failed reinspection, and the
    notice of violation served: an order the owner may appeal, with a code of its own on its letter."""
    case_number, code, _ = await _served_case(api)
    await _sign_in(api, case_number, code)
    assert (await api.http.post(f"/portal/owner/{case_number}/compliance", data={"note": ""})).status_code == 200
    await until_stage(api, case_number, "reinspection_due")
    body = {"complied": False, "findings": "Still 14 in."}
    assert (await api.post(ACTIONS.format(case_number, "record_reinspection"), "officer", json=body)).status_code == 200
    assert (await api.post(ACTIONS.format(case_number, "issue_notice"), "officer")).status_code == 200
    served = await api.post(ACTIONS.format(case_number, "record_service"), "officer", json={"method": "personal"})
    assert served.status_code == 200, served.text
    return case_number, access_code_on(letter_text(api, case_number, seq=2)), await case_of(api, case_number)


async def test_an_appeal_is_heard_within_the_window_and_refused_after_it(
    api: Api, worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_number, code, detail = await _order_served(api)
    api.http.cookies.clear()
    await _sign_in(api, case_number, code)  # the new letter's code opens the same case
    deadline = datetime.fromisoformat(detail["notices"][1]["appeal_deadline"])
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Appeal by" in page and "Notice of violation and order to comply" in page

    monkeypatch.setattr(owner_portal, "now", lambda: deadline + timedelta(days=1))
    late = await api.http.post(f"/portal/owner/{case_number}/appeal", data={"grounds": "The grass is a meadow"})
    assert late.status_code == 409 and f"the appeal window closed on {deadline:%Y-%m-%d}" in late.text
    assert "appeal window closed" in (await api.http.get(f"/portal/owner/{case_number}")).text
    monkeypatch.undo()
    assert datetime.now(UTC) < deadline

    empty = await api.http.post(f"/portal/owner/{case_number}/appeal", data={"grounds": ""})
    assert empty.status_code == 422
    [grounds] = html.fromstring(empty.text).xpath('//textarea[@id="grounds"]')
    assert grounds.get("aria-invalid") == "true" and grounds.get("aria-describedby") == "grounds-error"
    assert "Say why the notice or fine is wrong" in html.fromstring(empty.text).xpath(
        'string(//*[@id="grounds-error"])'
    )
    appealed = await api.http.post(f"/portal/owner/{case_number}/appeal", data={"grounds": "The grass is a meadow"})
    assert appealed.status_code == 200 and "hearing will be scheduled" in appealed.text
    assert "A confirmation was sent to you by email" in appealed.text
    with session_factory(make_engine(api.settings.database_url))() as session:
        confirmations = session.exec(
            select(Message).where(col(Message.key).contains(":owner-request-")).order_by(col(Message.id))
        ).all()
    assert confirmations[-1].recipient == "jerome.alston@example.net"
    assert f"Case {case_number}" in confirmations[-1].body and "Your appeal was received" in confirmations[-1].body
    assert "You filed an appeal" in (await api.http.get(f"/portal/owner/{case_number}")).text
    await until_stage(api, case_number, "hearing")
    # The clock stopped with the days that were left; the page says so instead of a deadline.
    paused = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Paused while your appeal is heard" in paused and "Correct it by" not in paused
    again = await api.http.post(f"/portal/owner/{case_number}/appeal", data={"grounds": "Again"})
    assert again.status_code == 409 and "already under way" in again.text


async def _fined(api: Api) -> str:
    """The order served and not complied with: the officer fines the owner (a fine notice with its own window)."""
    case_number, code, _ = await _order_served(api)
    api.http.cookies.clear()
    await _sign_in(api, case_number, code)
    assert (await api.http.post(f"/portal/owner/{case_number}/compliance", data={"note": "Done"})).status_code == 200
    await until_stage(api, case_number, "reinspection_due")
    body = {"complied": False, "findings": "Still long"}
    assert (await api.post(ACTIONS.format(case_number, "record_reinspection"), "officer", json=body)).status_code == 200
    fined = await api.post(ACTIONS.format(case_number, "issue_fine"), "officer", json={})
    assert fined.status_code == 200, fined.text
    return case_number


async def test_the_owner_sees_the_fine_and_the_balance(api: Api, worker: None) -> None:
    case_number = await _fined(api)
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Fine 1" in page and "$100.00" in page
    # The second reinspection that found the grass still long billed the policy's reinspection fee.
    assert "Reinspection fee (reinspection 2)" in page and "$25.00" in page
    assert "Balance owing</dt><dd>$125.00" in page


async def test_the_owner_appeals_a_fine_within_its_own_window(
    api: Api, worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_number = await _fined(api)
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Appeal fine 1 ($100.00) by" in page and '<input type="hidden" name="fine" value="1">' in page
    appeal = f"/portal/owner/{case_number}/appeal"
    bad = await api.http.post(appeal, data={"grounds": "Cut before the fine", "fine": "the first"})
    assert bad.status_code == 422 and "Enter the fine as a number" in bad.text

    monkeypatch.setattr(owner_portal, "now", lambda: datetime.now(UTC) + timedelta(days=60))
    assert "Appeal fine 1" not in (await api.http.get(f"/portal/owner/{case_number}")).text
    late = await api.http.post(appeal, data={"grounds": "Cut before the fine", "fine": "1"})
    assert late.status_code == 409 and "the appeal window for fine 1 closed on" in late.text
    monkeypatch.undo()

    appealed = await api.http.post(appeal, data={"grounds": "Cut before the fine", "fine": "1"})
    assert appealed.status_code == 200 and "Your appeal of fine 1 was received" in appealed.text
    detail = await until_stage(api, case_number, "hearing")
    assert any(e["summary"].startswith("Appeal of fine 1 filed") for e in detail["timeline"])
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Appeal fine 1" not in page and "You filed an appeal" in page  # heard now: not offered twice
