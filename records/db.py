"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

T = TypeVar("T")
IN_LIST = 500  # values per IN list: SQLite allows a bounded number of parameters in one statement


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices short enough for one IN list each."""
    for at in range(0, len(values), IN_LIST):
        yield values[at : at + IN_LIST]


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


SessionFactory = Callable[[], Session]


def session_factory(engine: Engine) -> SessionFactory:
    return lambda: Session(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    with factory() as session, session.begin():
        yield session


def one_snapshot(session: Session) -> None:
    """The session's next reads see the database at one moment, until it commits: a case read in several queries (its
    row, then its timeline) must not show a line whose change the row does not have yet. Neither database does this
    by default: PostgreSQL (READ COMMITTED) gives each query its own moment, and Python's sqlite3 opens no
    transaction for a read, so each SELECT is one of its own. Ends the transaction in progress, which a read has
    nothing to keep of (sessions do not expire what they loaded)."""
    if session.in_transaction():
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection().exec_driver_sql("BEGIN")
