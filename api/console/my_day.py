"""My day: an officer's work queue. Every assigned case that waits on a visit (domain/work_queue.py): today's
visits in route order, printable, with a map drawn from the parcels' coordinates (inline SVG: no tiles from the
internet), then what is due in the coming days. The officer picks today's visits from the queue; a supervisor
looks at any officer's."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep
from domain.access import Role, console_page_roles
from domain.routing import Point, Stop, distance_m, route_length_m, route_order
from domain.stages import CaseStage
from domain.work_queue import OpenCase, Visit, VisitKind, work_queue
from records.tables import Officer, User
from records.work_queue import active_officers, cases_to_visit
from services.case_snapshot import case_snapshot
from services.context import AppContext

router = APIRouter(include_in_schema=False)
MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 420, 30


@dataclass
class QueuedVisit:
    """A visit as the queue shows it: where, what for, and its place on today's map."""

    visit: Visit
    address: str
    violation: str
    overdue: bool
    x: float = 0.0
    y: float = 0.0
    leg_m: float = 0.0

    @property
    def case_number(self) -> str:
        return self.visit.case_number

    @property
    def reinspection(self) -> bool:
        return self.visit.kind is VisitKind.REINSPECTION


@dataclass(frozen=True)
class Place:
    address: str
    violation: str
    point: Point


async def officers_cases(context: AppContext, officer_id: int) -> tuple[list[OpenCase], dict[str, Place]]:
    """The officer's cases that wait on a visit, and where each is. An inspection's appointment lives in the
    workflow (schedule_inspection), so the cases waiting on a first inspection are asked for it."""
    with context.sessions() as session:
        rows = cases_to_visit(session, officer_id)
    investigating = [case.case_number for case, _ in rows if case.stage == CaseStage.INVESTIGATING]
    snapshots = await asyncio.gather(*(case_snapshot(context, number) for number in investigating))
    appointments = {
        number: snapshot.state.inspection_scheduled_for
        for number, snapshot in zip(investigating, snapshots, strict=True)
        if snapshot is not None
    }
    cases, places = [], {}
    for case, parcel in rows:
        cases.append(
            OpenCase(
                case.case_number,
                CaseStage(case.stage),
                case.response_due_at,
                case.next_deadline,
                case.compliance_deadline,
                appointments.get(case.case_number),
            )
        )
        title = context.policy.violation_title(case.violation_code)
        places[case.case_number] = Place(parcel.address, title, Point(parcel.lat, parcel.lon))
    return cases, places


def place_on_map(office: Point, stops: list[Stop[QueuedVisit]]) -> tuple[float, float]:
    """Sets each visit's x, y on an equirectangular map of the day's area; returns the office's x, y."""
    points = [office, *(s.point for s in stops)]
    squeeze = math.cos(math.radians(office.lat))  # a degree of longitude is shorter than one of latitude
    xs, ys = [p.lon * squeeze for p in points], [p.lat for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    scale = min(MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN) / span

    def at(point: Point) -> tuple[float, float]:
        return (
            round(MAP_MARGIN + (point.lon * squeeze - min(xs)) * scale, 1),
            round(MAP_MARGIN + (max(ys) - point.lat) * scale, 1),
        )

    here = office
    for stop in stops:
        stop.item.x, stop.item.y = at(stop.point)
        stop.item.leg_m = distance_m(here, stop.point)
        here = stop.point
    return at(office)


def _officer_for(session: Session, user: User, chosen: int | None) -> Officer | None:
    """An officer sees their own queue; a supervisor the one of the officer they choose."""
    if user.role == Role.SUPERVISOR:
        return session.get(Officer, chosen) if chosen is not None else None
    return session.exec(select(Officer).where(Officer.user_id == user.id)).first()


@router.get("/my-day", response_class=HTMLResponse)
async def my_day(
    request: Request,
    context: ContextDep,
    user: Annotated[User, staff(console_page_roles("/my-day"))],
    officer_id: Annotated[int | None, Query(alias="officer")] = None,
    picked: Annotated[list[str] | None, Query(alias="visit")] = None,
    planned: bool = False,
) -> Response:
    """Today's route is what the officer picked from the queue (`planned`), else everything due today."""
    zone = ZoneInfo(context.city.timezone)
    now = datetime.now(zone)
    with context.sessions() as session:
        officer = _officer_for(session, user, officer_id)
        officers = active_officers(session) if user.role == Role.SUPERVISOR else []
    cases, places = await officers_cases(context, officer.id) if officer and officer.id else ([], {})
    queue = work_queue(cases, now.date(), zone)
    chosen = set(picked or []) if planned else {visit.case_number for visit in queue.today}

    def shown(visit: Visit) -> QueuedVisit:
        place = places[visit.case_number]
        overdue = visit.kind is not VisitKind.APPOINTMENT and visit.due < now
        return QueuedVisit(visit, place.address, place.violation, overdue)

    every = [*queue.today, *(visit for _, day in queue.coming for visit in day), *queue.later]
    office = Point(context.city.office.lat, context.city.office.lon)
    route = route_order(office, [Stop(places[v.case_number].point, shown(v)) for v in every if v.case_number in chosen])
    values = {
        "title": "My day" if user.role == Role.OFFICER else "Work queue",
        "officer": officer,
        "officers": officers,
        "today": now.date(),
        "zone": zone,
        "visits": [stop.item for stop in route],
        "chosen": chosen,
        "due_today": [shown(v) for v in queue.today],
        "coming": [(day, [shown(v) for v in visits]) for day, visits in queue.coming],
        "later": [shown(v) for v in queue.later],
        "office": context.city.office,
        "office_xy": place_on_map(office, route),
        "total_km": route_length_m(office, route) / 1000,
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
    }
    return render(request, "console/my_day.html", user, values)
