"""A chart as numbers and as a Vega-Lite spec built from them: the page draws the spec and prints the same numbers
as a table beside it, so a screen reader, or a person who prefers numbers, reads exactly what the bars show.

Pure: data in, a spec (a plain dict, Vega-Lite v5) out; drawing it is `adapters/chart_svg.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# The console's blue and green, then colours that stay apart for the common kinds of colour blindness (Okabe-Ito).
COLOURS = ("#0b5cad", "#1b6e3a", "#e69f00", "#cc79a7", "#56b4e9", "#d55e00")
WIDTH = 560
LABELS_WIDTH = 180
# Room around the drawing: a reader's font may be wider than the one Vega measured the labels with.
PADDING = {
    "left": 24,
    "right": 12,
    "top": 6,
    "bottom": 6,
}  # what a horizontal chart's labels take, so it is as wide as a vertical one
BAR_STEP = 26  # the height of a horizontal bar's row, so a long list grows the chart instead of squeezing it


@dataclass(frozen=True)
class ChartRow:
    """One category (a week, a stage, an age bracket) and its value in each series (None: nothing to measure);
    `figure` names the report figure whose drill-down lists the cases the row counts."""

    label: str
    values: tuple[float | None, ...]
    figure: str | None = None


@dataclass(frozen=True)
class Chart:
    """Bars by category, one bar per series in each: `series` names the value columns of the table beside it."""

    key: str  # unique on its page: the id of the SVG's title
    title: str
    category: str  # what the rows are: "Week of", "Stage"
    series: tuple[str, ...]
    unit: str  # what the values count: "cases", "days", "$"
    rows: tuple[ChartRow, ...]
    horizontal: bool = False  # long labels (stages, officers) read better down the side

    @property
    def empty(self) -> bool:
        return not self.rows


def _measure_axis(chart: Chart) -> dict[str, Any]:
    if chart.unit == "$":
        return {"format": "$,.0f"}
    if chart.unit == "cases":  # whole cases: no tick at 0.5 when the largest count is small
        top = max((v for row in chart.rows for v in row.values if v is not None), default=1)
        return {"format": "d", "tickCount": max(1, min(int(top), 5))}
    return {}


def vega_lite(chart: Chart) -> dict[str, Any]:
    """The Vega-Lite spec of a chart: bars, grouped when there are several series, in the rows' order."""
    values = [
        {"label": row.label, "series": name, "value": value, "order": n}
        for n, row in enumerate(chart.rows)
        for name, value in zip(chart.series, row.values, strict=True)
    ]
    category = {
        "field": "label",
        "type": "nominal",
        "title": chart.category,
        "sort": {"field": "order"},
        "axis": {"title": None, "labelLimit": LABELS_WIDTH, **({} if chart.horizontal else {"labelAngle": 0})},
    }
    measure = {
        "field": "value",
        "type": "quantitative",
        "title": chart.unit,
        "axis": _measure_axis(chart),
    }
    encoding: dict[str, Any] = {"y": category, "x": measure} if chart.horizontal else {"x": category, "y": measure}
    grouped = len(chart.series) > 1
    if grouped:
        encoding["yOffset" if chart.horizontal else "xOffset"] = {"field": "series", "sort": list(chart.series)}
    encoding["color"] = {
        "field": "series",
        "type": "nominal",
        "title": "series",
        "sort": list(chart.series),
        "scale": {"domain": list(chart.series), "range": list(COLOURS[: len(chart.series)])},
        "legend": {"orient": "top", "title": None} if grouped else None,
    }
    size = {"height": {"step": BAR_STEP if not grouped else BAR_STEP // 2 + 2}} if chart.horizontal else {"height": 200}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": chart.title,
        "width": WIDTH - LABELS_WIDTH if chart.horizontal else WIDTH,
        **size,
        "background": None,
        "padding": PADDING,
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}, "axis": {"labelFontSize": 12}},
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": False},
        "encoding": encoding,
    }


def point_map(title: str, points: Sequence[tuple[float, float, int]]) -> dict[str, Any]:
    """A map of (latitude, longitude, cases) points, each a circle as large as its count, in the Mercator projection
    fitted to the points: a printable hot-spot map with no tiles, for the council report."""
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": title,
        "width": WIDTH,
        "height": 380,
        "background": None,
        "padding": PADDING,
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": "#d8dee6"}},
        "projection": {"type": "mercator"},
        "data": {"values": [{"lat": lat, "lon": lon, "cases": cases} for lat, lon, cases in points]},
        "mark": {"type": "circle", "color": COLOURS[0], "opacity": 0.6, "stroke": "#17324d", "strokeWidth": 0.5},
        "encoding": {
            "latitude": {"field": "lat", "type": "quantitative"},
            "longitude": {"field": "lon", "type": "quantitative"},
            "size": {
                "field": "cases",
                "type": "quantitative",
                "title": "cases",
                "scale": {"range": [40, 600]},
                "legend": {
                    "orient": "bottom",
                    "format": "d",
                    "values": sorted({cases for _lat, _lon, cases in points}),
                },
            },
        },
    }
