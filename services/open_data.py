"""The HouseFacts open data export at `/reports/open-data/housefacts.zip`: the violations and inspections of the
last five years, which a city can publish as is (domain/open_data.py says what goes out and what never does)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

from sqlmodel import Session

from domain import open_data as od
from domain.city import City
from domain.policy import Category, Policy
from domain.report_figures import local_today, years_before
from records import open_data as q


def _csv(columns: tuple[str, ...], rows: list[od.Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def housefacts_zip(session: Session, policy: Policy, city: City, now: datetime) -> bytes:
    since = years_before(now, od.YEARS_PUBLISHED, city.timezone)
    municipality = od.Municipality(city.name, city.short_name, city.state, city.website, city.email, city.timezone)
    visits = q.visits(session, since)
    violations = []
    for number, found_by, parcel, found_at, closed_at, code in q.found_violations(session, since):
        kind = policy.violation(code)
        violations.append(
            od.Violation(
                number,
                found_by,
                parcel,
                found_at,
                closed_at,
                kind.open_data_category if kind else "Other",
                kind.title if kind else code,
                kind.section if kind else "",
                kind is not None and kind.category is Category.I,
            )
        )
    buildings = q.buildings(session, {v.parcel_id for v in visits})
    addresses = {b.parcel_id: b.address for b in buildings}
    files = {
        "buildings.csv": _csv(od.BUILDINGS, od.building_rows(buildings, municipality)),
        "inspections.csv": _csv(od.INSPECTIONS, od.inspection_rows(visits, addresses, municipality)),
        "violations.csv": _csv(od.VIOLATIONS, od.violation_rows(violations, addresses, municipality)),
        "feed_info.csv": _csv(od.FEED_INFO, [od.feed_row(municipality, local_today(now, city.timezone))]),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()
