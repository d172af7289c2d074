"""HTML to PDF with WeasyPrint (a maintained HTML/CSS renderer; Debian's pango draws the text): the council report
is written as a page of HTML, with its charts as inline SVG, and printed to PDF on the server."""

from __future__ import annotations

from typing import Any, NoReturn

import weasyprint


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # The page carries its styles and charts inline: a reference to anything else is a mistake, never a fetch.
    raise ValueError(f"the council report refers to {url!r}; it may refer to nothing outside itself")


def html_to_pdf(html: str) -> bytes:
    return bytes(weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf())
