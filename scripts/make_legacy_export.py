"""Generates a legacy export of Riverton's past cases, one row per violation, as an older system (Accela,
EnerGov, a spreadsheet) would hand it over: US dates with `01/01/1900` for "no date", free-text statuses,
addresses written every which way, points in Iowa South state plane feet (EPSG:3418) and some geocoded to
another continent. With `problems`, it also holds one of every problem the import reports.

    python -m scripts.make_legacy_export   # rewrites config/import/sample-export.csv

Tests and `bench/import.py` call `legacy_rows` for files of their own shape and size.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pyproj import Transformer

ROOT = Path(__file__).resolve().parent.parent
PARCELS = ROOT / "config" / "demo_city" / "parcels.csv"
SAMPLE = ROOT / "config" / "import" / "sample-export.csv"
SEED = 16

HEADINGS = [
    "CASE_NO", "SITE_ADDR", "APN", "X_COORD", "Y_COORD", "OPENED_DT", "CLOSED_DT", "COMPLY_BY_DT", "CASE_STATUS",
    "VIOL_TYPE", "VIOL_DESC", "VIOL_DT", "VIOL_STATUS", "INSPECTOR", "SOURCE", "FINE_AMT", "PAID_AMT",
    "OWNER_NAME", "OWNER_ADDR", "COMPLAINANT",
]  # fmt: skip
TYPES = ["TALL GRASS/WEEDS", "JUNK & DEBRIS", "EXTERIOR MAINT", "VACANT BLDG", "ILLEGAL SIGN", "ZONING - USE"]
CLOSED_STATUSES = ["COMPLETED", "CLOSED - COMPLIED", "CLOSED - NO VIOLATION", "CLOSED - CITY ABATED", "VOID"]
INSPECTORS = ["WHITFIELD, D", "ORTEGA, L", "RAHMAN, A", "TRAN, B"]
SOURCES = ["PHONE", "WEB", "EMAIL", "WALK-IN", "COUNCIL", "STAFF"]
NO_DATE = "01/01/1900"
_SPELLED = {
    "St": "Street",
    "Ave": "Avenue",
    "Dr": "Drive",
    "Rd": "Road",
    "Ln": "Lane",
    "Ct": "Court",
    "Blvd": "Boulevard",
}
_DIRECTIONS = {"W": "West", "E": "East", "N": "North", "S": "South"}
_TO_STATE_PLANE = Transformer.from_crs("EPSG:4326", "EPSG:3418", always_xy=True)


@dataclass(frozen=True)
class Parcel:
    parcel_id: str
    address: str
    lat: float
    lon: float


def demo_parcels() -> list[Parcel]:
    with PARCELS.open(encoding="utf-8") as f:
        return [Parcel(r["parcel_id"], r["address"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)]


def _us(day: date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else NO_DATE


def _written(address: str, rng: random.Random) -> str:
    """The address as a clerk typed it: suffix spelled out, directional spelled out, a unit, upper case."""
    words = address.split()
    roll = rng.random()
    if roll < 0.25:
        words = [_SPELLED.get(w, w) for w in words]
    elif roll < 0.45:
        words = [_DIRECTIONS.get(w, w) for w in words]
    elif roll < 0.55:
        words.append(rng.choice(["Apt 2", "Unit B", "#3"]))
    text = " ".join(words)
    return text.upper() if rng.random() < 0.3 else text


def _point(parcel: Parcel, rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.2:
        return "", ""
    x, y = _TO_STATE_PLANE.transform(parcel.lon, parcel.lat)
    return f"{x:.1f}", f"{y:.1f}"


def legacy_rows(
    parcels: list[Parcel], cases: int, *, seed: int = SEED, today: date, open_share: float = 0.15
) -> Iterator[dict[str, str]]:
    """`cases` legacy cases, one row per violation (2.8 on average), closed over the last six years or still open
    (opened within the last year, a comply-by date past or to come)."""
    rng = random.Random(seed)  # noqa: S311 - fictional data from a fixed seed
    for n in range(1, cases + 1):
        parcel = rng.choice(parcels)
        closed: date | None
        comply_by: date | None
        if rng.random() < open_share:
            opened = today - timedelta(days=rng.randint(20, 300))
            closed = None
            comply_by = today + timedelta(days=rng.randint(-60, 60))
            status = rng.choice(["OPEN", "OPEN", "IN COMPLIANCE PERIOD"])
        else:
            opened = today - timedelta(days=rng.randint(60, 6 * 365))
            closed = opened + timedelta(days=rng.randint(1, 200))
            comply_by = opened + timedelta(days=rng.randint(7, 30)) if rng.random() < 0.7 else None
            status = rng.choice(CLOSED_STATUSES)
        x, y = _point(parcel, rng)
        fine = rng.choice(["", "", "", "100.00", "$250.00"])
        base = {
            "CASE_NO": f"CE{opened:%y}-{n:06d}",
            "SITE_ADDR": _written(parcel.address, rng),
            "APN": parcel.parcel_id.replace("-", "") if rng.random() < 0.5 else "",
            "X_COORD": x,
            "Y_COORD": y,
            "OPENED_DT": _us(opened),
            "CLOSED_DT": _us(closed),
            "COMPLY_BY_DT": _us(comply_by),
            "CASE_STATUS": status,
            "INSPECTOR": rng.choice(INSPECTORS),
            "SOURCE": rng.choice(SOURCES),
            "OWNER_NAME": "",
            "OWNER_ADDR": "",
            "COMPLAINANT": "",
        }
        violations = 1 + min(int(rng.expovariate(1 / 2.3)), 9)  # 2.8 on average
        for v in range(violations):
            legacy_type = rng.choice(TYPES)
            yield base | {
                "VIOL_TYPE": legacy_type,
                "VIOL_DESC": f"{legacy_type.title()} observed ({v + 1})",
                "VIOL_DT": _us(opened + timedelta(days=rng.randint(0, 5))),
                "VIOL_STATUS": "CORRECTED" if closed else "OPEN",
                "FINE_AMT": fine if v == 0 else "",
                "PAID_AMT": fine if v == 0 and closed else "",
            }


def sample_rows(today: date) -> list[dict[str, str]]:
    """About a hundred cases, then one case for every problem the import reports, each named in its description."""
    parcels = demo_parcels()
    rows = list(legacy_rows(parcels, 120, today=today))
    p = parcels

    def case(number: str, parcel: Parcel, description: str, **changes: str) -> dict[str, str]:
        row = {
            "CASE_NO": number, "SITE_ADDR": parcel.address, "APN": "", "X_COORD": "", "Y_COORD": "",
            "OPENED_DT": "03/04/2022", "CLOSED_DT": "04/01/2022", "COMPLY_BY_DT": "03/25/2022",
            "CASE_STATUS": "COMPLETED", "VIOL_TYPE": "TALL GRASS/WEEDS", "VIOL_DESC": description,
            "VIOL_DT": "03/04/2022", "VIOL_STATUS": "CORRECTED", "INSPECTOR": "ORTEGA, L", "SOURCE": "PHONE",
            "FINE_AMT": "", "PAID_AMT": "", "OWNER_NAME": "", "OWNER_ADDR": "", "COMPLAINANT": "",
        }  # fmt: skip
        return row | changes

    rows += [
        case("X-01", p[1], "Unmapped violation type", VIOL_TYPE="SNOW ON SIDEWALK"),
        case("X-02", p[2], "Unmapped status", CASE_STATUS="PENDING REVIEW"),
        case("X-03", p[3], "Unparseable date", CLOSED_DT="13/45/2022"),
        case("X-04", p[4], "Closed with only a placeholder closed date", CLOSED_DT=NO_DATE),
        case("X-05", p[5], "No parcel: an address not in Riverton", SITE_ADDR="9999 Nowhere Blvd"),
        case("X-06", p[6], "Closed before it was opened", CLOSED_DT="01/15/2022"),
        case("X-07", p[7], "Duplicated legacy number, first fact"),
        case("X-07", p[8], "Duplicated legacy number, another address"),
        case("X-08", p[9], "Point in London, address in Riverton", X_COORD="19354809.9", Y_COORD="14757125.3"),
        case("X-09", p[10], "Unmapped officer", INSPECTOR="SMITH, J (RETIRED)"),
        case("X-10", p[11], "Latin-1 text: Peña's complaint about the façade", COMPLAINANT="José Peña"),
        case(
            "X-11",
            p[12],
            "Owner of record in the legacy file",
            OWNER_NAME="Zoë Brontë",
            OWNER_ADDR="1 Rue de la Paix, Paris",
        ),
        case("X-12", p[13], "Unparseable fine", FINE_AMT="fifty dollars"),
        case("", p[14], "A row without a legacy number"),
    ]
    return rows


def to_csv(rows: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADINGS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append([row[h] for h in HEADINGS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


if __name__ == "__main__":
    # Fixed "today", so the committed sample is the same file every time it is made; its open cases' comply-by
    # dates fall before and after that day.
    SAMPLE.write_bytes(to_csv(sample_rows(date(2026, 12, 1)), encoding="latin-1"))
    print(f"wrote {SAMPLE.relative_to(ROOT)}")
