"""The keyboard's focus can be seen everywhere (WCAG 2.1 SC 1.4.11): the outline each stylesheet draws reaches a
contrast of 3:1 against every background it can sit on, computed with WCAG's formula from the stylesheets
themselves, so a colour changed in the CSS is checked again."""

from __future__ import annotations

import re

import pytest

from config.settings import PROJECT_ROOT

STATIC = PROJECT_ROOT / "api" / "static"
# A control's outline is drawn outside it (outline-offset), on what surrounds it, never on its own background.
CONTROL = re.compile(r"(^|[\s>,])(button|\.button|a\.button|input|select|textarea|\.skip)\b[^\s]*$")
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def rules_of(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, those inside @media included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip()) for name, _, value in (d.partition(":") for d in body.split(";")) if value
        )
        rules.append((selector.strip(), declarations))
    return rules


def colour(value: str, properties: dict[str, str]) -> str | None:
    """The hex colour a declaration's value paints, its custom properties resolved; None when it paints none."""
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: properties[m[1]], value)
    if "transparent" in value or "none" in value:
        return None
    if re.search(r"\bwhite\b", value):
        return "#ffffff"
    found = HEX.search(value)
    assert found, f"not a colour this test reads: {value!r}"
    hex_digits = found[0].lstrip("#")
    return "#" + (hex_digits if len(hex_digits) == 6 else "".join(c * 2 for c in hex_digits)).lower()


def luminance(hex_colour: str) -> float:
    """Relative luminance, as WCAG 2.1 defines it."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    darker, lighter = sorted((luminance(a), luminance(b)))
    return (lighter + 0.05) / (darker + 0.05)


def test_the_formula_gives_wcags_own_figures() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#f0a202", "#ffffff") == pytest.approx(2.13, abs=0.01)  # the amber outline this replaced


@pytest.mark.parametrize("sheet", ["console.css", "portal.css"])
def test_the_focus_outline_reaches_3_to_1_against_every_background_it_sits_on(sheet: str) -> None:
    rules = rules_of((STATIC / sheet).read_text())
    properties = {k: v for selector, d in rules if selector == ":root" for k, v in d.items() if k.startswith("--")}
    focus_rules = [(s, d) for s, d in rules if ":focus" in s and "outline" in d]
    assert focus_rules, f"{sheet} draws no focus outline"
    for selector, declarations in focus_rules:
        assert "var(--focus)" in declarations["outline"], f"{selector} draws its own colour: {declarations}"
        width = re.search(r"(\d+)px", declarations["outline"])
        assert width and int(width[1]) >= 2, f"{selector}: an outline of at least 2 px"
        assert declarations.get("outline-offset", "0").startswith(("2px", "3px")), f"{selector}: drawn outside"
    # Areas that swap the outline's colour (the brand's dark bar) and the colour they swap it for.
    swapped = {
        part.strip(): colour(d["--focus"], properties)
        for s, d in rules
        if "--focus" in d
        for part in s.split(",")
        if s != ":root"
    }
    assert swapped, f"{sheet}: the outline on the brand's bar is the page's colour"

    def focus_within(selector: str) -> str | None:
        return next((c for area, c in swapped.items() if selector.startswith(area)), colour("var(--focus)", properties))

    surfaces = [("body", "#ffffff")] + [
        (part.strip(), colour(d.get("background", d.get("background-color", "")), properties))
        for s, d in rules
        if ("background" in d or "background-color" in d) and s != ":root"
        for part in s.split(",")
        if not CONTROL.search(part.strip())
    ]
    checked = 0
    for selector, background in surfaces:
        outline = focus_within(selector)
        if background is None or outline is None:
            continue
        ratio = contrast(outline, background)
        assert ratio >= 3, f"{sheet}: the focus outline {outline} on {selector} ({background}) is {ratio:.2f}:1"
        checked += 1
    assert checked >= 4, f"{sheet}: only {checked} backgrounds found"
