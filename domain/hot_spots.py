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
