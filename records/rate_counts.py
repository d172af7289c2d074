"""Request counts of the public pages' rate limits, kept in the records database so that every API process counts
the same requests (domain/rate_window.py says how two windows' counts make a limit).

A count is added by one upsert that refuses to pass the window's room, so two processes can never both take the
last place. Clients are stored as a digest: the table holds no address and no session. Rows of windows that no
longer count are deleted now and then (`forget_old_windows`).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Column, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from domain.rate_window import WindowPosition, position, room, wait_seconds


class RateCount(SQLModel, table=True):
    __tablename__ = "rate_counts"

    rule: str = Field(primary_key=True, max_length=40)
    client: str = Field(primary_key=True, max_length=32, description="a digest of whom the rule counts")
    window_index: int = Field(sa_column=Column(BigInteger, primary_key=True))
    hits: int
    forget_after: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


def client_digest(client: str) -> str:
    return hashlib.sha256(client.encode()).hexdigest()[:32]


def _hits(session: Session, rule: str, client: str, window: int) -> int:
    found = session.exec(
        select(RateCount.hits).where(
            RateCount.rule == rule, RateCount.client == client, RateCount.window_index == window
        )
    ).first()
    return found or 0


def count_request(session: Session, rule: str, client: str, allowed: int, seconds: int, now: float) -> int | None:
    """Counts one request of `client` under `rule` (at most `allowed` per `seconds`); None when it is counted,
    else how many seconds to wait. The caller's transaction decides whether the counts stand."""
    digest = client_digest(client)
    at = position(now, seconds)
    previous = _hits(session, rule, digest, at.index - 1)
    space = room(allowed, previous, at)
    if space > 0 and _add_one(session, rule, digest, at, space):
        return None
    return wait_seconds(allowed, previous, _hits(session, rule, digest, at.index), at)


def _add_one(session: Session, rule: str, client: str, at: WindowPosition, space: int) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The row counts for this window and the next (as the previous one), then is of no use.
    values = {
        "rule": rule,
        "client": client,
        "window_index": at.index,
        "hits": 1,
        "forget_after": int(at.ends_at) + at.seconds,
    }
    table = RateCount.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["rule", "client", "window_index"],
            set_={"hits": table.c.hits + 1},
            where=table.c.hits < space,
        )
        .returning(table.c.hits)
    )
    return session.execute(statement).first() is not None


def forget_old_windows(session: Session, now: float) -> int:
    """Deletes the counts no limit reads any more; how many."""
    table = RateCount.__table__  # type: ignore[attr-defined]
    return session.execute(delete(table).where(table.c.forget_after < now)).rowcount  # type: ignore[attr-defined]
