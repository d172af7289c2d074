"""Text holding a NUL character is refused as input (422 naming where it was) on every route, before its own
dependencies: in the path, the query string, and a JSON or URL-encoded body (the rule: `domain/text.py`).

A body no route has parsed yet is read as bytes, so that a route that parses its own form keeps its own limits on
it; a multipart form's text is looked at where it is read (the portal's `text_fields`, staff actions).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from domain.text import nul_errors


def _named(pairs: list[tuple[str, str]], where: str) -> list[dict[str, Any]]:
    """A query string or form may repeat a name: each value is looked at."""
    return [error for name, value in pairs for error in nul_errors({name: value}, where)]


async def _body(request: Request) -> list[dict[str, Any]]:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        try:
            return nul_errors(json.loads(await request.body()), "body")
        except ValueError:  # not JSON: the route refuses it in its own words
            return []
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True)
        except RuntimeError:  # FastAPI has parsed the form already, for the route's own fields, and kept it
            pairs = [(name, value) for name, value in (await request.form()).multi_items() if isinstance(value, str)]
        return _named(pairs, "body")
    return []


async def refuse_nul_characters(request: Request) -> None:
    errors = [
        *nul_errors(dict(request.path_params), "path"),
        *_named(request.query_params.multi_items(), "query"),
        *(await _body(request)),
    ]
    if errors:
        raise RequestValidationError(errors)
