"""The console's case list with 100,000 cases: server time of typical list pages against a primary-key lookup.

    .venv/bin/python -m bench.case_list [--cases 100000] [--database-url postgresql+psycopg://...]

Loads the cases (once per database file) into a fresh SQLite database with the demo city, or into the
PostgreSQL database given, then times each query (median of several runs) and the whole page as the
console serves it (routing, the query, the template). The baseline is a primary-key lookup of one case on
the same database in the same run; the target is under 300 ms per page. Nothing fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.main import create_app
from domain.stages import CaseStage, Outcome
from records.case_list import CaseFilter, Sort, case_page
from records.db import make_engine
from records.tables import Case, Officer, Parcel
from tests.conftest import make_settings, prepare_database
from tests.helpers import sign_in

TARGET_MS = 300.0
OPEN_STAGES = [s for s in CaseStage if s is not CaseStage.CLOSED]
CODES = [
    "PS-GRASS",
    "PS-REFUSE",
    "PS-EXTERIOR",
    "ZN-USE",
    "SG-ILLEGAL",
    "NS-CONSTRUCTION",
    "BD-UNSAFE",
    "VH-INOPERABLE",
]


def load_cases(engine: Engine, count: int, seed: int = 7) -> None:
    """Two years of cases: most closed, the rest spread over the open stages, some overdue, a few unassigned."""
    rng = random.Random(seed)  # noqa: S311 - made-up cases, not secrets
    with Session(engine) as session:
        parcels = list(session.exec(select(Parcel.parcel_id)))
        officers = [o for o in session.exec(select(Officer.id)) if o is not None]
        if session.exec(select(Case.case_number).limit(1)).first() is not None:
            return
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        opened = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        closed = rng.random() < 0.7 and opened < now - timedelta(days=3)
        stage = CaseStage.CLOSED if closed else rng.choice(OPEN_STAGES)
        rows.append(
            {
                "case_number": f"CE-{opened.year}-{n:06d}",
                "tracking_code": f"B{n:09d}",
                "violation_code": rng.choice(CODES),
                "parcel_id": rng.choice(parcels),
                "stage": stage,
                "priority": rng.choice((1, 2, 2, 3, 3, 3)),
                "category": "II",
                "assigned_officer_id": rng.choice(officers) if rng.random() > 0.02 else None,
                "opened_at": opened,
                "response_due_at": opened + timedelta(days=5),
                "next_deadline": None if closed else now + timedelta(hours=rng.randrange(-300, 900)),
                "overdue": not closed and rng.random() < 0.08,
                "waiting_on": None if closed else "first inspection",
                "outcome": rng.choice(list(Outcome)) if closed else None,
                "closed_at": opened + timedelta(days=rng.randrange(1, 3)) if closed else None,
                "updated_at": now,
            }
        )
        if len(rows) == 5000:
            _insert(engine, rows)
            rows = []
    if rows:
        _insert(engine, rows)


def _insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(Case), rows)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm the cache: the console serves from a warm database
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


QUERIES: list[tuple[str, CaseFilter]] = [
    ("open cases, newest first (the default)", CaseFilter()),
    ("page 40 of the default", CaseFilter(page=40)),
    ("all cases, oldest first", CaseFilter(status="all", sort=Sort.OLDEST)),
    ("stage = awaiting compliance", CaseFilter(stage=CaseStage.AWAITING_COMPLIANCE)),
    ("one officer's open cases", CaseFilter(officer=1)),
    ("violation type + priority 1", CaseFilter(violation="PS-GRASS", priority=1)),
    ("zone N", CaseFilter(zone="N")),
    ("overdue, soonest deadline first", CaseFilter(overdue=True, sort=Sort.DEADLINE)),
    ("priority, then oldest", CaseFilter(sort=Sort.PRIORITY)),
    ("search: case number prefix", CaseFilter(q="CE-2026-0001", status="all")),
    ("search: street name", CaseFilter(q="maple", status="all")),
    ("search: owner", CaseFilter(q="stallworth", status="all")),
]


async def page_ms(url: str, repeat: int) -> list[tuple[str, float]]:
    app = create_app(make_settings(url, "127.0.0.1:9"))
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://abate.test") as http:
            await sign_in(http, "supervisor")
            for label, wanted in QUERIES:
                params = wanted.query_string() + f"&page={wanted.page}"
                await http.get(f"/cases?{params}")
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    answer = await http.get(f"/cases?{params}")
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text
                results.append((label, statistics.median(times)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="a migrated-or-empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='abate-bench-')) / 'cases.sqlite3'}"
    prepare_database(url)
    engine = make_engine(url)
    started = time.perf_counter()
    load_cases(engine, args.cases)
    print(f"{engine.dialect.name}: {args.cases:,} cases loaded in {time.perf_counter() - started:.1f} s")

    with Session(engine) as session:
        number = session.exec(
            select(Case.case_number).order_by(col(Case.tracking_code)).offset(args.cases // 2).limit(1)
        ).one()
        baseline = median_ms(lambda: session.exec(select(Case).where(Case.case_number == number)).one(), args.repeat)
        print(f"baseline: primary-key lookup of one case  {baseline:8.2f} ms")
        print(f"{'query (count + one page of 25 with parcel and officer)':<58} {'ms':>8} {'× baseline':>11}")
        for label, wanted in QUERIES:
            ms = median_ms(partial(case_page, session, wanted), args.repeat)
            print(f"  {label:<56} {ms:8.2f} {ms / baseline:11.1f}")
    print(f"{'whole page as served (routing, query, template)':<58} {'ms':>8} {'target':>11}")
    for label, ms in asyncio.run(page_ms(url, args.repeat)):
        print(f"  {label:<56} {ms:8.2f} {'ok' if ms < TARGET_MS else 'SLOW':>11}")


if __name__ == "__main__":
    main()
