"""Case-pipeline throughput against an empty-workflow baseline, on one Temporal server, with 1 and 2 worker processes.

    .venv/bin/python -m bench.case_throughput [--cases N] [--concurrency C] [--workers 1 2]
        [--temporal-address HOST:PORT] [--postgres-server URL] [--no-lifecycle]

Without `--temporal-address` it starts a throw-away dev server; with it, it uses that server (the cluster's) in a
namespace of its own, deleted at the end. For each worker count it runs that many baseline worker processes with a
workflow that does nothing, then that many real worker processes behind the API, on the same server in the same run:
the ratio says how much of what the server and SDK can do survives once a case does its real work (API write,
workflow start, triage's read and write), and the two worker counts say how the pipeline scales. Machines are
shared and noisy, so nothing here fails on a number.
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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from google.protobuf.duration_pb2 import Duration
from sqlmodel import Session, col, select, update
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, DeleteNamespaceRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.worker import Worker

from bench.empty_workflow import EmptyWorkflow
from bench.lifecycle import LifecycleTimes, lifecycle_seconds
from config.settings import CONFIG_DIR, PROJECT_ROOT
from records.db import make_engine, session_factory, transaction
from records.demo_city import DEMO_PASSWORD
from records.tables import Case, CaseEvent, Counter
from tests.conftest import TEST_SECRET, free_port, fresh_postgres_database, prepare_database, start_dev_server
from workflows import search_attributes as sa
from workflows.sandbox import workflow_runner

TARGET_RATIO = 0.5
TARGET_SCALING = 1.6
CASES_PER_PHASE = 100_000  # each worker count numbers its cases from its own block (six digits in all)


class BenchError(RuntimeError):
    """The run could not measure what it set out to (a refused request, cases never triaged)."""


async def _run_baseline_worker(task_queue: str) -> None:
    """One baseline worker process: the real worker's settings minus its activities (SDK default limits in both)."""
    client = await Client.connect(
        os.environ["TEMPORAL_ADDRESS"],
        namespace=os.environ["TEMPORAL_NAMESPACE"],
        data_converter=pydantic_data_converter,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[EmptyWorkflow],
        workflow_runner=workflow_runner("bench.empty_workflow"),
        graceful_shutdown_timeout=timedelta(seconds=20),
    ):
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

    def cpu_seconds(self) -> float:
        """User and system CPU the process has used so far (Linux): less noisy than rates on a shared machine."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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
def running(children: list[Child]) -> Iterator[None]:
    """Stops every child (API first, so the workers drain against a live server), then shows logs on error."""
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


# --- The namespace and the databases ----------------------------------------------------------------------


# What the server runs after a namespace is deleted: every workflow left in it is removed, one by one.
NAMESPACE_CLEANUP = (
    "temporal-sys-delete-namespace-workflow",
    "temporal-sys-delete-executions-workflow",
    "temporal-sys-reclaim-namespace-resources-workflow",
)


async def until_earlier_runs_are_cleared(address: str, limit: float = 600) -> None:
    """An earlier run's namespace is deleted in the background, its hundreds of cases with it: for a couple of minutes
    that work takes a core of this machine's two, and would be measured against this run's pipeline."""
    system = await Client.connect(address, namespace="temporal-system")
    types = ", ".join(f'"{name}"' for name in NAMESPACE_CLEANUP)
    query = f"ExecutionStatus = 'Running' AND WorkflowType IN ({types})"
    deadline, told = time.monotonic() + limit, False
    while time.monotonic() < deadline:
        with suppress(RPCError):  # a server whose visibility cannot answer: nothing to wait for
            if not [w async for w in system.list_workflows(query, limit=1)]:
                return
        if not told:
            print("waiting for the server to finish deleting an earlier run's namespace…", flush=True)
            told = True
        await asyncio.sleep(2)


async def open_namespace(address: str, namespace: str) -> Client:
    """A namespace of the run's own with Abate's search attributes, so nothing collides with what the server holds."""
    admin = await Client.connect(address)
    await admin.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=Duration(seconds=86_400))
    )
    client = await Client.connect(address, namespace=namespace, data_converter=pydantic_data_converter)
    added: list[bool] = []

    async def usable() -> bool:
        # The frontend learns of a new namespace, and of its attributes, when it refreshes its caches (seconds):
        # until then these fail. A workflow started with the attributes shows that cases can start.
        try:
            if not added:
                await client.operator_service.add_search_attributes(
                    AddSearchAttributesRequest(namespace=namespace, search_attributes=sa.indexed_types())
                )
                added.append(True)
            probe = await client.start_workflow(
                EmptyWorkflow.run,
                id=f"probe-{time.time_ns()}",
                task_queue="bench-probe",  # polled by nobody
                search_attributes=TypedSearchAttributes([SearchAttributePair(sa.CASE_STAGE, "received")]),
            )
        except RPCError:
            return False
        await probe.terminate(reason="namespace probe")
        return True

    await wait_for(usable, f"namespace {namespace} usable", 60)
    return client


async def close_namespace(client: Client) -> None:
    with suppress(RPCError):  # a server without namespace deletion keeps it; its retention is a day
        await client.operator_service.delete_namespace(DeleteNamespaceRequest(namespace=client.namespace))


def fresh_database(workdir: Path, phase: int, postgres_server: str | None) -> str:
    """A migrated database with the demo city whose case numbers start at this phase's own block."""
    if postgres_server:
        url = fresh_postgres_database(postgres_server)
    else:
        url = prepare_database(f"sqlite:///{workdir / f'abate-{phase}.sqlite3'}")
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as session:
            session.exec(
                update(Counter)
                .where(col(Counter.name).startswith("case_number:"))
                .values(value=phase * CASES_PER_PHASE)
            )
    finally:
        engine.dispose()
    return url


