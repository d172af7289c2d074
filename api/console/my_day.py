"""My day: an officer's inspections and reinspections for today, in route order, printable, with a map
drawn from the parcels' coordinates (inline SVG: no tiles from the internet)."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep
from domain.access import console_page_roles
from domain.routing import Point, Stop, distance_m, route_length_m, route_order
from domain.stages import CaseStage
from records.tables import Case, Officer, Parcel, User
from services.case_snapshot import case_snapshot
from services.context import AppContext

router = APIRouter(include_in_schema=False)
MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 420, 30


@dataclass
class Visit:
    case_number: str
    kind: str  # "Inspection" or "Reinspection"
    address: str
    violation: str
    due: datetime | None
    scheduled_for: datetime | None
    overdue: bool
    x: float = 0.0
    y: float = 0.0
    leg_m: float = 0.0


def _is_today_or_before(moment: datetime | None, today: date, zone: ZoneInfo) -> bool:
    return moment is not None and moment.astimezone(zone).date() <= today


async def todays_visits(context: AppContext, officer_id: int, today: date, zone: ZoneInfo) -> list[Stop[Visit]]:
    """Inspections scheduled for today (or unscheduled and due by today) and reinspections due by today.

    An inspection's appointment lives in the workflow (schedule_inspection), so those cases are asked."""
    with context.sessions() as session:
        rows = list(
            session.exec(
                select(Case, Parcel)
                .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
                .where(
                    Case.assigned_officer_id == officer_id,
                    col(Case.stage).in_(
                        [CaseStage.INVESTIGATING, CaseStage.AWAITING_COMPLIANCE, CaseStage.REINSPECTION_DUE]
                    ),
                )
            )
        )
    investigating = [case.case_number for case, _ in rows if case.stage == CaseStage.INVESTIGATING]
    snapshots = await asyncio.gather(*(case_snapshot(context, number) for number in investigating))
    appointments = {
        number: snapshot.state.inspection_scheduled_for
        for number, snapshot in zip(investigating, snapshots, strict=True)
        if snapshot is not None
    }
    stops = []
    for case, parcel in rows:
        violation = context.policy.violation(case.violation_code)
        title = violation.title if violation else case.violation_code
        if case.stage == CaseStage.INVESTIGATING:
            scheduled = appointments.get(case.case_number)
            if scheduled is not None:
                wanted = scheduled.astimezone(zone).date() == today
            else:
                wanted = _is_today_or_before(case.response_due_at, today, zone)
            kind, due = "Inspection", case.response_due_at
        else:
            scheduled = None
            due = case.next_deadline if case.stage == CaseStage.REINSPECTION_DUE else case.compliance_deadline
            wanted = case.stage == CaseStage.REINSPECTION_DUE or _is_today_or_before(due, today, zone)
            kind = "Reinspection"
        if wanted:
            visit = Visit(case.case_number, kind, parcel.address, title, due, scheduled, case.overdue)
            stops.append(Stop(Point(parcel.lat, parcel.lon), visit))
    return stops


def place_on_map(office: Point, stops: list[Stop[Visit]]) -> tuple[float, float]:
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


@router.get("/my-day", response_class=HTMLResponse)
async def my_day(
    request: Request, context: ContextDep, user: Annotated[User, staff(console_page_roles("/my-day"))]
) -> Response:
    zone = ZoneInfo(context.city.timezone)
    today = datetime.now(zone).date()
    with context.sessions() as session:
        officer = session.exec(select(Officer).where(Officer.user_id == user.id)).first()
    office = Point(context.city.office.lat, context.city.office.lon)
    route: list[Stop[Visit]] = []
    if officer is not None and officer.id is not None:
        route = route_order(office, await todays_visits(context, officer.id, today, zone))
    office_xy = place_on_map(office, route)
    values = {
        "title": "My day",
        "officer": officer,
        "today": today,
        "zone": zone,
        "visits": [stop.item for stop in route],
        "office": context.city.office,
        "office_xy": office_xy,
        "total_km": route_length_m(office, route) / 1000,
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
    }
    return render(request, "console/my_day.html", user, values)
