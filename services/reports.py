"""The reports on `/reports`: which exist and who may read each, and each one computed for a filter, for its
page, its drill-downs and its CSV.

A figure and its drill-down are computed by the same call, so the list behind a number is the list it counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from domain import report_figures as rf
from domain.access import READ_MONEY_REPORTS, READ_REPORTS, Role
from domain.hot_spots import HotSpot, MapCases
from domain.policy import Policy
from domain.stages import Channel
from records import report_queries as q
from records.report_queries import MapFilter, ReportFilter
from records.tables import Officer, Zone


@dataclass(frozen=True)
class Scope:
    """What a report is read for: the filter, its period, the moment, and the city's time zone."""

    f: ReportFilter
    period: rf.Period
    now: datetime
    time_zone: str


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
    new = q.received_cases(session, s.f, s.period)
    # A day more than the longest window in leap years reaches every earlier case the rule may count.
    since = s.period.start - timedelta(days=366 * max(years for years, _window in rf.REPEAT_WINDOWS) + 1)
    history = q.parcel_history(session, {c.parcel_id for c in new}, since, s.period.end)
    return rf.recidivism_report(new, history, s.time_zone)


def _officers(session: Session, s: Scope) -> rf.Report:
    kinds = rf.INSPECTION_EVENTS | rf.NOTICE_EVENTS | rf.CLOSURE_EVENTS
    return rf.officers_report(
        q.officers(session, s.f),
        q.caseload(session, s.f),
        q.officer_events(session, s.f, s.period, kinds),
        q.first_inspections(session, s.f, s.period),
        s.period,
    )


def _money(session: Session, s: Scope) -> rf.Report:
    return rf.money_report(q.ledger(session, s.f), q.liens(session, s.f, s.period), s.period, s.now)


# In the order of the index page.
REPORTS: dict[str, ReportKind] = {
    "first-inspection": ReportKind("Time to first inspection", _first_inspection, READ_REPORTS),
    "compliance": ReportKind("Time to compliance", _compliance, READ_REPORTS),
    "aging": ReportKind("Open-case aging", _aging, READ_REPORTS, dated=False),
    "recidivism": ReportKind("Recidivism", _recidivism, READ_REPORTS),
    "officers": ReportKind("Officers", _officers, READ_REPORTS),
    "money": ReportKind("Money", _money, READ_MONEY_REPORTS),
}


def reports_for(role: str) -> list[tuple[str, str]]:
    return [(slug, kind.title) for slug, kind in REPORTS.items() if role in kind.readers]


def report_period(f: ReportFilter, now: datetime, time_zone: str) -> rf.Period:
    return rf.report_period(f.period, rf.local_today(now, time_zone), time_zone, f.first, f.last)


def read_report(session: Session, kind: ReportKind, f: ReportFilter, now: datetime, time_zone: str) -> Reading:
    period = report_period(f, now, time_zone)
    return Reading(kind.build(session, Scope(f, period, now, time_zone)), period if kind.dated else None)


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