# --- Measurements -----------------------------------------------------------------------------------------


async def measure_baseline(client: Client, task_queue: str, n: int, concurrency: int) -> float:
    """Workflows per second from the first start to the last completion."""
    gate = asyncio.Semaphore(concurrency)
    stamp = time.time_ns()

    async def one(i: int) -> float:
        async with gate:
            handle = await client.start_workflow(EmptyWorkflow.run, id=f"empty-{stamp}-{i}", task_queue=task_queue)
        await handle.result()
        return time.perf_counter()

    began = time.perf_counter()
    finished = await asyncio.gather(*(one(i) for i in range(n)))
    return n / (max(finished) - began)


@dataclass
class Clerk:
    """The API as the demo clerk files complaints through it: signed in, with what a complaint may name."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    codes: list[str]
    addresses: list[str]


@asynccontextmanager
async def clerk_at(port: int) -> AsyncIterator[Clerk]:
    """Waits for the API on `port` to answer, then signs the clerk in."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:

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
        yield Clerk(http, headers, codes, addresses)


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


def triaged(database_url: str) -> dict[str, datetime]:
    """When each case was triaged: the case row's updated_at, written by the same transaction as the triaged
    event and untouched until the next transition (the event's own occurred_at has whole seconds on SQLite)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(CaseEvent.case_number, Case.updated_at)
                .join(Case, Case.case_number == CaseEvent.case_number)  # type: ignore[arg-type]
                .where(CaseEvent.kind == "triaged")
            ).all()
    finally:
        engine.dispose()
    return {number: updated for number, updated in rows if updated}


async def wait_triaged(database_url: str, numbers: set[str], within: float) -> dict[str, datetime]:
    deadline = time.monotonic() + within
    while True:
        done = {k: v for k, v in (await asyncio.to_thread(triaged, database_url)).items() if k in numbers}
        if len(done) == len(numbers):
            return done
        if time.monotonic() > deadline:
            raise BenchError(
                f"only {len(done)} of {len(numbers)} cases triaged within {within:.0f} s (see the worker logs)"
            )
        await asyncio.sleep(0.5)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


# --- The run ----------------------------------------------------------------------------------------------


@dataclass
class Options:
    cases: int
    concurrency: int
    workers: list[int]
    temporal_address: str | None
    postgres_server: str | None
    triage_wait: float  # seconds after the last POST
    lifecycle: bool


@dataclass
class Phase:
    """What one worker count measured."""

    workers: int
    baseline: float  # empty workflows per second
    posts: float  # complaints answered per second
    cases: float  # cases triaged per second, first POST to last triage
    p50: float
    p95: float
    delayed: int
    baseline_cpu_ms: float  # CPU of the baseline workers per empty workflow
    worker_cpu_ms: float  # CPU of the real workers per case, until its triage (its later tasks may still run)
    api_cpu_ms: float  # CPU of the API per complaint

    @property
    def ratio(self) -> float:
        return self.cases / self.baseline


@dataclass
class Run:
    client: Client
    address: str
    options: Options
    workdir: Path

    def env(self, **more: str) -> dict[str, str]:
        return {
            **os.environ,
            "ABATE_ENV": "test",
            "SECRET_KEY": TEST_SECRET,
            "TEMPORAL_ADDRESS": self.address,
            "TEMPORAL_NAMESPACE": self.client.namespace,
            **more,
        }


async def measure_phase(run: Run, workers: int) -> Phase:
    options = run.options
    n, concurrency = options.cases, options.concurrency
    logs = run.workdir / f"{workers}-workers"
    logs.mkdir()

    empty_queue = f"bench-empty-{workers}"
    baseline_workers = [
        spawn(
            f"baseline-worker-{i}", ["-m", "bench.case_throughput", "--baseline-worker", empty_queue], run.env(), logs
        )
        for i in range(workers)
    ]
    with running(baseline_workers):
        # Warm-up, not measured: each process's first poll and connection.
        for i in range(2 * workers):
            await run.client.execute_workflow(
                EmptyWorkflow.run, id=f"warm-{time.time_ns()}-{i}", task_queue=empty_queue
            )
        cpu_before = sum(c.cpu_seconds() for c in baseline_workers)
        baseline = await measure_baseline(run.client, empty_queue, n, concurrency)
        baseline_cpu = sum(c.cpu_seconds() for c in baseline_workers) - cpu_before
    print(f"{workers} worker(s): baseline {baseline:.1f} wf/s; filing {n} complaints…", flush=True)

    database_url = await asyncio.to_thread(fresh_database, run.workdir, workers, options.postgres_server)
    port = free_port()
    env = run.env(DATABASE_URL=database_url, TEMPORAL_TASK_QUEUE=f"bench-cases-{workers}")
    children = [spawn(f"worker-{i}", ["-m", "workers.main"], env, logs) for i in range(workers)]
    with running(children):
        children.append(spawn("api", ["-m", "uvicorn", "api.main:app", "--port", str(port)], env, logs))
        async with clerk_at(port) as clerk:
            http, headers, codes, addresses = clerk.http, clerk.headers, clerk.codes, clerk.addresses
            # Warm-up, not measured: pools, and every worker's first workflow task.
            warm = await file_complaints(http, headers, 4 * workers, workers, codes, addresses)
            await wait_triaged(database_url, set(warm.sent), 60)

            workers_cpu, api_cpu = sum(c.cpu_seconds() for c in children[:-1]), children[-1].cpu_seconds()
            filed = await file_complaints(http, headers, n, concurrency, codes, addresses)
            done = await wait_triaged(database_url, set(filed.sent), options.triage_wait)
            workers_cpu = sum(c.cpu_seconds() for c in children[:-1]) - workers_cpu
            api_cpu = children[-1].cpu_seconds() - api_cpu

    first_post = min(filed.sent.values())
    latency = [(done[k] - sent).total_seconds() for k, sent in filed.sent.items()]
    return Phase(
        workers=workers,
        baseline=baseline,
        posts=n / ((filed.last_answer or first_post) - first_post).total_seconds(),
        cases=n / (max(done.values()) - first_post).total_seconds(),
        p50=percentile(latency, 50),
        p95=percentile(latency, 95),
        delayed=filed.delayed,
        baseline_cpu_ms=1000 * baseline_cpu / n,
        worker_cpu_ms=1000 * workers_cpu / n,
        api_cpu_ms=1000 * api_cpu / n,
    )


async def bench(options: Options) -> None:
    started = time.perf_counter()
    if options.temporal_address:
        await until_earlier_runs_are_cleared(options.temporal_address)
    dev = None if options.temporal_address else await start_dev_server()
    address = options.temporal_address or (dev.client.service_client.config.target_host if dev else "")
    server = f"existing server at {address}" if options.temporal_address else f"dev server started here ({address})"
    try:
        client = await open_namespace(address, f"abate-bench-{time.time_ns()}")
        try:
            with tempfile.TemporaryDirectory(prefix="abate-bench-") as tmp:
                run = Run(client, address, options, Path(tmp))
                phases = [await measure_phase(run, workers) for workers in options.workers]
        finally:
            if options.temporal_address:
                await close_namespace(client)
    finally:
        if dev:
            await dev.shutdown()
    lifecycle = await lifecycle_seconds() if options.lifecycle else None
    report(options, server, phases, lifecycle)
    print(f"  run took {time.perf_counter() - started:.0f} s in all (servers, warm-ups, measurements, shutdown)")


def report(options: Options, server: str, phases: list[Phase], lifecycle: LifecycleTimes | None) -> None:
    lines = [
        "",
        f"Abate case throughput · commit {git_commit()} · {server} · load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores",
        f"  {options.cases} cases and {options.cases} empty workflows per worker count, concurrency {options.concurrency}",
        "",
        "  workers  baseline wf/s  POSTs/s  pipeline cases/s  ratio   POST→triaged p50 / p95",
    ]
    for p in phases:
        verdict = "PASS" if p.ratio >= TARGET_RATIO else "BELOW"
        delayed = f"  ({p.delayed} answered 202)" if p.delayed else ""
        lines.append(
            f"  {p.workers:>7}  {p.baseline:>13.1f}  {p.posts:>7.1f}  {p.cases:>16.1f}  {p.ratio:>5.2f}"
            f"   {p.p50:5.2f} s / {p.p95:.2f} s  {verdict} (target ≥ {TARGET_RATIO}){delayed}"
        )
    lines.append("  CPU per item (less noisy than rates on a shared machine):")
    for p in phases:
        lines.append(
            f"  {p.workers:>7}  baseline worker {p.baseline_cpu_ms:5.1f} ms/workflow · "
            f"workers {p.worker_cpu_ms:5.1f} ms/case · API {p.api_cpu_ms:5.1f} ms/complaint"
        )
    by_workers = {p.workers: p for p in phases}
    if 1 in by_workers and 2 in by_workers:
        one, two = by_workers[1], by_workers[2]
        lines.append(
            f"  1 → 2 workers: pipeline ×{two.cases / one.cases:.2f}, baseline ×{two.baseline / one.baseline:.2f}"
            f"   (target ≥ {TARGET_SCALING} on the cluster with the machine otherwise idle; {os.cpu_count()} cores here)"
        )
    if lifecycle:
        lines.append(f"  {lifecycle.line()}")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.case_throughput",
        description="Case-pipeline throughput against an empty-workflow baseline, by number of worker processes.",
    )
    parser.add_argument("--cases", type=int, default=500, help="complaints to file, and empty workflows to run")
    parser.add_argument("--concurrency", type=int, default=20, help="requests (and workflow starts) in flight")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes, one run each")
    parser.add_argument("--temporal-address", help="an existing Temporal server (default: start a dev server)")
    parser.add_argument("--postgres-server", help="a PostgreSQL server URL without database (default: SQLite)")
    parser.add_argument("--triage-wait", type=float, default=300, help="seconds to wait for triage after the last POST")
    parser.add_argument("--no-lifecycle", action="store_true", help="skip the time-skipped escalation lifecycle")
    parser.add_argument("--baseline-worker", metavar="TASK_QUEUE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        asyncio.run(_run_baseline_worker(args.baseline_worker))
        return
    if args.cases >= CASES_PER_PHASE:
        parser.error(f"--cases must be below {CASES_PER_PHASE}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped like Ctrl-C: children and server too
    options = Options(
        cases=args.cases,
        concurrency=args.concurrency,
        workers=args.workers,
        temporal_address=args.temporal_address,
        postgres_server=args.postgres_server,
        triage_wait=args.triage_wait,
        lifecycle=not args.no_lifecycle,
    )
    try:
        asyncio.run(bench(options))
    except BenchError as exc:
        sys.exit(f"bench failed: {exc}")


if __name__ == "__main__":
    main()
