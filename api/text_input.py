"""Text holding a NUL character is refused as input (422 naming where it was), wherever a request carries it.

PostgreSQL can neither store such text nor compare a column with it (its driver refuses the query), and no name,
address, report or code of the city's has a use for it; without this rule it would reach the database as a server
error. Checked for every route, before its own dependencies: the path, the query string, and a JSON or URL-encoded
body. A body no route has parsed yet is read as bytes, so that a route that parses its own form keeps its
own limits on it; a multipart form's text is not looked at here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
REASON = "must not contain a NUL character (\\x00): no text here can hold one"

Location = tuple[str | int, ...]


def _places_of_nul(value: Any, *loc: str | int) -> Iterator[Location]:
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _places_of_nul(item, *loc, key)
            if NUL in key:
                yield (*loc, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places_of_nul(item, *loc, index)


def _named(pairs: list[tuple[str, str]], where: str) -> Iterator[Location]:
    for name, value in pairs:
        if NUL in name or NUL in value:
            yield (where, name)


async def _body(request: Request) -> list[Location]:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        try:
            return list(_places_of_nul(json.loads(await request.body()), "body"))
        except ValueError:  # not JSON: the route refuses it in its own words
            return []
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True)
        except RuntimeError:  # FastAPI has parsed the form already, for the route's own fields, and kept it
            pairs = [(name, value) for name, value in (await request.form()).multi_items() if isinstance(value, str)]
        return list(_named(pairs, "body"))
    return []


async def refuse_nul_characters(request: Request) -> None:
    places = dict.fromkeys(
        [
            *_places_of_nul(dict(request.path_params), "path"),
            *_named(request.query_params.multi_items(), "query"),
            *(await _body(request)),
        ]
    )
    if places:
        raise RequestValidationError([{"loc": loc, "msg": REASON, "type": "value_error"} for loc in places])
