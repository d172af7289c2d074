"""The violations a city can publish as is: the HouseFacts open data standard (Code for America's housing
inspection feed, version 0.2), four CSV files in one zip.

Nothing personal goes out: the standard asks for the owner's name and mailing address, and those columns are
kept (so a reader built for the standard finds them) but left empty; a complainant, an officer's findings or a
note in free text never appear. A building is a parcel of the assessment roll, the unit the city inspects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

VERSION = "0.2"
AGENCY = "Code Enforcement"
JURISDICTION = "city"

BUILDINGS = (
    "building_id",
    "parcel_id",
    "building_type",
    "dwelling_units",
    "building_built_year",
    "building_sqft",
    "building_value",
    "building_from_st",
    "building_to_st",
    "building_street",
    "building_street_type",
    "building_city",
    "building_state",
    "building_postal_code",
    "building_latitude",
    "building_longitude",
    "owner_name",
    "owner_mailing_address",
)
INSPECTIONS = (
    "building_id",
    "parcel_id",
    "inspection_id",
    "inspection_address",
    "inspection_unit_number",
    "inspection_city",
    "inspection_state",
    "inspection_agency",
    "agency_jurisdiction",
    "inspection_type",
    "inspection_date",
    "inspection_rating",
    "inspection_score",
)
VIOLATIONS = (
    "violation_id",
    "inspection_id",
    "inspection_agency",
    "violation_address",
    "violation_unit_number",
    "violation_city",
    "violation_state",
    "violation_date",
    "violation_date_closed",
    "violation_category",
    "violation_type",
    "violation_severity",
    "legal_authority",
)
FEED_INFO = (
    "feed_date",
    "feed_version",
    "municipality_name",
    "building_id_definition",
    "parcel_id_definition",
    "municipality_url",
    "contact_email",
)
# The standard's violation categories; a policy pack names one for each violation type.
CATEGORIES = frozenset(
    {
        "Animals and Pests",
        "Vegetation",
        "Refuse",
        "Sanitation",
        "Radiation Hazard",
        "Air Pollutants and Odors",
        "Bioological Hazard",  # the standard's spelling
        "Chemical Hazards",
        "Noise",
        "Indoor Climate",
        "Plumbing",
        "Electrical",
        "Fire Hazards and Prevention",
        "Building Security",
        "Building Structure",
        "Planning or Zoning",
        "Abandon, Boarded or Substandard Building",
        "No Permit",
        "Water Hazard",
        "Gas Hazard",
        "Other",
    }
)
# How far back the standard's inspections file reaches.
YEARS_PUBLISHED = 5
# The result of each visit on the timeline, in the standard's words; a first visit answers a complaint (or is the
# officer's own round), a reinspection follows one up.
RATING = {
    "inspection_violation_found": "fail",
    "inspection_no_violation": "pass",
    "reinspection_complied": "pass",
    "reinspection_not_yet": "fail",
    "reinspection_not_complied": "fail",
}
FIRST_VISITS = frozenset({"inspection_violation_found", "inspection_no_violation"})
STREET_TYPES = frozenset(
    {"St", "Ave", "Rd", "Dr", "Blvd", "Ln", "Way", "Ct", "Pl", "Pkwy", "Ter", "Cir", "Hwy", "Trl", "Sq", "Loop"}
)
BUILDING_ID = "The parcel identifier of the city's assessment roll: a building is the parcel the city inspects."
PARCEL_ID = "The parcel identifier of the city's assessment roll."


@dataclass(frozen=True)
class Building:
    parcel_id: str
    address: str
    land_use: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Visit:
    """An inspection or reinspection on a case's timeline."""

    event_id: int
    case_number: str
    parcel_id: str
    kind: str
    at: datetime
    officer_initiated: bool  # the case was opened by an officer's own report, not a complaint


@dataclass(frozen=True)
class Violation:
    """A case in which an inspection found the violation."""

    case_number: str
    found_by: int  # the event id of the inspection that found it
    parcel_id: str
    found_at: datetime
    closed_at: datetime | None
    category: str
    title: str
    section: str
    life_safety: bool


@dataclass(frozen=True)
class Municipality:
    name: str
    city: str
    state: str
    url: str
    email: str
    time_zone: str


def street_parts(address: str) -> tuple[str, str, str]:
    """ "128 W 14th St" as the standard splits it: the number, the street, its type."""
    words = address.split()
    number = words.pop(0) if words and words[0][:1].isdigit() else ""
    kind = words.pop() if len(words) > 1 and words[-1].rstrip(".") in STREET_TYPES else ""
    return number, " ".join(words), kind.rstrip(".")


def inspection_id(event_id: int) -> str:
    return f"I{event_id}"


def _day(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).date().isoformat() if at else ""


Row = dict[str, object]  # a line of a file, by the standard's column names; a column not given is left empty


def building_rows(buildings: Iterable[Building], m: Municipality) -> list[Row]:
    rows: list[Row] = []
    for b in sorted(buildings, key=lambda b: b.parcel_id):
        number, street, kind = street_parts(b.address)
        rows.append(
            {
                "building_id": b.parcel_id,
                "parcel_id": b.parcel_id,
                "building_type": b.land_use,
                "dwelling_units": 1 if b.land_use == "residential_single" else "",
                "building_from_st": number,
                "building_street": street,
                "building_street_type": kind,
                "building_city": m.city,
                "building_state": m.state,
                "building_latitude": f"{b.lat:.6f}",
                "building_longitude": f"{b.lon:.6f}",
            }
        )
    return rows


def inspection_rows(visits: Iterable[Visit], addresses: dict[str, str], m: Municipality) -> list[Row]:
    zone = ZoneInfo(m.time_zone)
    return [
        {
            "building_id": v.parcel_id,
            "parcel_id": v.parcel_id,
            "inspection_id": inspection_id(v.event_id),
            "inspection_address": addresses[v.parcel_id],
            "inspection_city": m.city,
            "inspection_state": m.state,
            "inspection_agency": AGENCY,
            "agency_jurisdiction": JURISDICTION,
            "inspection_type": ("routine" if v.officer_initiated else "complaint")
            if v.kind in FIRST_VISITS
            else "follow-up",
            "inspection_date": _day(v.at, zone),
            "inspection_rating": RATING[v.kind],
        }
        for v in sorted(visits, key=lambda v: (v.at, v.event_id))
    ]


def violation_rows(violations: Iterable[Violation], addresses: dict[str, str], m: Municipality) -> list[Row]:
    zone = ZoneInfo(m.time_zone)
    return [
        {
            "violation_id": v.case_number,
            "inspection_id": inspection_id(v.found_by),
            "inspection_agency": AGENCY,
            "violation_address": addresses[v.parcel_id],
            "violation_city": m.city,
            "violation_state": m.state,
            "violation_date": _day(v.found_at, zone),
            "violation_date_closed": _day(v.closed_at, zone),
            "violation_category": v.category,
            "violation_type": v.title,
            "violation_severity": "high" if v.life_safety else "low",
            "legal_authority": v.section,
        }
        for v in sorted(violations, key=lambda v: (v.found_at, v.case_number))
    ]


def feed_row(m: Municipality, today: date) -> Row:
    return {
        "feed_date": today.isoformat(),
        "feed_version": VERSION,
        "municipality_name": m.name,
        "building_id_definition": BUILDING_ID,
        "parcel_id_definition": PARCEL_ID,
        "municipality_url": m.url,
        "contact_email": m.email,
    }
