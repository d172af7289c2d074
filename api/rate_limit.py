"""Per-client rate limits for the public pages: a small in-process sliding window.

In-process on purpose: it needs no service and stops a script hammering one API replica. Each replica
counts on its own, so N replicas allow N times the rate; a city running many replicas behind one address
should also limit at its proxy. The client is the connection's address (run uvicorn with --proxy-headers
behind a trusted proxy so that it is the resident's, not the proxy's).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    per_seconds: float
    words: str  # what the person is told they did too often


# A resident files a few reports; an owner types a code a few times; pages are read freely, not scraped.
REPORTS = Limit("report", 10, 3600, "reports from your connection in the last hour")
OWNER_SIGN_IN = Limit("owner-sign-in", 10, 900, "access code attempts from your connection in 15 minutes")
OWNER_SIGN_IN_PER_CASE = Limit(
    "owner-sign-in-case", 20, 3600, "access code attempts for this case from your connection in the last hour"
)
# Guessing a code spread over many connections; high enough that no one person can lock the owner out of the case.
OWNER_SIGN_IN_CASE_CEILING = Limit(
    "owner-sign-in-case-ceiling", 400, 3600, "access code attempts for this case in the last hour"
)
OWNER_ACTIONS = Limit("owner-action", 20, 3600, "requests from your connection in the last hour")
PAGES = Limit("page", 120, 60, "page requests from your connection in the last minute")
# 311 apps post for many residents from a few servers, and poll for status: more room than a person needs.
OPEN311_POSTS = Limit("open311-post", 600, 3600, "service requests from your connection in the last hour")
OPEN311_READS = Limit("open311-read", 300, 60, "Open311 requests from your connection in the last minute")


class RateLimited(HTTPException):
    def __init__(self, message: str, wait: int) -> None:
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS, detail=message, headers={"Retry-After": str(wait)})


# How often the limiter forgets clients whose every request has left its window: memory stays bounded by the
# clients of the last window, not by every address that ever called.
FORGET_EVERY_SECONDS = 60.0


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._windows: dict[str, float] = {}
        self._forgot_at = clock()
        self._lock = threading.Lock()

    @property
    def tracked(self) -> int:
        """How many (limit, client) pairs are remembered."""
        return len(self._hits)

    def check(self, limit: Limit, key: str) -> None:
        """Counts one request; refuses with 429 and Retry-After once `limit` is reached for `key`."""
        now = self._clock()
        with self._lock:
            self._windows[limit.name] = limit.per_seconds
            if now - self._forgot_at >= FORGET_EVERY_SECONDS:
                self._hits = {k: h for k, h in self._hits.items() if h and h[-1] > now - self._windows[k[0]]}
                self._forgot_at = now
            hits = self._hits.setdefault((limit.name, key), deque())
            while hits and hits[0] <= now - limit.per_seconds:
                hits.popleft()
            if len(hits) >= limit.requests:
                wait = math.ceil(hits[0] + limit.per_seconds - now)
                raise RateLimited(
                    f"Too many {limit.words} (at most {limit.requests}); try again in {wait} seconds.", wait
                )
            hits.append(now)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limiter_of(request: Request) -> RateLimiter:
    """One limiter per application (tests build many apps in one process)."""
    state = request.app.state
    if not hasattr(state, "rate_limiter"):
        state.rate_limiter = RateLimiter()
    limiter: RateLimiter = state.rate_limiter
    return limiter


def limit(request: Request, rule: Limit, key: str | None = None) -> None:
    limiter_of(request).check(rule, key or client_of(request))
