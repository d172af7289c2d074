"""The HouseFacts open data export, on SQLite and PostgreSQL: the four files of the standard with its columns, a row
per building, visit and violation found, and nothing of the owner or the complainant anywhere in the zip."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

from domain.open_data import BUILDINGS, FEED_INFO, INSPECTIONS, VIOLATIONS
from domain.stages import CaseStage, Channel, Outcome
from records.tables import Complainant
from tests.conftest import Api
from tests.helpers import sign_in
from tests.test_console_pages import Seeder, console, seeded
from tests.test_reports import complaint

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL

PATH = "/reports/open-data/housefacts.zip"


def files(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))) for name in archive.namelist()
        }


async def test_the_housefacts_zip_has_the_standards_files_and_nothing_personal(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        maple, elm = s.parcels[1], s.parcels[2]
        owners = {p.owner_name for p in (maple, elm)} | {p.owner_mailing_address for p in (maple, elm)}
        owners |= {contact for p in (maple, elm) for contact in (p.owner_email, p.owner_phone) if contact}
        pat = Complainant(name="Pat Neighbour", email="pat@example.com", phone="+15550100999")
        session.add(pat)
        session.flush()
        found = s.case(
            now - timedelta(days=40),
            CaseStage.CLOSED,
            parcel=maple,
            closed_at=now - timedelta(days=3),
            outcome=Outcome.VOLUNTARY_COMPLIANCE,
        )
        complaint(session, found, Channel.PHONE, complainant=pat.id)
        s.event(found, "inspection_violation_found", now - timedelta(days=38), "Found by Pat Neighbour's report")
        s.event(found, "reinspection_complied", now - timedelta(days=4))
        clean = s.case(now - timedelta(days=10), parcel=elm, violation_code="PS-REFUSE")
        complaint(session, clean, Channel.OFFICER)
        s.event(clean, "inspection_no_violation", now - timedelta(days=9))
        s.case(now - timedelta(days=2))  # not inspected yet: nothing to publish
        old = s.case(now - timedelta(days=6 * 365), parcel=elm)
        s.event(old, "inspection_violation_found", now - timedelta(days=6 * 365 - 1))  # older than five years

    await sign_in(console.http, "executive")
    answer = await console.http.get(PATH)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    feed = files(answer.content)
    assert sorted(feed) == ["buildings.csv", "feed_info.csv", "inspections.csv", "violations.csv"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        headers = {name: archive.read(name).decode("utf-8").splitlines()[0] for name in archive.namelist()}
        everything = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert headers == {
        "buildings.csv": ",".join(BUILDINGS),
        "inspections.csv": ",".join(INSPECTIONS),
        "violations.csv": ",".join(VIOLATIONS),
        "feed_info.csv": ",".join(FEED_INFO),
    }
    assert [(b["building_id"], b["building_city"], b["owner_name"]) for b in feed["buildings.csv"]] == sorted(
        (p.parcel_id, "Riverton", "") for p in (maple, elm)
    )
    visits = [(i["parcel_id"], i["inspection_type"], i["inspection_rating"]) for i in feed["inspections.csv"]]
    assert visits == [
        (maple.parcel_id, "complaint", "fail"),
        (elm.parcel_id, "routine", "pass"),  # an officer's own round
        (maple.parcel_id, "follow-up", "pass"),
    ]
    (violation,) = feed["violations.csv"]
    assert violation["violation_id"] == found.case_number
    assert violation["inspection_id"] == feed["inspections.csv"][0]["inspection_id"]
    assert violation["violation_category"] == "Vegetation" and violation["violation_type"] == "Long grass and weeds"
    assert violation["violation_severity"] == "low" and violation["violation_date_closed"]
    (info,) = feed["feed_info.csv"]
    assert (info["feed_version"], info["municipality_name"]) == ("0.2", "City of Riverton")

    for personal in (*owners, "Pat Neighbour", "pat@example.com", "+15550100999"):
        assert personal not in everything, personal

    console.http.cookies.clear()
    await sign_in(console.http, "finance")
    assert (await console.http.get(PATH)).status_code == 403
    assert 'href="/reports/open-data/housefacts.zip"' not in (await console.http.get("/reports")).text
