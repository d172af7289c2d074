"""The dashboard at `/`: where the city's caseload stands against last month, what breaches its targets, what just happened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console import charts
from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import SEE_COMPLAINANT, console_page_roles
from domain.reports import periods
from records import reports
from records.case_file import withheld_timeline
from records.staff_entries import actor_names
from records.tables import User

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, context: ContextDep, session: SessionDep, user: Annotated[User, staff(console_page_roles("/"))]
) -> Response:
    p = periods(datetime.now(UTC), context.city.timezone)
    breach_count, breaches = reports.response_breaches(session, p.now)
    flow = reports.weekly_flow(session, p)
    stages = [(stage.label, count) for stage, count in reports.open_by_stage(session)]
    labels = [f"{week.week_start:%b %d}" for week in flow]
    activity = reports.recent_activity(session)
    return render(
        request,
        "console/dashboard.html",
        user,
        {
            "figures": reports.figures(session, p),
            "breach_count": breach_count,
            "breaches": breaches,
            "activity": activity if user.role in SEE_COMPLAINANT else withheld_timeline(session, activity),
            "names": actor_names(session),
            "flow": list(zip(labels, flow, strict=True)),
            "stages": stages,
            "weekly_chart": charts.weekly_bars(
                "New and closed cases per week", labels, [w.opened for w in flow], [w.closed for w in flow]
            ),
            "stage_chart": charts.stage_bars("Open cases by stage", stages),
            "now": p.now,
        },
    )
