"""The hearing calendar at `/hearings`, and the same hearings and court dates as iCalendar at `/hearings.ics`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import console_page_roles
from domain.ics import CalendarEvent, calendar
from domain.reports import periods
from records.hearing_calendar import awaiting_a_date, scheduled_from
from records.tables import User

router = APIRouter()
ROLES = console_page_roles("/hearings")
# A subscribed calendar keeps recent hearings too, so a decision can be looked up by its date.
ICS_HISTORY = timedelta(days=90)


@router.get("/hearings", response_class=HTMLResponse)
def hearings(
    request: Request, context: ContextDep, session: SessionDep, user: Annotated[User, staff(ROLES)]
) -> Response:
    today = periods(datetime.now(UTC), context.city.timezone).today
    upcoming = scheduled_from(session, today)
    days = [
        (day, list(entries))
        for day, entries in groupby(upcoming, key=lambda e: e.at.astimezone(today.tzinfo).date())  # type: ignore[union-attr]
    ]
    return render(
        request,
        "console/hearings.html",
        user,
        {"days": days, "undated": awaiting_a_date(session), "office": context.city.office.address},
    )


@router.get("/hearings.ics")
def hearings_ics(context: ContextDep, session: SessionDep, _user: Annotated[User, staff(ROLES)]) -> Response:
    now = datetime.now(UTC)
    office = context.city.office.address
    events = [
        CalendarEvent(
            uid=f"{entry.uid}@abate.{context.city.short_name.lower()}",
            start=entry.at,
            summary=f"{entry.title} · {entry.case_number} · {entry.address}",
            location=entry.location or office,
            description=f"Case {entry.case_number} ({entry.violation_code}) at {entry.address}.",
        )
        for entry in scheduled_from(session, now - ICS_HISTORY)
        if entry.at is not None
    ]
    body = calendar(f"{context.city.name} code enforcement hearings", events, now=now)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hearings.ics"'},
    )
