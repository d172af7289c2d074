"""An officer's route for the day: the order of visits that keeps the drive short.

Nearest neighbour from the office gives a first tour; 2-opt then reverses any stretch whose reversal
shortens it, until none does. For the dozen or two stops of a day this is exact enough and instant.
The tour is open: the officer's day ends at the last stop, not back at the office.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Generic, TypeVar

EARTH_RADIUS_M = 6_371_000

T = TypeVar("T")


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Stop(Generic[T]):
    point: Point
    item: T


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance (haversine): a stand-in for driving distance that never overestimates it."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def route_length_m(start: Point, stops: Sequence[Stop[T]]) -> float:
    points = [start, *(s.point for s in stops)]
    return sum(distance_m(a, b) for a, b in pairwise(points))


def route_order(start: Point, stops: Sequence[Stop[T]]) -> list[Stop[T]]:
    """The stops in visiting order from `start`: nearest neighbour, improved by 2-opt. Ties keep the given order."""
    remaining = list(stops)
    tour: list[Stop[T]] = []
    here = start
    while remaining:
        nearest = min(range(len(remaining)), key=lambda i: distance_m(here, remaining[i].point))
        here = remaining[nearest].point
        tour.append(remaining.pop(nearest))
    return _two_opt(start, tour)


def _two_opt(start: Point, tour: list[Stop[T]]) -> list[Stop[T]]:
    points = [start, *(s.point for s in tour)]
    improved = True
    while improved:
        improved = False
        # Reverse points[i..j]: edges (i-1, i) and (j, j+1) become (i-1, j) and (i, j+1); an open tour's last
        # stop has no edge after it.
        for i in range(1, len(points) - 1):
            for j in range(i + 1, len(points)):
                before = distance_m(points[i - 1], points[i])
                after = distance_m(points[i - 1], points[j])
                if j + 1 < len(points):
                    before += distance_m(points[j], points[j + 1])
                    after += distance_m(points[i], points[j + 1])
                if after < before - 1e-6:
                    points[i : j + 1] = reversed(points[i : j + 1])
                    tour[i - 1 : j] = reversed(tour[i - 1 : j])
                    improved = True
    return tour
