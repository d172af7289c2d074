"""What the accessibility tests ask of a page in the real browser: axe-core's WCAG 2.1 A and AA rules (axe-core from
npm, pinned and installed by scripts/setup), and reflow at 320 px (WCAG 1.4.10: no sideways scrolling)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

from config.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.5.3 (label in name: a button's visible words are part of its accessible name) is an "experimental" rule
# of axe, off unless asked for by name.
DESK, PHONE, NARROWEST = 1366, 390, 320


def axe_script() -> Path:
    if not AXE.exists():
        missing = "axe-core is not installed (scripts/setup installs it from npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: in CI that is a broken install, not a reason to skip", pytrace=False)
        pytest.skip(missing)
    return AXE


async def axe_violations(page: Page) -> list[str]:
    """Every WCAG 2.1 A/AA rule axe finds broken on the page as it is now, one line per rule with its elements."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(axe_script()))
    found: list[dict[str, Any]] = await page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                                     rules: {"label-content-name-mismatch": {enabled: true}}})
                  .then(r => r.violations.map(v => ({id: v.id, help: v.help,
                        nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + (n.failureSummary
                               ? " (" + n.failureSummary.split("\\n").slice(1).join("; ").trim() + ")" : ""))})))""",
        WCAG_21_AA,
    )
    return [f"{v['id']}: {v['help']}: {' | '.join(v['nodes'])}" for v in found]


async def sideways(page: Page) -> list[str]:
    """The elements that reach past the window's right edge (empty when the page reflows), widest first."""
    return list(
        await page.evaluate(
            """() => {
                const w = window.innerWidth;
                if (document.scrollingElement.scrollWidth <= w) return [];
                return [...document.querySelectorAll("body *")]
                    .map(e => [e, e.getBoundingClientRect().right])
                    .filter(([e, right]) => right > w + 0.5)
                    .sort((a, b) => b[1] - a[1]).slice(0, 6)
                    .map(([e, right]) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                         + (e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : "")
                         + " " + Math.round(right) + " px");
            }"""
        )
    )


async def at_width(page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 800})
    await page.wait_for_timeout(50)  # one frame for the layout to settle


async def accessible_at_every_width(page: Page, name: str) -> None:
    """axe finds nothing at desk and phone width, and the page reflows at 320 px; folded sections (an action's
    form in its <details>) are opened first, so their forms are checked too."""
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    problems = []
    for width in (DESK, PHONE):
        await at_width(page, width)
        problems += [f"at {width} px: {v}" for v in await axe_violations(page)]
    await at_width(page, NARROWEST)
    wide = await sideways(page)
    if wide:
        problems.append(f"scrolls sideways at {NARROWEST} px: {wide}")
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)
