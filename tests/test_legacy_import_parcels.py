"""Finding a legacy case's parcel (issue 16): parcel id, then the address however it was written, then a point
inside the city (lat/lon or state plane feet); points on another continent are ignored for the address, and a
case matching nothing is reported."""

from __future__ import annotations

from datetime import date

import pytest
from pyproj import Transformer

from domain.city import City
from domain.legacy_cases import LegacyRow, Problem, read_cases
from domain.legacy_mapping import parse_mapping
from scripts.make_legacy_export import demo_parcels, sample_rows
from services.legacy_import.parcels import ParcelMatch, ParcelMatcher, RollParcel
from tests.test_legacy_import_reading import example

PARCELS = [RollParcel(p.parcel_id, p.address, p.lat, p.lon) for p in demo_parcels()]
WEST_14TH = next(p for p in PARCELS if p.address == "128 W 14th St")
RIVER = next(p for p in PARCELS if p.address.endswith(" Ave"))


def match(city: City, system: str = "EPSG:3418", **cells: str) -> ParcelMatch:
    row = sample_rows(date(2026, 12, 1))[0] | {"APN": "", "SITE_ADDR": "", "X_COORD": "", "Y_COORD": ""} | cells
    mapping = parse_mapping(example(**{'system = "EPSG:3418"': f'system = "{system}"'}))
    cases, _ = read_cases([LegacyRow(2, row)], mapping)
    return ParcelMatcher(PARCELS, city.bounds, system).match(cases[0])


def test_the_parcel_id_is_matched_first_however_it_is_punctuated(city: City) -> None:
    found = match(city, APN=WEST_14TH.parcel_id.replace("-", " ").lower(), SITE_ADDR=RIVER.address)
    assert (found.parcel_id, found.by, found.findings) == (WEST_14TH.parcel_id, "parcel id", ())


@pytest.mark.parametrize(
    "written",
    [
        "128 W 14th St",
        "128 West 14th Street",
        "0128 w. 14TH ST., Riverton IA",
        "128 W 14th St Apt 2",
        "128 W 14TH ST #3",
    ],
)
def test_an_address_is_matched_with_types_directionals_and_units_written_any_way(city: City, written: str) -> None:
    found = match(city, APN="R-00-0000-000", SITE_ADDR=written)
    assert (found.parcel_id, found.by) == (WEST_14TH.parcel_id, "address")


def test_a_house_number_matches_whole(city: City) -> None:
    assert not any(p.address == "28 W 14th St" for p in PARCELS)
    found = match(city, SITE_ADDR="28 W 14th St")
    assert found.parcel_id is None
    assert [(f.problem, f.detail) for f in found.findings] == [(Problem.NO_PARCEL, "address '28 W 14th St'")]


def test_a_point_in_state_plane_feet_or_lat_lon_finds_the_nearest_parcel_in_the_city(city: City) -> None:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3418", always_xy=True).transform(RIVER.lon, RIVER.lat + 0.0001)
    found = match(city, X_COORD=f"{x:.1f}", Y_COORD=f"{y:.1f}", SITE_ADDR="somewhere by the river")
    assert (found.parcel_id, found.by, found.findings) == (RIVER.parcel_id, "point", ())
    lat_lon = match(city, "EPSG:4326", X_COORD=str(RIVER.lon), Y_COORD=str(RIVER.lat))
    assert (lat_lon.parcel_id, lat_lon.by) == (RIVER.parcel_id, "point")


def test_a_point_on_another_continent_is_ignored_in_favour_of_the_address(city: City) -> None:
    found = match(city, "EPSG:4326", X_COORD="-0.1276", Y_COORD="51.5072", SITE_ADDR="128 west 14th street")
    assert (found.parcel_id, found.by) == (WEST_14TH.parcel_id, "address")
    assert [f.problem for f in found.findings] == [Problem.POINT_OUTSIDE_CITY]
    alone = match(city, "EPSG:4326", X_COORD="-0.1276", Y_COORD="51.5072")
    assert [f.problem for f in alone.findings] == [Problem.POINT_OUTSIDE_CITY, Problem.NO_PARCEL]
