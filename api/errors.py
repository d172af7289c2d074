"""422 answers in FastAPI's own shape (`detail: [{loc, msg, type}]`), for rules checked beyond the schema."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError


def invalid_field(*loc: str | int, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": message, "type": "value_error"}])
