"""The reports on `/reports`: which exist, and each one computed for a filter, for its page, drill-down and CSV.

A figure and its drill-down are computed by the same call, so the list behind a number is the list it counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain import report_figures as rf
from records import report_queries as q
from records.report_queries import ReportFilter


@dataclass(frozen=True)
class Reading:
    """A report as read for one filter at one moment."""

    report: rf.Report
    period: rf.Period | None  # None for a report of the caseload as it stands now


Builder = Callable[[Session, ReportFilter, rf.Period, datetime], rf.Report]


def _first_inspection(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.first_inspection_report(q.first_inspections(session, f, period), now)


def _compliance(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.compliance_report(q.closures(session, f, period))


def _aging(session: Session, f: ReportFilter, period: rf.Period, now: datetime) -> rf.Report:
    return rf.aging_report(q.open_cases(session, f), now)


# slug -> (title, builder, whether the period applies), in the order of the index page.
REPORTS: dict[str, tuple[str, Builder, bool]] = {
    "first-inspection": ("Time to first inspection", _first_inspection, True),
    "compliance": ("Time to compliance", _compliance, True),
    "aging": ("Open-case aging", _aging, False),
}


def read_report(session: Session, slug: str, f: ReportFilter, now: datetime, time_zone: str) -> Reading | None:
    found = REPORTS.get(slug)
    if found is None:
        return None
    _title, build, dated = found
    period = rf.report_period(f.period, rf.local_today(now, time_zone), time_zone, f.first, f.last)
    return Reading(build(session, f, period, now), period if dated else None)
