"""Finding a legacy case's parcel on the assessment roll: by parcel id, then by address, then by point.

The roll is read once into memory (a city has tens of thousands of parcels; an export hundreds of thousands of
rows). A point counts only inside the city's bounds: real exports hold points geocoded to other states and
continents, which are ignored in favour of the address, and said so in the report.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pyproj import Transformer

from domain.addresses import parcel_id_key, property_address_key
from domain.city import Bounds
from domain.legacy_cases import Finding, LegacyCase, Problem
from domain.routing import Point, distance_m
from records.intake import MAX_PARCEL_DISTANCE_M

_CELL = 0.002  # degrees: about 220 m north-south, so a parcel within 150 m is in a point's cell or a neighbour


@dataclass(frozen=True)
class RollParcel:
    parcel_id: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class ParcelMatch:
    parcel_id: str | None
    by: str  # "parcel id", "address", "point" or "" when nothing matched
    findings: tuple[Finding, ...]


class ParcelMatcher:
    def __init__(self, parcels: Iterable[RollParcel], bounds: Bounds, coordinate_system: str) -> None:
        self._bounds = bounds
        self._by_id: dict[str, str] = {}
        self._by_address: dict[str, str] = {}
        self._cells: dict[tuple[int, int], list[RollParcel]] = defaultdict(list)
        for parcel in parcels:
            self._by_id[parcel_id_key(parcel.parcel_id)] = parcel.parcel_id
            self._by_address.setdefault(property_address_key(parcel.address), parcel.parcel_id)
            self._cells[self._cell(parcel.lat, parcel.lon)].append(parcel)
        self._to_lat_lon = Transformer.from_crs(coordinate_system, "EPSG:4326", always_xy=True)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _CELL), math.floor(lon / _CELL)

    def match(self, case: LegacyCase) -> ParcelMatch:
        facts, row = case.facts, case.rows[0]
        findings: list[Finding] = []
        point = self._point(case.facts.x, case.facts.y)
        if point is not None and not self._bounds.contains(point.lat, point.lon):
            findings.append(
                Finding(
                    row, Problem.POINT_OUTSIDE_CITY, f"({point.lat:.5f}, {point.lon:.5f}) from ({facts.x}, {facts.y})"
                )
            )
            point = None
        if facts.parcel_id and (found := self._by_id.get(parcel_id_key(facts.parcel_id))):
            return ParcelMatch(found, "parcel id", tuple(findings))
        if facts.address and (found := self._by_address.get(property_address_key(facts.address))):
            return ParcelMatch(found, "address", tuple(findings))
        if point is not None and (found := self._nearest(point)):
            return ParcelMatch(found, "point", tuple(findings))
        tried = [
            f"parcel id {facts.parcel_id!r}" if facts.parcel_id else "",
            f"address {facts.address!r}" if facts.address else "",
            f"point ({point.lat:.5f}, {point.lon:.5f})" if point else "",
        ]
        detail = "; ".join(t for t in tried if t) or "no parcel id, address or point"
        return ParcelMatch(None, "", (*findings, Finding(row, Problem.NO_PARCEL, detail)))

    def _point(self, x: float | None, y: float | None) -> Point | None:
        if x is None or y is None:
            return None
        lon, lat = self._to_lat_lon.transform(x, y)
        return Point(lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None

    def _nearest(self, point: Point) -> str | None:
        row, column = self._cell(point.lat, point.lon)
        near = [p for dr in (-1, 0, 1) for dc in (-1, 0, 1) for p in self._cells.get((row + dr, column + dc), [])]
        ranked = sorted((distance_m(point, Point(p.lat, p.lon)), p.parcel_id) for p in near)
        return ranked[0][1] if ranked and ranked[0][0] <= MAX_PARCEL_DISTANCE_M else None
