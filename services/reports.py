"""The reports on `/reports`: which exist and who may read each, and each one computed for a filter, for its
page, its drill-downs and its CSV.

A figure and its drill-down are computed by the same call, so the list behind a number is the list it counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain import report_figures as rf
from domain.access import READ_MONEY_REPORTS, READ_REPORTS, Role
from domain.calendar import BusinessCalendar
from domain.hot_spots import HotSpot, MapCases
from domain.policy import Policy
from domain.stages import Channel
from records import report_queries as q
from records.report_queries import MapFilter, ReportFilter
from records.tables import Officer, Zone


@dataclass(frozen=True)
class Scope:
    """What a report is read for: the filter, its period, the moment, and the city's calendar."""

    f: ReportFilter
    period: rf.Period
    now: datetime
    calendar: BusinessCalendar
    figure: str | None = None  # the figure whose cases are wanted (a drill-down), when one is

    @property
    def time_zone(self) -> str:
        return self.calendar.timezone


@dataclass(frozen=True)
class Reading:
    """A report as read for one filter at one moment."""

    report: rf.Report
    period: rf.Period | None  # None for a report of the caseload as it stands now


@dataclass(frozen=True)
class ReportKind:
    title: str
    build: Callable[[Session, Scope], rf.Report]
    readers: frozenset[Role]
    dated: bool = True  # whether the report's period applies


def _first_inspection(session: Session, s: Scope) -> rf.Report:
    return rf.first_inspection_report(q.first_inspections(session, s.f, s.period), s.now)


def _compliance(session: Session, s: Scope) -> rf.Report:
    return rf.compliance_report(q.closures(session, s.f, s.period))


def _aging(session: Session, s: Scope) -> rf.Report:
    return rf.aging_report(q.open_cases(session, s.f), s.now)


def _recidivism(session: Session, s: Scope) -> rf.Report:
    received = q.received_cases(session, s.f, s.period)
    history = [(case.parcel_id, before) for case, before in received if before is not None]
    return rf.recidivism_report([case for case, _before in received], history, s.time_zone)


def _officers(session: Session, s: Scope) -> rf.Report:
    return rf.officers_report(
        q.officers(session, s.f),
        q.officer_tallies(session, s.f, s.period, rf.officer_figure_asked(s.figure or "")),
        q.first_inspections(session, s.f, s.period),
        s.period,
    )


def _reinspections(session: Session, s: Scope) -> rf.Report:
    return rf.reinspections_report(q.reinspection_dues(session, s.f, s.period), s.now, s.calendar)


def _volume(session: Session, s: Scope) -> rf.Report:
    last_year = rf.same_days_last_year(s.period, s.time_zone)
    # Every figure is counted by the database; only the one a drill-down asks for is listed.
    rows = rf.counted_rows(q.volume_counts(session, s.f, s.period, last_year))
    row = rf.volume_row_asked(s.figure or "")
    if row and row[0] in rows:
        rows[row[0]][row[1]] = q.volume_listed(session, s.f, s.period, last_year, *row)
    months = rf.trend_months(s.period, s.time_zone)
    trend: dict[tuple[str, str], Sequence[str] | int] = dict(q.monthly_counts(session, s.f, months))
    asked = rf.month_asked(s.figure or "")
    span = next((m for m in months if asked and f"{m.first:%Y-%m}" == asked[0]), None)
    if asked and span:
        trend[asked] = rf.by_month(q.stamped_cases(session, s.f, span), s.time_zone).get(asked, [])
    return rf.volume_report(rows, trend, s.period, s.time_zone)


def _money(session: Session, s: Scope) -> rf.Report:
    return rf.money_report(
        q.ledger(session, s.f, s.period),
        q.liens(session, s.f, s.period),
        q.closed_charges(session, s.f, s.period),
        q.owing(session, s.f, s.now, s.figure),
        s.period,
    )


# In the order of the index page.
REPORTS: dict[str, ReportKind] = {
    "first-inspection": ReportKind("Time to first inspection", _first_inspection, READ_REPORTS),
    "compliance": ReportKind("Time to compliance", _compliance, READ_REPORTS),
    "aging": ReportKind("Open-case aging", _aging, READ_REPORTS, dated=False),
    "reinspections": ReportKind("Reinspections on time", _reinspections, READ_REPORTS),
    "recidivism": ReportKind("Recidivism", _recidivism, READ_REPORTS),
    "officers": ReportKind("Officers", _officers, READ_REPORTS),
    "volume": ReportKind("Volume", _volume, READ_REPORTS),
    "money": ReportKind("Money", _money, READ_MONEY_REPORTS),
}


def reports_for(role: str) -> list[tuple[str, str]]:
    return [(slug, kind.title) for slug, kind in REPORTS.items() if role in kind.readers]


def report_period(f: ReportFilter, now: datetime, time_zone: str) -> rf.Period:
    return rf.report_period(f.period, rf.local_today(now, time_zone), time_zone, f.first, f.last)


def read_report(
    session: Session,
    kind: ReportKind,
    f: ReportFilter,
    now: datetime,
    calendar: BusinessCalendar,
    figure: str | None = None,
) -> Reading:
    """The report for the filter; with `figure`, sure to list that figure's cases (a drill-down)."""
    period = report_period(f, now, calendar.timezone)
    return Reading(kind.build(session, Scope(f, period, now, calendar, figure)), period if kind.dated else None)


def hot_spot_map(session: Session, f: MapFilter, now: datetime, time_zone: str) -> tuple[rf.Period, list[HotSpot]]:
    """The map's cases for a filter, and the period it names (which the open cases ignore)."""
    period = report_period(f, now, time_zone)
    return period, q.hot_spots(session, f, period)


def filter_choices(session: Session, policy: Policy) -> dict[str, Any]:
    """What the reports' and the map's filter forms offer."""
    violations = policy.violation_types
    return {
        "presets": list(rf.Preset),
        "map_cases": list(MapCases),
        "violations": violations,
        "priorities": sorted({v.priority for v in violations}),
        "channels": list(Channel),
        "officers": session.exec(select(Officer).order_by(col(Officer.name))).all(),
        "zones": session.exec(select(Zone).order_by(col(Zone.code))).all(),
    }
