"""Charts drawn on the server as inline SVG: no script and nothing fetched from the internet.

Each chart scales to its container (viewBox) and carries a title for screen readers; the page also shows
the numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

NEW_COLOUR, CLOSED_COLOUR, STAGE_COLOUR = "#0b5cad", "#1b6e3a", "#17324d"


def _nice_top(value: int) -> int:
    """The axis top: the smallest 1, 2 or 5 × 10ⁿ at or above the largest value."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def weekly_bars(title: str, labels: Sequence[str], opened: Sequence[int], closed: Sequence[int]) -> Markup:
    """Pairs of bars per week: new cases and closed cases."""
    width, height, left, bottom, top_pad = 640, 240, 36, 28, 24
    top = _nice_top(max([*opened, *closed, 1]))
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.36
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-weekly-title">',
        f'<title id="chart-weekly-title">{escape(title)}</title>',
    ]
    for tick in (0, top // 2, top):
        y = top_pad + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>')
    for i, (label, new, done) in enumerate(zip(labels, opened, closed, strict=True)):
        x = left + i * slot + slot * 0.12
        for offset, value, colour, kind in ((0, new, NEW_COLOUR, "new"), (bar, done, CLOSED_COLOUR, "closed")):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)}: {value} {kind}</title></rect>'
            )
        if i % 2 == 0 or len(labels) <= 8:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - 10}" text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    parts.append(
        f'<rect x="{left}" y="4" width="10" height="10" fill="{NEW_COLOUR}"/>'
        f'<text x="{left + 14}" y="13" font-size="12">new</text>'
        f'<rect x="{left + 60}" y="4" width="10" height="10" fill="{CLOSED_COLOUR}"/>'
        f'<text x="{left + 74}" y="13" font-size="12">closed</text></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def stage_bars(title: str, rows: Sequence[tuple[str, int]]) -> Markup:
    """One horizontal bar per stage, its count at the end."""
    row_h, label_w, width = 26, 250, 640
    height = max(len(rows), 1) * row_h + 8
    top = max([count for _label, count in rows] + [1])
    plot_w = width - label_w - 50
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-stages-title">',
        f'<title id="chart-stages-title">{escape(title)}</title>',
    ]
    for i, (label, count) in enumerate(rows):
        y = 4 + i * row_h
        w = plot_w * count / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{STAGE_COLOUR}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="12">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
