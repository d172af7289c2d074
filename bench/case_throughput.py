"""Case-pipeline throughput against an empty-workflow baseline, both on one throw-away dev server.

    .venv/bin/python -m bench.case_throughput [--cases N] [--concurrency C]

The baseline is what this machine's dev server can do with workflows that do nothing; the ratio says
how much of that survives once a case does its real work (API write, workflow start, triage's
activities and database writes). Machines are shared and noisy, so nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio import workflow

# The baseline worker runs this module's workflow in the sandbox, which re-imports the module per run.
with workflow.unsafe.imports_passed_through():
    import httpx
    from sqlmodel import Session, select
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Worker

    from bench.lifecycle import lifecycle_seconds
    from config.settings import CONFIG_DIR, PROJECT_ROOT
    from records.db import make_engine
    from records.demo_city import DEMO_PASSWORD
    from records.tables import Case, CaseEvent
    from tests.conftest import TEST_SECRET, free_port, prepare_database, start_dev_server

BASELINE_QUEUE = "bench-empty"
CASE_QUEUE = "bench-cases"
TARGET_RATIO = 0.5


class BenchError(RuntimeError):
    """The run could not measure what it set out to (a refused request, cases never triaged)."""


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


def baseline_worker(client: Client) -> Worker:
    """The real worker's settings minus its activities: every concurrency limit is the SDK default in both."""
    return Worker(
        client,
        task_queue=BASELINE_QUEUE,
        workflows=[EmptyWorkflow],
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def _run_baseline_worker() -> None:
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"], data_converter=pydantic_data_converter)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with baseline_worker(client):
        await stop.wait()


# --- Processes --------------------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Child:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *args], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Child(name, process, log)


@contextmanager
def stopping(children: list[Child]) -> Iterator[None]:
    """Stops every child (API first, so the worker drains against a live server), then shows logs on error."""
    failed = False
    try:
        yield
    except Exception:
        failed = True
        raise
    finally:
        for child in reversed(children):
            child.stop()
        for child in children if failed else []:
            print(f"--- last lines of {child.name} ({child.log}) ---\n{child.tail()}", file=sys.stderr)


def git_commit() -> str:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)  # noqa: S603, S607

    commit = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    return commit + (" (+ uncommitted changes)" if git("diff", "--quiet", "HEAD").returncode else "")


async def wait_for(probe: Callable[[], Awaitable[bool]], what: str, within: float) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        if time.monotonic() > deadline:
            raise BenchError(f"{what} not within {within:.0f} s")
        await asyncio.sleep(0.2)


# --- Measurements -----------------------------------------------------------------------------------------


async def measure_baseline(client: Client, n: int, concurrency: int) -> float:
    """Workflows per second from the first start to the last completion."""
    gate = asyncio.Semaphore(concurrency)
    stamp = time.time_ns()

    async def one(i: int) -> float:
        async with gate:
            handle = await client.start_workflow(EmptyWorkflow.run, id=f"empty-{stamp}-{i}", task_queue=BASELINE_QUEUE)
        await handle.result()
        return time.perf_counter()

    began = time.perf_counter()
    finished = await asyncio.gather(*(one(i) for i in range(n)))
    return n / (max(finished) - began)


@dataclass
class Filed:
    sent: dict[str, datetime]  # case number -> when its POST left (UTC)
    delayed: int  # answered 202: stored, started later by the reconciler
    last_answer: datetime | None = None


async def file_complaints(
    http: httpx.AsyncClient, headers: dict[str, str], n: int, concurrency: int, codes: list[str], addresses: list[str]
) -> Filed:
    gate = asyncio.Semaphore(concurrency)
    filed = Filed({}, 0)

    async def one(i: int) -> None:
        body = {
            "violation_code": codes[i % len(codes)],
            "address": addresses[(i * 7) % len(addresses)],
            "description": f"Benchmark complaint {i}",
            "channel": "phone",
            # Every complaint is a case to measure, even where the cycle of addresses and codes comes round again.
            "open_new_case": True,
            "reason": f"benchmark complaint {i}",
        }
        async with gate:
            sent = datetime.now(UTC)
            answer = await http.post("/api/v1/complaints", headers=headers, json=body)
        if answer.status_code not in (201, 202):
            raise BenchError(f"complaint {i} refused: {answer.status_code} {answer.text} (see the API log)")
        filed.sent[answer.json()["case_number"]] = sent
        filed.last_answer = datetime.now(UTC)
        filed.delayed += answer.status_code == 202

    await asyncio.gather(*(one(i) for i in range(n)))
    return filed


def triaged(database_url: str) -> dict[str, tuple[datetime, datetime]]:
    """Per case: the triaged event's occurred_at, and the case row's updated_at from the same transaction.

    SQLite's CURRENT_TIMESTAMP (occurred_at's server default) has whole seconds; updated_at, set in
    Python by the same record_transition, keeps microseconds and is untouched until the next transition.
    """
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(CaseEvent.case_number, CaseEvent.occurred_at, Case.updated_at)
                .join(Case, Case.case_number == CaseEvent.case_number)  # type: ignore[arg-type]
                .where(CaseEvent.kind == "triaged")
            ).all()
    finally:
        engine.dispose()
    return {number: (occurred, updated) for number, occurred, updated in rows if occurred and updated}


