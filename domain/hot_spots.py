"""The hot-spot map's points: a case where its property stands, as GeoJSON for the map in the console and the
council report.

A point says where and what (address, violation, step), never who: it has no field for a complainant, so no
reader of the map, the CAO's office included, can learn from it who complained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class MapCases(StrEnum):
    """Which cases the map shows: the caseload as it stands, or what came in during the report's period."""

    OPEN = "open"
    OPENED = "opened"

    @property
    def label(self) -> str:
        return {MapCases.OPEN: "Open now", MapCases.OPENED: "Opened in the period"}[self]


@dataclass(frozen=True)
class HotSpot:
    case_number: str
    lat: float
    lon: float
    address: str
    violation_code: str
    stage_label: str
    received_at: datetime


def feature_collection(spots: Iterable[HotSpot], violation_title: Callable[[str], str]) -> dict[str, Any]:
    """RFC 7946 GeoJSON: a Point per case at its parcel's coordinates (longitude first)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [spot.lon, spot.lat]},
                "properties": {
                    "case_number": spot.case_number,
                    "address": spot.address,
                    "violation": violation_title(spot.violation_code),
                    "stage": spot.stage_label,
                    "received_at": spot.received_at.isoformat(),
                },
            }
            for spot in spots
        ],
    }


@dataclass(frozen=True)
class ParcelSpot:
    """The cases at one property."""

    address: str
    lat: float
    lon: float
    cases: int


def by_parcel(spots: Iterable[HotSpot]) -> list[ParcelSpot]:
    """The points grouped by property, the most cases first (then by address)."""
    grouped: dict[tuple[float, float, str], int] = {}
    for spot in spots:
        key = (spot.lat, spot.lon, spot.address)
        grouped[key] = grouped.get(key, 0) + 1
    return sorted(
        (ParcelSpot(address, lat, lon, cases) for (lat, lon, address), cases in grouped.items()),
        key=lambda p: (-p.cases, p.address),
    )
