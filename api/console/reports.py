"""The reports at `/reports`: a page per report, each figure with its definition and a link to the cases it counts;
the filter lives in the URL, and `format=csv` gives the same page as a spreadsheet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.console.pages import csv_download as _csv
from api.console.pages import render
from api.console.session import PageForbidden, staff
from api.deps import ContextDep, SessionDep
from domain.access import PUBLISH_OPEN_DATA, READ_REPORTS, console_page_roles
from domain.report_charts import report_charts
from domain.report_figures import Preset
from records.council_reports import council_reports
from records.report_queries import ReportFilter, case_lines
from records.tables import User
from services.context import AppContext
from services.open_data import housefacts_zip
from services.reports import REPORTS, Reading, filter_choices, read_report, report_period, reports_for

router = APIRouter()
Reader = Annotated[User, staff(console_page_roles("/reports"))]
Publisher = Annotated[User, staff(PUBLISH_OPEN_DATA)]
Wanted = Annotated[ReportFilter, Query()]
CSV = "csv"

DRILL_DOWN_COLUMNS = (
    "case_number",
    "address",
    "zone",
    "violation_code",
    "priority",
    "channel",
    "officer",
    "stage",
    "waiting_on",
    "received_at",
    "closed_at",
    "outcome",
)


def _reading(
    session: Session, context: AppContext, user: User, slug: str, wanted: ReportFilter, figure: str | None = None
) -> Reading:
    kind = REPORTS.get(slug)
    if kind is None:
        raise HTTPException(status_code=404, detail=f"There is no report called {slug!r}.")
    if user.role not in kind.readers:
        raise PageForbidden(user, kind.readers)
    return read_report(session, kind, wanted, datetime.now(UTC), context.policy.calendar, figure)


@router.get("/reports", response_class=HTMLResponse)
def report_index(request: Request, context: ContextDep, session: SessionDep, user: Reader, wanted: Wanted) -> Response:
    last_month = report_period(ReportFilter(period=Preset.LAST_MONTH), datetime.now(UTC), context.city.timezone)
    return render(
        request,
        "console/reports.html",
        user,
        {
            "reports": reports_for(user.role),
            "open_data": user.role in PUBLISH_OPEN_DATA,
            "query": wanted.query_string(),
            "reads_map": user.role in READ_REPORTS,
            "last_month": last_month,
            "council_reports": council_reports(session) if user.role in READ_REPORTS else [],
        },
    )


@router.get("/reports/open-data/housefacts.zip")
def housefacts(context: ContextDep, session: SessionDep, user: Publisher) -> Response:
    """The violations in the HouseFacts layout, with no owner and no complainant: for the city's open data portal."""
    return Response(
        housefacts_zip(session, context.policy, context.city, datetime.now(UTC)),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="housefacts.zip"'},
    )


@router.get("/reports/{slug}", response_class=HTMLResponse)
def report_page(
    request: Request,
    slug: str,
    context: ContextDep,
    session: SessionDep,
    user: Reader,
    wanted: Wanted,
    format: str = "",
) -> Response:
    reading = _reading(session, context, user, slug, wanted)
    report, period = reading.report, reading.period
    if format == CSV:
        return _csv(
            report.slug,
            ("report", "figure", "value", "unit", "cases_counted", "period_from", "period_to", "definition"),
            (
                (
                    report.title,
                    f.label,
                    "" if f.value is None else round(f.value, 2),
                    f.unit,
                    f.counted,
                    period.first.isoformat() if period else "",
                    period.last.isoformat() if period else "",
                    f.definition,
                )
                for f in report.figures
            ),
        )
    oldest = report.figure("oldest")
    return render(
        request,
        "console/report.html",
        user,
        {
            "report": report,
            "charts": report_charts(report),
            "period": period,
            "f": wanted,
            "query": wanted.query_string(),
            "oldest": case_lines(session, oldest.cases) if oldest else [],
            **filter_choices(session, context.policy),
        },
    )


@router.get("/reports/{slug}/cases", response_class=HTMLResponse)
def drill_down(
    request: Request,
    slug: str,
    context: ContextDep,
    session: SessionDep,
    user: Reader,
    wanted: Wanted,
    figure: str = "",
    format: str = "",
) -> Response:
    reading = _reading(session, context, user, slug, wanted, figure)
    counted = reading.report.figure(figure)
    if counted is None:
        raise HTTPException(status_code=404, detail=f"The {reading.report.title} report has no figure {figure!r}.")
    lines = case_lines(session, counted.cases)
    if format == CSV:
        return _csv(
            f"{slug}-{figure}",
            DRILL_DOWN_COLUMNS,
            ([getattr(line, column) for column in DRILL_DOWN_COLUMNS] for line in lines),
        )
    return render(
        request,
        "console/report_cases.html",
        user,
        {
            "report": reading.report,
            "period": reading.period,
            "counted": counted,
            "lines": lines,
            "query": wanted.query_string(figure=figure),
            "back": wanted.query_string(),
        },
    )
