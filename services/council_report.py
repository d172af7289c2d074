"""The council report for a period: its contents read from the reports, printed to PDF once, stored with its sha256
like a letter, and served again from the store whenever the same period is asked for.

The page itself is the console's to write (`render`); this module decides what goes in it and keeps the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapters.chart_svg import svg
from adapters.document_store import sha256_of, store_once
from adapters.pdf import html_to_pdf
from domain import council_report as cr
from domain.calendar import BusinessCalendar
from domain.charts import Chart, ChartRow, point_map
from domain.hot_spots import MapCases, ParcelSpot, by_parcel
from domain.report_charts import report_charts
from domain.report_figures import Preset, Report
from records.council_reports import CouncilReport, council_report_for
from records.report_queries import MapFilter, ReportFilter, received_by_violation
from services.context import AppContext
from services.reports import REPORTS, hot_spot_map, read_report, report_period

CHARTED = ("first-inspection", "compliance", "aging", "money")
HOT_SPOTS_LISTED = 10


@dataclass(frozen=True)
class CouncilContent:
    """Everything the council report shows, for the template."""

    city: str
    department: str
    first: date
    last: date
    previous: tuple[date, date]
    last_year: tuple[date, date]
    generated_at: datetime
    kpis: list[cr.KpiRow]
    top_violations: list[tuple[str, int]]  # (title, cases received)
    charts: list[Chart]
    hot_spots: list[ParcelSpot]
    hot_spot_map: str  # SVG
    money: Report


def _custom(first: date, last: date) -> ReportFilter:
    return ReportFilter.model_validate({"period": Preset.CUSTOM, "from": first, "to": last})


def _readings(
    session: Session, first: date, last: date, now: datetime, calendar: BusinessCalendar
) -> dict[str, Report]:
    wanted = _custom(first, last)
    return {
        slug: read_report(session, REPORTS[slug], wanted, now, calendar).report
        for slug in dict.fromkeys([*cr.KPI_REPORTS, *CHARTED])
    }


def council_content(session: Session, context: AppContext, first: date, last: date, now: datetime) -> CouncilContent:
    tz, policy = context.city.timezone, context.policy
    previous, last_year = cr.previous_period(first, last), cr.year_before(first, last)
    reports = _readings(session, first, last, now, policy.calendar)
    wanted = _custom(first, last)
    top = [
        (policy.violation_title(code), count)
        for code, count in cr.top_violations(received_by_violation(session, wanted, report_period(wanted, now, tz)))
    ]
    received = Chart(
        "top-violations",
        "Cases received by violation type",
        "Violation type",
        ("Cases",),
        "cases",
        tuple(ChartRow(title, (count,)) for title, count in top),
        horizontal=True,
    )
    charts = [received, *(c for slug in CHARTED for c in report_charts(reports[slug]))]
    _period, spots = hot_spot_map(
        session, MapFilter.model_validate({**wanted.model_dump(by_alias=True), "cases": MapCases.OPENED}), now, tz
    )
    parcels = by_parcel(spots)
    map_title = f"Cases received from {first} to {last}, by property"
    return CouncilContent(
        city=context.city.name,
        department=context.city.department,
        first=first,
        last=last,
        previous=previous,
        last_year=last_year,
        generated_at=now,
        kpis=cr.kpi_rows(
            reports,
            _readings(session, *previous, now, policy.calendar),
            _readings(session, *last_year, now, policy.calendar),
        ),
        top_violations=top,
        charts=[c for c in charts if not c.empty],
        hot_spots=parcels[:HOT_SPOTS_LISTED],
        hot_spot_map=str(
            svg(point_map(map_title, [(p.lat, p.lon, p.cases) for p in parcels]), title=map_title, key="hot-spots")
        ),
        money=reports["money"],
    )


def council_pdf(
    session: Session,
    context: AppContext,
    first: date,
    last: date,
    username: str,
    render: Callable[[CouncilContent], str],
    now: datetime,
) -> CouncilReport:
    """The period's stored council report; the first request prints and stores it, every later one gets that file."""
    stored = council_report_for(session, first, last)
    if stored is not None:
        return stored
    pdf = html_to_pdf(render(council_content(session, context, first, last, now)))
    sha = sha256_of(pdf)
    relative = f"council/council-report-{first}-{last}-{sha[:12]}.pdf"
    store_once(context.settings.document_store_dir / relative, pdf, relative)
    report = CouncilReport(
        period_first=first, period_last=last, path=relative, sha256=sha, size=len(pdf), created_by=username
    )
    session.add(report)
    try:
        session.commit()
    except IntegrityError:  # another request printed the same period first: theirs is the one kept
        session.rollback()
        winner = council_report_for(session, first, last)
        assert winner is not None
        return winner
    session.refresh(report)
    return report
