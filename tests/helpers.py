"""Small helpers for tests that drive cases: polling until something a user would see becomes true."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from domain.case import CaseStart
from domain.policy import Policy
from domain.stages import Channel
from records.db import SessionFactory, transaction
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    case_start,
    open_case_for,
    parcel_by_address,
    store_complaint,
)
from records.tables import Case, Parcel

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], *, until: Callable[[T], bool], within: float = 30.0) -> T:
    """Polls `probe` until `until(result)`; fails with the last result if it never holds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await probe()
        if until(result):
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s; last value: {result!r}")
        await asyncio.sleep(0.2)


def file_case(
    sessions: SessionFactory,
    policy: Policy,
    code: str = "PS-GRASS",
    address: str = "142 Maple Dr",
    complainant: ComplainantDetails | None = None,
    description: str = "Reported by a neighbour",
) -> tuple[Case, CaseStart]:
    """A complaint stored as intake stores it, and the start of its case's workflow."""
    snapshot = policy.for_case(code)
    assert snapshot is not None, code
    with transaction(sessions) as session:
        parcel = parcel_by_address(session, address)
        assert parcel is not None, address
        case = store_complaint(
            session,
            NewComplaint(
                violation=snapshot.violation,
                parcel=parcel,
                location_text=address,
                lat=None,
                lon=None,
                description=description,
                channel=Channel.PHONE,
                complainant=complainant,
                received_by_user_id=None,
            ),
            policy.calendar,
            beside_open_case=open_case_for(session, parcel.parcel_id, code) is not None,
        )
        return case, case_start(session, case, snapshot)


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    """The CSRF token a console page put into its forms."""
    match = _CSRF_INPUT.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str = "demo", next_path: str = "/"
) -> httpx.Response:
    """Signs in through the console's form as a browser does: the page first (it hands out the CSRF cookie)."""
    page = await http.get("/login")
    data = {"username": username, "password": password, "next": next_path, "csrf_token": form_token(page.text)}
    return await http.post("/login", data=data)


def case_with_owner_contacts(sessions: SessionFactory, policy: Policy, *, email: str | None, phone: str | None) -> Case:
    """A new case whose owner the assessment roll reaches by ``email`` and ``phone`` (either may be None)."""
    case, _ = file_case(sessions, policy)
    with transaction(sessions) as session:
        parcel = session.get(Parcel, case.parcel_id)
        assert parcel is not None
        parcel.owner_email, parcel.owner_phone = email, phone
        session.add(parcel)
    return case
