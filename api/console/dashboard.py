"""The dashboard at `/`: where the city's caseload stands against last month, what breaches its targets, what just happened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import SEE_COMPLAINANT, console_page_roles
from domain.charts import Chart, ChartRow
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
            "weekly_chart": Chart(
                "weekly",
                "New and closed cases per week",
                "Week of",
                ("New", "Closed"),
                "cases",
                tuple(ChartRow(f"{w.week_start:%b %d}", (w.opened, w.closed)) for w in flow),
            ),
            "stage_chart": Chart(
                "stages",
                "Open cases by stage",
                "Stage",
                ("Open cases",),
                "cases",
                tuple(ChartRow(stage.label, (count,)) for stage, count in reports.open_by_stage(session)),
                horizontal=True,
            ),
            "now": p.now,
        },
    )
