"""Counting requests in a sliding window from two fixed windows, so a count is one row a database can add to.

A limit of N requests per W seconds keeps a counter per fixed window of W seconds. The requests of the last W
seconds are estimated as the current window's count plus the previous window's count weighted by the part of it
that still lies within the last W seconds (the estimate Cloudflare's limiter uses). Unlike one fixed window it
allows no double burst across a window's edge, and unlike a list of instants it is one integer per client.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowPosition:
    index: int  # which fixed window of `seconds` since the epoch
    elapsed: float  # seconds since that window began
    seconds: int

    @property
    def ends_at(self) -> float:
        return (self.index + 1) * self.seconds


def position(now: float, seconds: int) -> WindowPosition:
    index = math.floor(now / seconds)
    return WindowPosition(index, now - index * seconds, seconds)


def room(allowed: int, previous: int, at: WindowPosition) -> int:
    """How many requests the current window may hold now: one more is allowed while its count is below this."""
    still_counted = previous * (1 - at.elapsed / at.seconds)
    return max(0, math.ceil(allowed - still_counted))


def wait_seconds(allowed: int, previous: int, current: int, at: WindowPosition) -> int:
    """Whole seconds until one more request fits (the first moment strictly after the count falls below the limit):
    while the previous window fades within this one, or, when this window alone is full, once it has become the
    previous one and faded enough."""
    if current < allowed and previous:
        fits_after = at.seconds * (1 - (allowed - current) / previous)
    else:
        fits_after = at.seconds + (at.seconds * (1 - allowed / current) if current else 0.0)
    return max(1, math.floor(fits_after - at.elapsed) + 1)
