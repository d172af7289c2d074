"""The reports and the dashboard at a city's size: server time of each against a primary-key lookup.

    .venv/bin/python -m bench.reports [--cases 1000000] [--database-url URL | --sqlite] [--repeat 5]

Loads made-up cases (four years of them, each with its complaint, its timeline and, for some, fines, payments,
abatement costs and liens) into a throw-away PostgreSQL cluster (by COPY), the database given, or a fresh SQLite
file (by executemany), then times every report on `/reports` for last month (and the open-case aging as it stands), the
dashboard's figures, and a primary-key lookup of one case in the same run. Targets: under 1 s per report and under
300 ms for the dashboard. Nothing fails on a number. `tests/test_report_exactness.py` loads the same made-up
cases, fewer, and checks that every figure computed this way is the one a plain recomputation gives.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.main import create_app
from domain.policy import load_policy
from domain.report_figures import LedgerFact, unpaid_charges
from domain.reports import FIRST_INSPECTION_EVENTS, periods
from domain.stages import CaseStage, Channel, Outcome
from records.db import make_engine
from records.migrate import upgrade_to_head
from records.report_queries import ReportFilter
from records.reports import figures
from records.tables import Case, CaseEvent, Complaint, LedgerLine, Lien, Officer, Parcel, UnpaidCharge
from services.reports import REPORTS, read_report
from tests.conftest import make_settings, prepare_database, throwaway_postgres
from tests.helpers import sign_in

REPORT_TARGET_MS = 1000.0
DASHBOARD_TARGET_MS = 300.0
YEARS = 4
CODES = ("PS-GRASS", "PS-REFUSE", "PS-EXTERIOR", "ZN-USE", "SG-ILLEGAL", "NS-CONSTRUCTION", "BD-UNSAFE")
CHANNELS = (Channel.PHONE, Channel.PHONE, Channel.PORTAL, Channel.PORTAL, Channel.EMAIL, Channel.OPEN311)
METHODS = ("card", "cheque", "cash")
DAY = timedelta(days=1)


@dataclass
class MadeUp:
    """The rows of a batch of made-up cases, table by table."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    liens: list[dict[str, Any]] = field(default_factory=list)
    unpaid: list[dict[str, Any]] = field(default_factory=list)  # as the record writer keeps them


