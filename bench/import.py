"""Importing a legacy history: closed cases per second against a plain INSERT of as many case rows, same run.

    .venv/bin/python -m bench.import [--cases 100000] [--database-url postgresql+psycopg://…/empty_db]

Generates a legacy export of closed cases, one row per violation (2.8 per case on average,
`scripts/make_legacy_export.py`), and imports it (read, map, match parcels, plan, write in batches) into a fresh
SQLite database with the demo city and into each PostgreSQL database given (an empty one: it is migrated and
loaded here). The baseline inserts as many bare case rows with one executemany in the same database. The target
is at least 500 closed cases per second; open cases are bounded by Temporal's start rate instead. Nothing fails
on a number: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from config.settings import CONFIG_DIR
from domain.city import load_city
from domain.policy import load_policy
from records.db import make_engine, session_factory, transaction
from records.tables import Case
from scripts.make_legacy_export import demo_parcels, legacy_rows, to_csv
from services.legacy_import.run import plan_import, write_plan
from tests.conftest import prepare_database
from tests.test_legacy_import_reading import example

TARGET = 500.0


def baseline(url: str, count: int) -> float:
    """Bare case rows per second, inserted in batches of the import's size with executemany."""
    sessions = session_factory(make_engine(url))
    now = datetime.now(UTC)
    parcel = demo_parcels()[0].parcel_id
    rows = [
        {
            "case_number": f"BL-{n:07d}", "tracking_code": f"BL{n:08d}", "violation_code": "PS-GRASS", "parcel_id": parcel,
            "stage": "closed", "priority": 3, "category": "III", "opened_at": now, "closed_at": now,
            "outcome": "voluntary_compliance", "overdue": False, "joins_reports": False,
        }
        for n in range(count)
    ]  # fmt: skip
    began = time.perf_counter()
    for first in range(0, count, 500):
        with transaction(sessions) as session:
            session.execute(insert(Case), rows[first : first + 500])
    return count / (time.perf_counter() - began)


def measure(url: str, export: bytes, cases: int) -> tuple[float, float, int]:
    policy, city = load_policy(CONFIG_DIR / "policy.toml"), load_city(CONFIG_DIR / "demo_city" / "city.toml")
    sessions = session_factory(make_engine(url))
    began = time.perf_counter()
    plan = plan_import(sessions, policy, city, "bench.csv", export, example(), datetime.now(UTC).date())
    written = write_plan(sessions, policy, plan, "bench.csv")
    seconds = time.perf_counter() - began
    assert written.created == cases, written
    return seconds, cases / seconds, plan.rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", action="append", default=[], help="an empty PostgreSQL database")
    args = parser.parse_args()
    rows = list(legacy_rows(demo_parcels(), args.cases, today=datetime.now(UTC).date(), open_share=0.0))
    export = to_csv(rows)
    print(f"{args.cases:,} closed legacy cases, {len(rows):,} rows ({len(rows) / args.cases:.2f} violations per case)")
    print(f"{'database':<12} {'import s':>9} {'closed cases/s':>15} {'INSERT cases/s':>15} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as folder:
        urls = [("sqlite", prepare_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))]
        urls += [("postgresql", prepare_database(url)) for url in args.database_url]
        for name, url in urls:
            seconds, rate, _ = measure(url, export, args.cases)
            plain = baseline(url, args.cases)
            print(f"{name:<12} {seconds:>9.1f} {rate:>15,.0f} {plain:>15,.0f} {rate / plain:>7.3f}")
    print(f"target: {TARGET:,.0f} closed cases/s")


if __name__ == "__main__":
    main()
