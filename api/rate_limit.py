"""Rate limits of the public pages, counted in the records database so that every API process counts the same
requests (`records/rate_counts.py`, windows as `domain/rate_window.py` says).

The portal counts per visit (`api/visitors.py`): one person's browser is held to what a person needs, while an
address that many residents share (a library, city hall) reaches only a ceiling ten times higher. A refusal says
when to try again, in words and in `Retry-After`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import HTTPException, Request, status

from api.visitors import visitor_of
from domain.notices import clock, local_time
from records.db import transaction
from records.rate_counts import count_request, forget_old_windows
from services.context import AppContext


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    per_seconds: int
    words: str  # what the person did too often; `{who}` is filled with whose requests were counted
    shared_ceiling: int | None = None  # per address, for everyone behind it together


# A resident files a few reports; an owner types a code a few times; pages are read freely, not scraped.
REPORTS = Limit("report", 10, 3600, "reports {who} in the last hour", shared_ceiling=100)
OWNER_SIGN_IN = Limit("owner-sign-in", 10, 900, "access code attempts {who} in 15 minutes", shared_ceiling=100)
OWNER_SIGN_IN_PER_CASE = Limit(
    "owner-sign-in-case", 20, 3600, "access code attempts for this case {who} in the last hour"
)
# Guessing a code spread over many visits; high enough that no one person can lock the owner out of the case.
OWNER_SIGN_IN_CASE_CEILING = Limit(
    "owner-sign-in-case-ceiling", 400, 3600, "access code attempts for this case in the last hour"
)
OWNER_ACTIONS = Limit("owner-action", 20, 3600, "requests {who} in the last hour", shared_ceiling=200)
PAGES = Limit("page", 120, 60, "page requests {who} in the last minute", shared_ceiling=1200)
# 311 apps post for many residents from a few servers, and poll for status: more room than a person needs.
OPEN311_POSTS = Limit("open311-post", 600, 3600, "service requests with this api_key in the last hour")
OPEN311_READS = Limit("open311-read", 300, 60, "Open311 requests from your connection in the last minute")

WHO_VISIT = "from this browser"
WHO_ADDRESS = "from your connection"
WHO_SHARED = "from everyone on your connection (shared, as at a library)"

# How often a process deletes the counts of windows that no longer count.
FORGET_EVERY_SECONDS = 60.0


class RateLimited(HTTPException):
    def __init__(self, message: str, wait: int) -> None:
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS, detail=message, headers={"Retry-After": str(wait)})


@dataclass(frozen=True)
class _Count:
    rule: Limit
    client: str
    allowed: int
    who: str


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes" if minutes < 90 else f"{math.ceil(minutes / 60)} hours"


def _refusal(context: AppContext, count: _Count, wait: int, now: float) -> RateLimited:
    ready = local_time(datetime.fromtimestamp(math.ceil((now + wait) / 60) * 60, UTC), context.policy.calendar.timezone)
    words = count.rule.words.format(who=count.who)
    return RateLimited(
        f"Too many {words} (at most {count.allowed}). You can try again at {clock(ready)} (in {_in_words(wait)}).",
        wait,
    )


def _count_all(request: Request, counts: list[_Count]) -> None:
    """Counts the request under every rule, in one transaction: a refused request is counted under none."""
    context: AppContext = request.app.state.context
    now = wall_clock(request)
    state = request.app.state
    with transaction(context.sessions) as session:
        if now - getattr(state, "rate_counts_forgotten_at", 0.0) >= FORGET_EVERY_SECONDS:
            state.rate_counts_forgotten_at = now
            forget_old_windows(session, now)
        refused: list[tuple[int, _Count]] = []
        for count in counts:
            wait = count_request(session, count.rule.name, count.client, count.allowed, count.rule.per_seconds, now)
            if wait is not None:
                refused.append((wait, count))
        if refused:  # raised inside the transaction, which it rolls back
            wait, count = max(refused, key=lambda r: r[0])
            raise _refusal(context, count, wait, now)


def wall_clock(request: Request) -> float:
    """Seconds since the epoch: every process's windows begin together (a test moves `app.state.clock`)."""
    moved: Callable[[], float] | None = getattr(request.app.state, "clock", None)
    return moved() if moved else time.time()


def limit(request: Request, rule: Limit, about: str = "") -> None:
    """Counts a request of the visit (about one thing, such as a case); of its address, as one person, when it
    came without a visit; and, under a shared ceiling, of everyone at its address. Refuses with 429 and
    Retry-After once a count is full."""
    visitor = visitor_of(request)
    counts = [_Count(rule, f"visit {visitor.visit} {about}", rule.requests, WHO_VISIT)] if visitor.visit else []
    if visitor.new:
        counts.append(_Count(rule, f"no visit {visitor.address} {about}", rule.requests, WHO_ADDRESS))
    if rule.shared_ceiling is not None:
        counts.append(_Count(rule, f"shared {visitor.address}", rule.shared_ceiling, WHO_SHARED))
    _count_all(request, counts)


def limit_by(request: Request, rule: Limit, key: str) -> None:
    """Counts a request under `key` alone (a case from every visitor, an Open311 app's key, an address)."""
    _count_all(request, [_Count(rule, key, rule.requests, "")])
