"""The reports on `/reports`: which exist and who may read each, and each one computed for a filter, for its
page, its drill-downs and its CSV.

A figure and its drill-down are computed by the same call, so the list behind a number is the list it counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain import report_figures as rf
from domain.access import READ_MONEY_REPORTS, READ_REPORTS, Role
from records import report_queries as q
from records.report_queries import ReportFilter


@dataclass(frozen=True)
class Reading:
    """A report as read for one filter at one moment."""

    report: rf.Report
    period: rf.Period | None  # None for a report of the caseload as it stands now


@dataclass(frozen=True)
class ReportKind:
    title: str
    build: Callable[[Session, ReportFilter, rf.Period, datetime], rf.Report]
    readers: frozenset[Role]
    dated: bool = True  # whether the report's period applies


def _first_inspection(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.first_inspection_report(q.first_inspections(session, f, period), now)


def _compliance(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.compliance_report(q.closures(session, f, period))


def _aging(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.aging_report(q.open_cases(session, f), now)


def _money(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.money_report(q.ledger(session, f), q.liens(session, f, period), period, now)


# In the order of the index page.
REPORTS: dict[str, ReportKind] = {
    "first-inspection": ReportKind("Time to first inspection", _first_inspection, READ_REPORTS),
    "compliance": ReportKind("Time to compliance", _compliance, READ_REPORTS),
    "aging": ReportKind("Open-case aging", _aging, READ_REPORTS, dated=False),
    "money": ReportKind("Money", _money, READ_MONEY_REPORTS),
}


def reports_for(role: str) -> list[tuple[str, str]]:
    return [(slug, kind.title) for slug, kind in REPORTS.items() if role in kind.readers]


def read_report(session: Session, kind: ReportKind, f: ReportFilter, now: datetime, time_zone: str) -> Reading:
    period = rf.report_period(f.period, rf.local_today(now, time_zone), time_zone, f.first, f.last)
    return Reading(kind.build(session, f, period, now), period if kind.dated else None)
