"""Residents report a problem on the public portal, follow it by tracking code and find cases by address;
a second report of the same problem joins the open case. Against the real dev server and a worker."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from records.db import make_engine, session_factory
from records.evidence import Evidence
from records.tables import Case, Complainant, Complaint
from tests.conftest import Api
from tests.helpers import eventually
from tests.portal_flow import REPORT, case_of, photo, portal_api, post_report, tracking_code_of


@pytest.fixture
async def api(database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """SQLite and PostgreSQL."""
    async for client in portal_api(database_url, temporal_dev, tmp_path):
        yield client


async def test_the_report_form_labels_every_field_and_needs_nothing_from_elsewhere(api: Api) -> None:
    form = await api.http.get("/portal/report")
    assert form.status_code == 200
    page = form.text
    ids = set(re.findall(r'<(?:input|textarea|select)[^>]* id="([^"]+)"', page))
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', page))
    assert {"address", "lat", "lon", "description", "photos", "name", "email", "phone"} <= ids <= labelled
    assert "Long grass and weeds" in page and "Unsafe structure" in page  # the policy's own words
    assert "never shown to the\n      property owner" in page or "never shown to the property owner" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # no asset from another server
    assert (await api.http.get("/static/portal.css")).status_code == 200
    assert 'name="viewport"' in page


async def test_an_anonymous_report_with_a_photo_opens_a_case_to_follow(api: Api, worker: None) -> None:
    answer = await post_report(api.http, REPORT, [("yard.jpg", photo(), "image/jpeg")])
    code = tracking_code_of(answer)
    assert len(code) == 10 and answer.headers["location"].endswith("?new=1")

    first = await api.http.get(answer.headers["location"])
    assert first.status_code == 200
    assert code in first.text and "Thank you" in first.text
    case_number = re.search(r"Case (CE-\d{4}-\d{6})", first.text)[1]  # type: ignore[index]

    async def public_page() -> str:
        return (await api.http.get(f"/portal/track/{code}")).text

    page = await eventually(public_page, until=lambda text: "Waiting for an officer to inspect" in text)
    assert "Long grass and weeds" in page and "142 Maple Dr" in page
    assert "An officer inspects the property by" in page
    assert "Report received" in page and "Assigned to an officer" in page
    detail = await case_of(api, case_number)
    assert detail["timeline"][0]["summary"].startswith("Complaint received (portal)")

    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        [complaint] = session.exec(select(Complaint).where(Complaint.case_number == case_number)).all()
        assert complaint.complainant_id is None and complaint.channel == "portal"
        [kept] = session.exec(select(Evidence).where(Evidence.case_number == case_number)).all()
    assert kept.source == "portal_report" and kept.internal and kept.media_type == "image/jpeg"
    assert (api.settings.document_store_dir / kept.path).read_bytes() == photo()


async def test_a_report_by_latitude_and_longitude_opens_a_case_at_the_nearest_property(api: Api) -> None:
    [maple] = (await api.get("/api/v1/parcels", "clerk", params={"q": "142 Maple"})).json()
    lat, lon = maple["lat"] + 0.0002, maple["lon"]  # some 20 m off the parcel's point, as a phone's GPS is
    answer = await post_report(api.http, {**REPORT, "address": "", "lat": str(lat), "lon": str(lon)})
    code = tracking_code_of(answer)
    assert answer.headers["location"].endswith("?new=1")
    with session_factory(make_engine(api.settings.database_url))() as session:
        case = session.exec(select(Case).where(Case.tracking_code == code)).one()
        complaint = session.exec(select(Complaint).where(Complaint.case_number == case.case_number)).one()
    assert case.parcel_id == maple["parcel_id"]
    assert (complaint.lat, complaint.lon) == (lat, lon) and complaint.location_text == f"{lat}, {lon}"
    page = await api.http.get(answer.headers["location"])
    assert "142 Maple Dr" in page.text and "Thank you" in page.text


async def test_a_second_report_of_the_same_problem_joins_the_open_case(api: Api, worker: None) -> None:
    first = tracking_code_of(await post_report(api.http, REPORT))
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        case = session.exec(select(Case).where(Case.tracking_code == first)).one()
    await eventually(lambda: case_of(api, case.case_number), until=lambda c: c["stage"] == "investigating")

    again = await post_report(
        api.http,
        {**REPORT, "address": "142 maple dr", "description": "Still long", "name": "Sam", "email": "sam@example.org"},
    )
    assert tracking_code_of(again) == first and again.headers["location"].endswith("?joined=1")
    joined = await api.http.get(again.headers["location"])
    assert "already reported" in joined.text and first in joined.text

    detail = await eventually(
        lambda: case_of(api, case.case_number),
        until=lambda c: "duplicate_attached" in [e["kind"] for e in c["timeline"]],
    )
    assert detail["stage"] == "investigating"
    with sessions() as session:
        complaints = session.exec(select(Complaint).where(Complaint.case_number == case.case_number)).all()
        assert len(complaints) == 2
        assert session.get(Complainant, complaints[1].complainant_id).email == "sam@example.org"  # type: ignore[union-attr]
        assert len(session.exec(select(Case).where(Case.parcel_id == case.parcel_id)).all()) == 1

    other = await post_report(api.http, {**REPORT, "violation_code": "PS-REFUSE", "description": "Old sofas"})
    assert tracking_code_of(other) != first  # another problem at the same address is a case of its own


async def test_reports_of_the_same_problem_at_the_same_moment_open_one_case(api: Api, worker: None) -> None:
    descriptions = [f"Grass past my knees, neighbour {n}" for n in range(8)]
    answers = await asyncio.gather(*(post_report(api.http, {**REPORT, "description": d}) for d in descriptions))
    [code] = {tracking_code_of(answer) for answer in answers}
    assert sorted(answer.headers["location"].split("?")[1] for answer in answers) == ["joined=1"] * 7 + ["new=1"]
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        case = session.exec(select(Case).where(Case.tracking_code == code)).one()
        same = select(Case).where(Case.parcel_id == case.parcel_id, Case.violation_code == case.violation_code)
        assert len(session.exec(same).all()) == 1
        complaints = session.exec(select(Complaint).where(Complaint.case_number == case.case_number)).all()
        assert sorted(c.description for c in complaints) == descriptions
    # Each report after the first reached the case as a duplicate complaint (the signal), none was lost.
    await eventually(
        lambda: case_of(api, case.case_number),
        until=lambda c: [e["kind"] for e in c["timeline"]].count("duplicate_attached") == 7,
    )


async def test_cases_are_found_by_address_without_their_tracking_codes(api: Api, worker: None) -> None:
    code = tracking_code_of(await post_report(api.http, REPORT))
    found = await api.http.get("/portal/search", params={"address": "142 Maple"})
    assert found.status_code == 200
    assert "142 Maple Dr" in found.text and "Long grass and weeds" in found.text
    assert code not in found.text  # the tracking code stays with the person who reported
    with session_factory(make_engine(api.settings.database_url))() as session:
        case_number = session.exec(select(Case).where(Case.tracking_code == code)).one().case_number
    # Each case links to its public page, and the list says what happens next, as that page does.
    await eventually(lambda: case_of(api, case_number), until=lambda c: c["stage"] == "investigating")
    found = await api.http.get("/portal/search", params={"address": "142 Maple"})
    link = f'<a href="/portal/cases/{case_number}">{case_number}</a>'
    assert link in found.text
    public = await api.http.get(f"/portal/cases/{case_number}")
    assert public.status_code == 200 and "Long grass and weeds" in public.text and code not in public.text
    milestone = re.search(r"<dt>What happens next</dt><dd>([^<]+)</dd>", public.text)
    assert milestone and milestone[1].startswith("An officer inspects the property by")
    assert f'<td data-label="What happens next">{milestone[1]}</td>' in found.text
    assert (await api.http.get("/portal/cases/CE-2026-999999")).status_code == 404
    assert (await api.http.get("/portal/cases/nope")).status_code == 404
    nothing = await api.http.get("/portal/search", params={"address": "1 Nowhere Lane"})
    assert "No cases at addresses matching" in nothing.text
    assert (await api.http.get("/portal/addresses", params={"q": "142 map"})).json() == ["142 Maple Dr"]


async def test_an_unknown_tracking_code_says_so(api: Api) -> None:
    answer = await api.http.get("/portal/track/ZZZZZZZZZZ")
    assert answer.status_code == 404 and "No case has that tracking code" in answer.text
    typed = await api.http.get("/portal/track", params={"code": " kc94-z2zv 7d "})
    assert typed.status_code == 303 and typed.headers["location"] == "/portal/track/KC94Z2ZV7D"
