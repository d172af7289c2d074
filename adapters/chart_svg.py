"""Draws a Vega-Lite spec as SVG on the server with vl-convert (Vega's own renderer, run in-process): the page and
the council PDF get the same picture, with no script and nothing fetched by the reader's browser.

The SVG is given a role and a title for screen readers, and drops its fixed size (keeping its viewBox) so it scales to its container.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import vl_convert
from markupsafe import Markup, escape

from domain.charts import Chart, vega_lite

VEGA_LITE_VERSION = "5.20"  # pinned, so an upgrade of vl-convert cannot redraw the charts unasked
# Vega opens with its namespaces, a fixed size and its own class: inline in HTML none is needed.
_OPENING = re.compile(
    r'<svg xmlns="[^"]*" xmlns:xlink="[^"]*" version="1.1" class="marks" width="[\d.]+" height="[\d.]+"'
)


def draw(chart: Chart) -> Markup:
    return svg(vega_lite(chart), title=chart.title, key=chart.key)


def svg(spec: dict[str, Any], *, title: str, key: str, css_class: str = "chart") -> Markup:
    """The spec drawn as inline SVG with `role="img"`, labelled by a `<title>` whose id is `chart-{key}`."""
    drawn = _draw(json.dumps(spec, sort_keys=True, default=str))
    label = f"chart-{escape(key)}"
    opened, found = _OPENING.subn(f'<svg class="{escape(css_class)}" role="img" aria-labelledby="{label}"', drawn, 1)
    if not found:  # a renderer that opens its SVG otherwise would leave the chart unlabelled
        raise ValueError(f"vl-convert drew an SVG this module does not recognise: {drawn[:120]!r}")
    head, _, rest = opened.partition(">")
    return Markup(f'{head}><title id="{label}">{escape(title)}</title>{rest}')  # noqa: S704 - Vega's SVG, our title escaped


@lru_cache(maxsize=256)
def _draw(spec_json: str) -> str:
    """Drawing takes tens of milliseconds; the same numbers draw the same picture, so it is kept."""
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json), vl_version=VEGA_LITE_VERSION))
