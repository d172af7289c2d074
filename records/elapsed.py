"""Elapsed days between two stored instants, computed by the database (SQLite and PostgreSQL spell it
differently), so an average over many cases is one aggregate rather than every row fetched into Python."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float


class elapsed_days(FunctionElement[float]):
    """`elapsed_days(start, end)`: 24-hour days of real time from `start` to `end`, as a float."""

    type = Float()
    name = "elapsed_days"
    inherit_cache = True


@compiles(elapsed_days, "sqlite")
def _sqlite(element: elapsed_days, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(elapsed_days, "postgresql")
def _postgresql(element: elapsed_days, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
