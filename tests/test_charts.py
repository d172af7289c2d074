"""The charts are Vega-Lite drawn on the server, and the table beside each holds the numbers its bars show: on the
dashboard (new and closed cases per week, open cases by stage) and on a report page with a series."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from lxml import html

from domain.charts import Chart, ChartRow, vega_lite
from domain.stages import CaseStage
from records.db import make_engine, session_factory
from records.report_queries import ReportFilter
from services.reports import REPORTS, read_report
from tests.conftest import Api
from tests.helpers import sign_in
from tests.test_console_pages import Seeder, console, seeded
from tests.test_reports import CALENDAR

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL


def drawn_bars(figure: html.HtmlElement) -> list[str]:
    """The bars Vega drew, as it labels them for assistive technology: "Week of: Nov 02; cases: 3; series: New"."""
    return [bar.get("aria-label") for bar in figure.xpath(".//svg//*[@aria-roledescription='bar']")]


def table_rows(figure: html.HtmlElement) -> list[list[str]]:
    return [[cell.text_content().strip() for cell in row.xpath("./th|./td")] for row in figure.xpath(".//tbody/tr")]


def chart_figures(page: str) -> dict[str, html.HtmlElement]:
    """Each chart on the page by the title its SVG carries for screen readers."""
    tree = html.fromstring(page)
    found = {}
    for figure in tree.xpath("//figure[contains(@class, 'chart-figure')]"):
        svg = figure.xpath(".//svg[@role='img']")[0]
        title = svg.xpath("./title")[0]
        assert svg.get("aria-labelledby") == title.get("id")
        assert figure.xpath(".//table/caption")[0].text_content().startswith(title.text)
        found[title.text] = figure
    return found


def test_a_spec_holds_every_number_of_its_chart_in_its_order() -> None:
    chart = Chart(
        "c", "Cases", "Week of", ("New", "Closed"), "cases", (ChartRow("Nov 09", (3, 0)), ChartRow("Nov 02", (1, 2)))
    )
    spec = vega_lite(chart)
    assert [(v["label"], v["series"], v["value"]) for v in spec["data"]["values"]] == [
        ("Nov 09", "New", 3),
        ("Nov 09", "Closed", 0),
        ("Nov 02", "New", 1),
        ("Nov 02", "Closed", 2),
    ]
    assert spec["encoding"]["x"]["sort"] == {"field": "order"}  # weeks as given, not alphabetical
    assert spec["encoding"]["xOffset"]["field"] == "series"  # grouped side by side


async def test_dashboard_charts_come_from_vega_and_their_tables_hold_the_same_numbers(
    console: Api, database_url: str
) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        for days in (1, 2, 9):
            s.case(now - timedelta(days=days))
        s.case(now - timedelta(days=3), CaseStage.AWAITING_COMPLIANCE)
        s.case(now - timedelta(days=20), CaseStage.CLOSED, closed_at=now - timedelta(days=1))

    await sign_in(console.http, "supervisor")
    charts = chart_figures((await console.http.get("/")).text)
    assert set(charts) == {"New and closed cases per week", "Open cases by stage"}

    weekly = charts["New and closed cases per week"]
    rows = table_rows(weekly)
    assert len(rows) == 12 and sum(int(new) for _week, new, _closed in rows) == 5
    assert sum(int(closed) for _week, _new, closed in rows) == 1
    assert drawn_bars(weekly) == [
        f"Week of: {week}; cases: {count}; series: {series}"
        for week, new, closed in rows
        for series, count in (("New", new), ("Closed", closed))
    ]

    stages = charts["Open cases by stage"]
    assert table_rows(stages) == [  # in the process's order
        [CaseStage.INVESTIGATING.label, "3"],
        [CaseStage.AWAITING_COMPLIANCE.label, "1"],
    ]
    assert drawn_bars(stages) == [
        f"cases: {count}; Stage: {stage}; series: Open cases" for stage, count in table_rows(stages)
    ]


async def test_a_report_draws_its_series_and_each_row_opens_onto_the_cases_it_counts(
    console: Api, database_url: str
) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        for days in (3, 40, 41, 400):
            s.case(now - timedelta(days=days))
    with session_factory(make_engine(database_url))() as session:
        report = read_report(session, REPORTS["aging"], ReportFilter(), now, CALENDAR).report

    await sign_in(console.http, "executive")
    page = (await console.http.get("/reports/aging")).text
    aging = chart_figures(page)["Open cases by age"]
    rows = table_rows(aging)
    assert rows == [[f.label, str(f.value)] for f in report.figures if f.key.startswith("age-")]
    assert [count for _label, count in rows] == ["1", "2", "0", "0", "1"]
    assert drawn_bars(aging) == [f"Age: {label}; cases: {count}; series: Open cases" for label, count in rows]
    links = aging.xpath(".//tbody//a/@href")
    assert len(links) == 5 and re.search(r"/reports/aging/cases\?.*figure=age-1$", links[1])
    drill = (await console.http.get(links[1])).text
    assert drill.count('class="case-number"') == 2