def made_up_cases(
    count: int, now: datetime, parcels: list[str], officers: list[int], seed: int = 7, batch: int = 10_000
) -> Iterator[MadeUp]:
    """Cases as the workflow leaves them: received, inspected (or not yet), a notice and a deadline, a reinspection,
    sometimes fines, payments, the city's abatement and a lien, then closure; nothing after `now`."""
    rng = random.Random(seed)  # noqa: S311 - made-up cases, not secrets
    rows = MadeUp()
    for n in range(count):
        opened = now - timedelta(minutes=rng.randrange(YEARS * 365 * 24 * 60))
        number = f"CE-{opened.year}-{n:07d}"
        timeline: list[tuple[str, datetime, CaseStage]] = [("received", opened, CaseStage.RECEIVED)]
        money: list[tuple[str, Decimal, datetime, datetime | None, str]] = []
        lien: tuple[Decimal, datetime] | None = None
        outcome: Outcome | None = None
        at = opened + timedelta(hours=rng.uniform(2, 240))
        if rng.random() < 0.25:
            timeline.append(("inspection_no_violation", at, CaseStage.CLOSURE_REVIEW))
            outcome = Outcome.UNFOUNDED
        else:
            timeline.append(("inspection_violation_found", at, CaseStage.VIOLATION_FOUND))
            at += timedelta(hours=rng.uniform(2, 48))
            timeline.append(("notice_issued", at, CaseStage.AWAITING_COMPLIANCE))
            deadline = at + timedelta(days=rng.choice((7, 10, 15, 30)))
            if rng.random() < 0.15:
                reported = at + (deadline - at) * rng.random()
                timeline.append(("owner_reported_compliance", reported, CaseStage.REINSPECTION_DUE))
                due = reported
            else:
                timeline.append(("compliance_deadline_passed", deadline, CaseStage.REINSPECTION_DUE))
                due = deadline
            at = due + timedelta(hours=rng.uniform(1, 24 * 8))
            if rng.random() < 0.75:
                timeline.append(("reinspection_complied", at, CaseStage.CLOSURE_REVIEW))
                outcome = Outcome.VOLUNTARY_COMPLIANCE
            else:
                timeline.append(("reinspection_not_complied", at, CaseStage.ESCALATION_DUE))
                fine = Decimal(rng.choice((100, 200, 500)))
                at += timedelta(hours=rng.uniform(1, 72))
                money.append(("fine", fine, at, at + timedelta(days=30), "fine 1"))
                timeline.append(("fine_issued", at, CaseStage.AWAITING_COMPLIANCE))
                if rng.random() < 0.6:
                    paid_at = at + timedelta(days=rng.uniform(1, 60))
                    paid = fine if rng.random() < 0.8 else fine / 2
                    money.append(("payment", paid, paid_at, None, f"payment by {rng.choice(METHODS)}"))
                at += timedelta(days=rng.uniform(10, 40))
                if rng.random() < 0.2:
                    cost = Decimal(rng.randrange(300, 5000))
                    money.append(("remediation_cost", cost, at, at + timedelta(days=30), "abatement"))
                    timeline.append(("remediation_completed", at, CaseStage.COST_RECOVERY))
                    if rng.random() < 0.5:
                        lien = (cost, at + timedelta(days=31))
                        timeline.append(("lien_filed", lien[1], CaseStage.CLOSURE_REVIEW))
                        if rng.random() < 0.5:
                            paid_at = lien[1] + timedelta(days=rng.uniform(5, 200))
                            money.append(("payment", cost, paid_at, None, f"payment by {rng.choice(METHODS)}"))
                    outcome = Outcome.REMEDIATED_BY_CITY
                else:
                    timeline.append(("reinspection_complied", at, CaseStage.CLOSURE_REVIEW))
                    outcome = Outcome.ORDER_COMPLIANCE
        closing = timeline[-1][1] + timedelta(hours=rng.uniform(1, 96))
        timeline.append(("closed", closing, CaseStage.CLOSED))
        if rng.random() < 0.03:  # the backlog: a case nobody took further after the notice
            timeline, money, lien = timeline[:3], [], None
        timeline = [line for line in timeline if line[1] <= now]
        closed_at = closing if timeline[-1][0] == "closed" else None
        inspected = [at for kind, at, _stage in timeline if kind in FIRST_INSPECTION_EVENTS]
        officer = rng.choice(officers) if rng.random() > 0.02 else None
        rows.cases.append(
            {
                "case_number": number,
                "tracking_code": f"B{n:09d}",
                "violation_code": rng.choice(CODES),
                "parcel_id": rng.choice(parcels),
                "stage": timeline[-1][2],
                "priority": rng.choice((1, 2, 2, 3, 3, 3)),
                "category": "II",
                "assigned_officer_id": officer,
                "opened_at": opened,
                "response_due_at": opened + timedelta(days=3),
                "overdue": False,
                "balance": Decimal(0),
                "outcome": outcome if closed_at else None,
                "closed_at": closed_at,
                "first_inspected_at": min(inspected, default=None),  # as the record writer keeps it
                "joins_reports": False,
                "workflow_started_at": opened,
                "updated_at": now,
            }
        )
        case = rows.cases[-1]
        for channel_at in [opened] + ([opened + DAY] if rng.random() < 0.1 else []):
            rows.complaints.append(
                {
                    "case_number": number,
                    "violation_code": case["violation_code"],
                    "parcel_id": case["parcel_id"],
                    "location_text": "at the property",
                    "description": "made up",
                    "channel": rng.choice(CHANNELS) if rng.random() > 0.05 else Channel.OFFICER,
                    "received_at": channel_at,
                }
            )
            case["channel"] = case.get("channel") or rows.complaints[-1]["channel"]  # the opening report's
        for seq, (kind, happened, stage) in enumerate(timeline, start=1):
            rows.events.append(
                {
                    "case_number": number,
                    "key": f"{seq:04d}-{kind}",
                    "kind": kind,
                    "stage": stage,
                    "summary": kind.replace("_", " "),
                    "actor": "system",
                    "data": {},
                    "occurred_at": happened,
                }
            )
        account = [
            {
                "case_number": number,
                "event_key": f"money-{line}",
                "line": line,
                "entry_type": entry,
                "amount": amount,
                "description": words,
                "due_at": due_at,
                "recorded_at": recorded,
            }
            for line, (entry, amount, recorded, due_at, words) in enumerate(money, start=1)
            if recorded <= now
        ]
        rows.ledger += account
        rows.unpaid += _unpaid(account)
        if lien is not None and lien[1] <= now:
            rows.liens.append(
                {"case_number": number, "reference": f"LIEN-{number}", "amount": lien[0], "filed_at": lien[1]}
            )
        if len(rows.cases) == batch:
            yield rows
            rows = MadeUp()
    if rows.cases:
        yield rows


