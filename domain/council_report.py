"""What the council report holds: the headline figures for a period against the period before it and the same
period a year earlier, and the violation types most complained about.

The figures are the reports' own (`domain/report_figures.py`), read for three periods, so the council reads the
numbers the program manager's pages show, with the same definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.report_figures import Figure, Report

TOP_VIOLATIONS = 5


@dataclass(frozen=True)
class Kpi:
    """A headline figure: which report and figure it is, and whether more is better."""

    report: str
    figure: str
    label: str
    higher_is_better: bool | None  # None: neither (a count of complaints is what it is)


KPIS = (
    Kpi("recidivism", "new", "Cases received", None),
    Kpi("first-inspection", "all-median", "Days to first inspection (median)", False),
    Kpi("first-inspection", "all-within", "First inspected within the response target", True),
    Kpi("compliance", "all-median", "Days to compliance (median)", False),
    Kpi("compliance", "forced-share", "Compliance that needed enforcement", False),
    Kpi("recidivism", "repeat-1y", "New cases on a property with another in the year before", False),
    Kpi("money", "fines", "Fines levied", None),
    Kpi("money", "collected", "Collected", True),
    Kpi("money", "collection-rate", "Collection rate", True),
)
KPI_REPORTS = tuple(dict.fromkeys(kpi.report for kpi in KPIS))


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    unit: str
    definition: str
    now: float | Decimal | None
    previous: float | Decimal | None
    last_year: float | Decimal | None


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The as many days just before."""
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def year_before(first: date, last: date) -> tuple[date, date]:
    """The same days a year earlier (29 February falls back to the 28th)."""

    def back(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return back(first), back(last)


def kpi_rows(now: dict[str, Report], previous: dict[str, Report], last_year: dict[str, Report]) -> list[KpiRow]:
    """The headline figures of three readings of the reports (by slug): this period, the one before, a year ago."""

    def figure(reports: dict[str, Report], kpi: Kpi) -> Figure | None:
        return reports[kpi.report].figure(kpi.figure)

    rows = []
    for kpi in KPIS:
        current = figure(now, kpi)
        if current is None:
            continue
        before, year_ago = figure(previous, kpi), figure(last_year, kpi)
        rows.append(
            KpiRow(
                kpi,
                current.unit,
                current.definition,
                current.value,
                before.value if before else None,
                year_ago.value if year_ago else None,
            )
        )
    return rows


def top_violations(received: Iterable[tuple[str, int]], n: int = TOP_VIOLATIONS) -> list[tuple[str, int]]:
    """The `n` violation types with the most cases received, most first (ties by code, so the order is stable)."""
    return sorted(received, key=lambda row: (-row[1], row[0]))[:n]