async def wait_triaged(database_url: str, numbers: set[str], within: float) -> dict[str, tuple[datetime, datetime]]:
    deadline = time.monotonic() + within
    while True:
        done = {k: v for k, v in (await asyncio.to_thread(triaged, database_url)).items() if k in numbers}
        if len(done) == len(numbers):
            return done
        if time.monotonic() > deadline:
            raise BenchError(
                f"only {len(done)} of {len(numbers)} cases triaged within {within:.0f} s (see the worker log)"
            )
        await asyncio.sleep(0.5)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


# --- The run ----------------------------------------------------------------------------------------------


@dataclass
class Options:
    cases: int
    concurrency: int
    triage_wait: float  # seconds after the last POST


@dataclass
class System:
    client: Client
    api_url: str
    database_url: str
    baseline_worker: Child


async def bench(options: Options) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="abate-bench-") as tmp:
        env = await start_dev_server()
        try:
            database_url = prepare_database(f"sqlite:///{Path(tmp) / 'abate.sqlite3'}")
            port = free_port()
            child_env = {
                **os.environ,
                "ABATE_ENV": "test",
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": database_url,
                "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                "TEMPORAL_TASK_QUEUE": CASE_QUEUE,
            }
            children: list[Child] = []
            with stopping(children):  # a child that started is stopped even if a later one fails to
                for name, args in [
                    ("baseline-worker", ["-m", "bench.case_throughput", "--baseline-worker"]),
                    ("worker", ["-m", "workers.main"]),
                    ("api", ["-m", "uvicorn", "api.main:app", "--port", str(port)]),
                ]:
                    children.append(spawn(name, args, child_env, Path(tmp)))
                system = System(env.client, f"http://127.0.0.1:{port}", database_url, children[0])
                await measure(system, options, started)
        finally:
            await env.shutdown()
    print(f"  run took {time.perf_counter() - started:.0f} s in all (setup, warm-up, both measurements, shutdown)")


async def measure(system: System, options: Options, started: float) -> None:
    n, concurrency = options.cases, options.concurrency
    async with httpx.AsyncClient(base_url=system.api_url, timeout=60) as http:

        async def healthy() -> bool:
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_for(healthy, "the API answering", 60)
        token = await http.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.raise_for_status().json()['access_token']}"}
        codes = [v["code"] for v in (await http.get("/api/v1/violation-types", headers=headers)).json()]
        with (CONFIG_DIR / "demo_city" / "parcels.csv").open() as f:
            addresses = [row["address"] for row in csv.DictReader(f)]

        # Warm-up, not measured: sandbox imports, connection pools, the worker's first poll.
        await system.client.execute_workflow(EmptyWorkflow.run, id=f"warm-{time.time_ns()}", task_queue=BASELINE_QUEUE)
        warm = await file_complaints(http, headers, 1, 1, codes, addresses)
        await wait_triaged(system.database_url, set(warm.sent), 60)
        setup = time.perf_counter() - started

        baseline = await measure_baseline(system.client, n, concurrency)
        system.baseline_worker.stop()  # its idle pollers would otherwise share the CPU with the pipeline
        print(f"baseline {baseline:.1f} wf/s; filing {n} complaints…", flush=True)

        filed = await file_complaints(http, headers, n, concurrency, codes, addresses)
        done = await wait_triaged(system.database_url, set(filed.sent), options.triage_wait)

    first_post = min(filed.sent.values())
    by_event = [(done[k][0] - sent).total_seconds() for k, sent in filed.sent.items()]
    by_row = [(done[k][1] - sent).total_seconds() for k, sent in filed.sent.items()]
    posts_per_s = n / ((filed.last_answer or first_post) - first_post).total_seconds()
    cases_per_s = n / (max(at for at, _ in done.values()) - first_post).total_seconds()
    ratio = cases_per_s / baseline
    verdict = "PASS" if ratio >= TARGET_RATIO else "BELOW"
    delayed = f"  ({filed.delayed} answered 202)" if filed.delayed else ""
    lifecycle_wall, lifecycle_span = await lifecycle_seconds()
    print(
        f"""
Abate case throughput · commit {git_commit()} · {n} cases, concurrency {concurrency}
  baseline, empty workflow        {baseline:8.1f} wf/s
  intake alone, POST answered     {posts_per_s:8.1f} complaints/s
  case pipeline, POST→triaged     {cases_per_s:8.1f} cases/s{delayed}
  ratio cases/s ÷ baseline        {ratio:8.2f}       target ≥ {TARGET_RATIO}  {verdict}
  latency POST→assigned p50/p95   {percentile(by_event, 50):6.2f} s / {percentile(by_event, 95):.2f} s   case_events.occurred_at (whole seconds on SQLite)
                                  {percentile(by_row, 50):6.2f} s / {percentile(by_row, 95):.2f} s   cases.updated_at, same transaction (µs)
  escalation lifecycle            {lifecycle_wall:8.2f} s wall for {lifecycle_span.days} days of case time (time-skipped), target < 2 s
  setup and warm-up took {setup:.0f} s"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.case_throughput",
        description="Case-pipeline throughput against an empty-workflow baseline.",
    )
    parser.add_argument("--cases", type=int, default=500, help="complaints to file, and empty workflows to run")
    parser.add_argument("--concurrency", type=int, default=20, help="requests (and workflow starts) in flight")
    parser.add_argument("--triage-wait", type=float, default=300, help="seconds to wait for triage after the last POST")
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        asyncio.run(_run_baseline_worker())
        return
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped like Ctrl-C: children and server too
    try:
        asyncio.run(bench(Options(args.cases, args.concurrency, args.triage_wait)))
    except BenchError as exc:
        sys.exit(f"bench failed: {exc}")


if __name__ == "__main__":
    main()