def _unpaid(account: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the record writer would keep of the account's charges still owed (`records/accounts.py`)."""
    facts = [LedgerFact(r["case_number"], r["entry_type"], r["amount"], r["recorded_at"], r["due_at"]) for r in account]
    lines = {id(fact): row for fact, row in zip(facts, account, strict=True)}
    return [
        {
            **{key: lines[id(charge)][key] for key in ("case_number", "event_key", "line", "entry_type", "due_at")},
            "owed": owed,
            "recorded_at": charge.recorded_at,
        }
        for charge, owed in unpaid_charges(facts)
    ]


TABLES: tuple[tuple[str, Any], ...] = (
    ("cases", Case),
    ("complaints", Complaint),
    ("events", CaseEvent),
    ("ledger", LedgerLine),
    ("liens", Lien),
    ("unpaid", UnpaidCharge),
)


def load(engine: Engine, count: int, now: datetime, seed: int = 7) -> None:
    """The made-up cases into the database: by COPY into PostgreSQL, by executemany into SQLite."""
    with Session(engine) as session:
        parcels = list(session.exec(select(Parcel.parcel_id).order_by(col(Parcel.parcel_id))))
        officers = [o for o in session.exec(select(Officer.id).order_by(col(Officer.id))) if o is not None]
    for rows in made_up_cases(count, now, parcels, officers, seed):
        with engine.begin() as connection:
            for attribute, table in TABLES:
                batch = getattr(rows, attribute)
                if not batch:
                    continue
                if engine.dialect.name == "postgresql":
                    _copy(connection, table, batch)
                else:
                    connection.execute(insert(table), batch)


def _copy(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    name = table.__tablename__
    cursor = connection.connection.cursor()
    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copied(row[c]) for c in columns])


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm the cache: the console serves from a warm database
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL or SQLite database, empty or loaded by a run before (default: a throw-away cluster)",
    )
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    if args.database_url or args.sqlite:
        url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='abate-bench-')) / 'reports.sqlite3'}"
        run(url, args.cases, args.repeat)
        return
    with throwaway_postgres() as server:
        with psycopg.connect(f"{server.replace('+psycopg', '')}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE bench_reports")
        run(f"{server}/bench_reports", args.cases, args.repeat)


def run(url: str, cases: int, repeat: int) -> None:
    """Loads the cases unless the database holds some already (a run again, migrated to the newest schema)."""
    upgrade_to_head(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with Session(engine) as session:
        loaded = session.exec(select(Case.case_number).limit(1)).first() is not None
    if not loaded:
        prepare_database(url)
        load(engine, cases, now)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:  # committed, or the planner's statistics are rolled back
                connection.exec_driver_sql("ANALYZE")
    print(f"{engine.dialect.name}: {cases:,} cases loaded in {time.perf_counter() - started:.1f} s")
    calendar = load_policy(Path("config/policy.toml")).calendar
    with Session(engine) as session:
        counts = {name: session.exec(select(func.count()).select_from(table)).one() for name, table in TABLES}
        print("  " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        number = session.exec(select(Case.case_number).order_by(col(Case.tracking_code)).limit(1)).one()
        baseline = median_ms(lambda: session.exec(select(Case).where(Case.case_number == number)).one(), repeat)
        print(f"baseline: primary-key lookup of one case  {baseline:8.2f} ms")
        print(f"{'report (last month; aging as it stands)':<44} {'ms':>9} {'× baseline':>11} {'target':>7}")
        last_month = ReportFilter.model_validate({"period": "last_month"})
        for kind in REPORTS.values():
            ms = median_ms(partial(read_report, session, kind, last_month, now, calendar), repeat)
            verdict = "ok" if ms < REPORT_TARGET_MS else "SLOW"
            print(f"  {kind.title:<42} {ms:9.1f} {ms / baseline:11.0f} {verdict:>7}")
        ms = median_ms(lambda: figures(session, periods(now, calendar.timezone)), repeat)
        verdict = "ok" if ms < DASHBOARD_TARGET_MS else "SLOW"
        print(f"  {'dashboard figures':<42} {ms:9.1f} {ms / baseline:11.0f} {verdict:>7}")
    print(f"{'whole page as served (routing, queries, charts, template)':<58} {'ms':>9} {'target':>7}")
    for path, ms in asyncio.run(pages_ms(url, repeat)):
        target = DASHBOARD_TARGET_MS if path == "/" else REPORT_TARGET_MS
        print(f"  {path:<56} {ms:9.1f} {'ok' if ms < target else 'SLOW':>7}")


async def pages_ms(url: str, repeat: int) -> list[tuple[str, float]]:
    """Each report's page for last month and the dashboard, as a supervisor's browser gets them."""
    app = create_app(make_settings(url, "127.0.0.1:9"))
    paths = ["/", *(f"/reports/{slug}?period=last_month" for slug in REPORTS)]
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://abate.test") as http:
            await sign_in(http, "supervisor")
            for path in paths:
                await http.get(path)
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    answer = await http.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text
                results.append((path, statistics.median(times)))
    return results


if __name__ == "__main__":
    main()
