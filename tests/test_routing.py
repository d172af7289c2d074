"""The officer's route for the day: visits in an order that keeps the drive short."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.routing import Point, Stop, distance_m, route_length_m, route_order

OFFICE = Point(41.59, -93.617)


def nearest_neighbour(start: Point, stops: list[Stop[int]]) -> list[Stop[int]]:
    remaining, tour, here = list(stops), [], start
    while remaining:
        nearest = min(remaining, key=lambda s: distance_m(here, s.point))
        remaining.remove(nearest)
        tour.append(nearest)
        here = nearest.point
    return tour


def test_visits_along_a_street_go_outward_from_the_office() -> None:
    stops = [Stop(Point(41.59, -93.617 + 0.01 * k), k) for k in (3, 1, 4, 2)]
    assert [s.item for s in route_order(OFFICE, stops)] == [1, 2, 3, 4]
    assert route_order(OFFICE, []) == []


def test_two_opt_untangles_a_route_nearest_neighbour_crosses() -> None:
    places = [(41.597, -93.634), (41.6, -93.613), (41.582, -93.636), (41.605, -93.618), (41.599, -93.602)]
    stops = [Stop(Point(lat, lon), k) for k, (lat, lon) in enumerate(places)]
    greedy = route_length_m(OFFICE, nearest_neighbour(OFFICE, stops))
    best = min(route_length_m(OFFICE, order) for order in itertools.permutations(stops))
    ordered = route_length_m(OFFICE, route_order(OFFICE, stops))
    assert greedy - ordered > 1000  # more than a kilometre saved on a five-stop day
    assert abs(ordered - best) < 1e-6  # and here the shortest possible


coordinates = st.tuples(st.floats(41.56, 41.62), st.floats(-93.67, -93.57))


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinates, max_size=9))
def test_every_visit_once_and_never_longer_than_nearest_neighbour(places: list[tuple[float, float]]) -> None:
    stops = [Stop(Point(lat, lon), k) for k, (lat, lon) in enumerate(places)]
    ordered = route_order(OFFICE, stops)
    assert sorted(s.item for s in ordered) == list(range(len(places)))
    assert route_length_m(OFFICE, ordered) <= route_length_m(OFFICE, nearest_neighbour(OFFICE, stops)) + 1e-6
