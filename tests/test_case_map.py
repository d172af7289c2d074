"""The hot-spot map's points, on SQLite and PostgreSQL: each case at its parcel's coordinates, narrowed by the reports'
filter, open now or opened in a period, and never a word about who complained."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

from sqlmodel import select

from domain.stages import CaseStage, Channel, Outcome
from records.tables import Complainant, Complaint, Parcel
from tests.conftest import Api, make_settings, open_api
from tests.helpers import sign_in
from tests.test_console_pages import UNREACHABLE_TEMPORAL, Seeder, console, seeded

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL

NAME, EMAIL, PHONE = "Pat Neighbour", "pat.neighbour@example.org", "+15550109999"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def points(api: Api, query: str = "") -> dict[str, dict[str, object]]:
    answer = await api.http.get(f"/reports/map/cases.geojson{query}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    for identity in (NAME, EMAIL, PHONE, "complainant"):
        assert identity not in answer.text
    return {f["properties"]["case_number"]: f for f in answer.json()["features"]}


async def test_the_map_places_each_case_at_its_parcel_and_follows_the_filter(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        maple = session.exec(select(Parcel).where(Parcel.address == "142 Maple Dr")).one()
        grass = s.case(utc("2026-03-10T09:00-05:00"), parcel=maple, priority=1)
        refuse = s.case(utc("2026-03-11T09:00-05:00"), parcel=maple, violation_code="PS-REFUSE")
        older = s.case(now - timedelta(days=400), CaseStage.HEARING)
        closed = s.case(
            utc("2026-03-20T09:00-05:00"),
            CaseStage.CLOSED,
            closed_at=utc("2026-03-25T09:00-05:00"),
            outcome=Outcome.VOLUNTARY_COMPLIANCE,
        )
        person = Complainant(name=NAME, email=EMAIL, phone=PHONE)
        session.add(person)
        session.flush()
        session.add(
            Complaint(
                case_number=grass.case_number,
                violation_code=grass.violation_code,
                parcel_id=maple.parcel_id,
                location_text=f"{NAME} says: at the back",
                description=f"Call {NAME} at {PHONE}",
                channel=Channel.PHONE,
                complainant_id=person.id,
            )
        )

    await sign_in(console.http, "executive")
    open_now = await points(console)
    assert set(open_now) == {grass.case_number, refuse.case_number, older.case_number}
    spot = open_now[grass.case_number]
    assert spot["geometry"] == {"type": "Point", "coordinates": [maple.lon, maple.lat]}
    assert spot["properties"] == {
        "case_number": grass.case_number,
        "address": "142 Maple Dr",
        "violation": "Long grass and weeds",
        "stage": CaseStage.INVESTIGATING.label,
        "received_at": grass.opened_at.isoformat(),
    }
    assert set(await points(console, "?priority=1")) == {grass.case_number}
    assert set(await points(console, "?violation=PS-REFUSE")) == {refuse.case_number}
    march = "?cases=opened&period=custom&from=2026-03-01&to=2026-03-31"
    assert set(await points(console, march)) == {grass.case_number, refuse.case_number, closed.case_number}
    assert set(await points(console, march + "&zone=" + maple.zone_code)) == {grass.case_number, refuse.case_number}

    page = await console.http.get(f"/reports/map{march}")
    assert "<strong>3 cases</strong>" in page.text and "opened from 2026-03-01 to 2026-03-31" in page.text
    source = re.search(r'data-points="/reports/map/cases.geojson\?([^"]*)"', page.text)
    assert source and parse_qs(html.unescape(source.group(1))) == parse_qs(march[1:])  # the points of the same filter
    assert "/static/vendor/leaflet/leaflet.js" in page.text and "data-tiles" not in page.text  # no tile server set
    assert (await console.http.get("/static/vendor/leaflet/leaflet.js")).status_code == 200
    assert (await console.http.get("/reports/map?cases=everything")).status_code == 422

    console.http.cookies.clear()
    await sign_in(console.http, "supervisor")  # the case list leads to the map with the filter they share
    listed = (await console.http.get(f"/cases?zone={maple.zone_code}&priority=1&overdue=1")).text
    assert f'href="/reports/map?zone={maple.zone_code}&amp;priority=1">On the map</a>' in listed
    console.http.cookies.clear()
    await sign_in(console.http, "clerk")
    assert "On the map" not in (await console.http.get("/cases")).text


async def test_a_city_tile_server_is_the_maps_background(sqlite_url: str, tmp_path: Path) -> None:
    tiles = "https://tiles.riverton.example/{z}/{x}/{y}.png"
    settings = make_settings(
        sqlite_url,
        UNREACHABLE_TEMPORAL,
        document_store_dir=tmp_path,
        map_tile_url=tiles,
        map_tile_attribution="© Riverton GIS",
    )
    async for api in open_api(settings):
        await sign_in(api.http, "supervisor")
        page = (await api.http.get("/reports/map")).text
        assert f'data-tiles="{tiles}" data-attribution="© Riverton GIS"' in page
