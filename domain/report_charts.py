"""The charts of a report: the figures that form a series (by priority, by age bracket, by officer) drawn as bars.

A chart reads the report's own figures, never its own numbers, so a bar, its row in the table beside it and the
figure in the report's list are one number; each row names its figure, whose drill-down lists its cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from domain.charts import Chart, ChartRow
from domain.report_figures import AGING_BUCKETS, RECEIVABLE_BUCKETS, Figure, Report


def _value(figure: Figure | None) -> float | None:
    if figure is None or figure.value is None:
        return None
    return float(figure.value) if isinstance(figure.value, Decimal) else figure.value


def _row(report: Report, label: str, keys: tuple[str, ...]) -> ChartRow:
    """A row of the figures `keys`; its drill-down is the first one's."""
    return ChartRow(label, tuple(_value(report.figure(key)) for key in keys), figure=keys[0])


def _groups(report: Report, pattern: str) -> list[tuple[str, Figure]]:
    """Each figure whose key matches `pattern`, with the key's group (a priority, an officer's id), in order."""
    return [(match.group(1), f) for f in report.figures if (match := re.fullmatch(pattern, f.key))]


def _first_inspection(report: Report) -> list[Chart]:
    priorities = [p for p, _median in _groups(report, r"p(\d+)-median")]
    days = tuple(_row(report, f"Priority {p}", (f"p{p}-median", f"p{p}-p90")) for p in priorities)
    within = tuple(_row(report, f"Priority {p}", (f"p{p}-within",)) for p in priorities)
    return [
        Chart(
            "first-inspection-days",
            "Days to first inspection by priority",
            "Priority",
            ("Median", "90th percentile"),
            "days",
            days,
        ),
        Chart(
            "first-inspection-within",
            "Within the response target, by priority",
            "Priority",
            ("Within target",),
            "%",
            within,
        ),
    ]


def _compliance(report: Report) -> list[Chart]:
    rows = tuple(
        _row(report, label, (f"{key}-median", f"{key}-p90"))
        for key, label in (("all", "All"), ("voluntary", "Voluntary"), ("forced", "Forced"))
    )
    return [Chart("compliance-days", "Days to compliance", "Compliance", ("Median", "90th percentile"), "days", rows)]


def _aging(report: Report) -> list[Chart]:
    rows = tuple(_row(report, label, (f"age-{n}",)) for n, (label, _upper) in enumerate(AGING_BUCKETS))
    return [Chart("aging", "Open cases by age", "Age", ("Open cases",), "cases", rows)]


def _officers(report: Report) -> list[Chart]:
    # The caseload figure is labelled "<name>: caseload".
    officers = [(o, f.label.rsplit(": ", 1)[0]) for o, f in _groups(report, r"officer-(\d+)-caseload")]
    caseload = tuple(_row(report, name, (f"officer-{o}-caseload",)) for o, name in officers)
    work = tuple(
        _row(report, name, tuple(f"officer-{o}-{kind}" for kind in ("inspections", "notices", "closures")))
        for o, name in officers
    )
    return [
        Chart(
            "officers-caseload",
            "Open caseload by officer",
            "Officer",
            ("Open cases",),
            "cases",
            caseload,
            horizontal=True,
        ),
        Chart(
            "officers-week",
            "Work per week by officer",
            "Officer",
            ("Inspections", "Notices", "Closures"),
            "a week",
            work,
            horizontal=True,
        ),
    ]


def _money(report: Report) -> list[Chart]:
    rows = tuple(_row(report, label, (f"receivable-{n}",)) for n, (label, _upper) in enumerate(RECEIVABLE_BUCKETS))
    return [Chart("receivables", "Owed, by days past due", "Past due", ("Owed",), "$", rows)]


CHARTS: dict[str, Callable[[Report], list[Chart]]] = {
    "first-inspection": _first_inspection,
    "compliance": _compliance,
    "aging": _aging,
    "officers": _officers,
    "money": _money,
}


def report_charts(report: Report) -> list[Chart]:
    """The report's charts that have something to show (a report with no series, such as recidivism, has none)."""
    build = CHARTS.get(report.slug)
    charts = build(report) if build else []
    return [c for c in charts if any(v is not None for row in c.rows for v in row.values)]
