"""Text the records can hold: PostgreSQL can neither store text with a NUL character nor compare a column with it,
and no name, address, report or code of the city's has a use for one. Every way in refuses it by this rule, naming
where it was: the API's paths, queries and bodies (`api/text_input.py`), the portal's forms, staff actions and
entries from the console's forms (`services/staff_actions.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

NUL = "\x00"
REASON = "must not contain a NUL character (\\x00): no text here can hold one"

Location = tuple[str | int, ...]


def _places(value: Any, loc: Location) -> Iterator[tuple[Location, Any]]:
    if isinstance(value, str):
        if NUL in value:
            yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from ([((*loc, key), key)] if NUL in str(key) else _places(item, (*loc, key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _places(item, (*loc, index))


def nul_errors(value: Any, *loc: str | int) -> list[dict[str, Any]]:
    """Where `value` (text, or JSON-like data of it) holds a NUL character, as validation errors (FastAPI's shape)."""
    places = dict(_places(value, loc))  # the text is kept as `input`: a form's page tells it from a field left empty
    return [{"loc": place, "msg": REASON, "type": "value_error", "input": text} for place, text in places.items()]
