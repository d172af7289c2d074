"""Memory per case held in a worker's cache: MB of the worker process per 1,000 cases waiting in it.

    .venv/bin/python -m bench.case_memory [--cases 3000] [--steps 3] [--cache N] [--temporal-address HOST:PORT]

Starts one real worker (`workers.main`) with a cache larger than the run needs (or `--cache N`), and the API; files
complaints through the API in steps and, once every case of a step is triaged (each then waits on its first
inspection, held in the worker's cache, as most open cases wait), reads the worker's resident memory (VmRSS). The
slope of memory over cases is what a case costs the worker; the same run with a small cache (`--cache 10`) is the
control, what the worker grows by without holding them; the difference is the cache's share. README: sizing the
worker's cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.case_throughput import (
    BenchError,
    clerk_at,
    file_complaints,
    fresh_database,
    open_namespace,
    running,
    spawn,
    wait_triaged,
)
from tests.conftest import TEST_SECRET, free_port, start_dev_server

SETTLE_SECONDS = 5  # after the last triage of a step: activity threads idle, the heap settled


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


async def measure(address: str, cases: int, steps: int, cache: int, workdir: Path) -> list[tuple[int, float]]:
    client = await open_namespace(address, f"abate-memory-{time.time_ns()}")
    database_url = fresh_database(workdir, 1, None)
    port = free_port()
    env = {
        **os.environ,
        "ABATE_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": client.namespace,
        "TEMPORAL_TASK_QUEUE": "bench-memory",
        "TEMPORAL_MAX_CACHED_WORKFLOWS": str(cache),
        "DATABASE_URL": database_url,
    }
    worker = spawn("worker", ["-m", "workers.main"], env, workdir)
    children = [worker]
    readings: list[tuple[int, float]] = []
    with running(children):
        children.append(spawn("api", ["-m", "uvicorn", "api.main:app", "--port", str(port)], env, workdir))
        async with clerk_at(port) as clerk:
            http, headers, codes, addresses = clerk.http, clerk.headers, clerk.codes, clerk.addresses
            held: set[str] = set()
            for step in range(steps + 1):
                # Step 0 warms the worker up (imports, pools, first tasks) with a few cases.
                filed = await file_complaints(http, headers, 20 if step == 0 else cases // steps, 20, codes, addresses)
                held |= set(filed.sent)
                await wait_triaged(database_url, held, 600)
                await asyncio.sleep(SETTLE_SECONDS)
                readings.append((len(held), resident_mb(worker.process.pid)))
                print(f"  {len(held):6d} cases held: worker {readings[-1][1]:7.1f} MB", flush=True)
    return readings


async def bench(cases: int, steps: int, cache: int, temporal_address: str | None) -> None:
    dev = None if temporal_address else await start_dev_server()
    address = temporal_address or (dev.client.service_client.config.target_host if dev else "")
    try:
        with tempfile.TemporaryDirectory(prefix="abate-memory-") as tmp:
            readings = await measure(address, cases, steps, cache, Path(tmp))
    finally:
        if dev:
            await dev.shutdown()
    held, mb = zip(*readings, strict=True)
    slope = statistics.linear_regression(held, mb).slope
    print(
        f"""
Abate worker memory per cached case · {cases} cases in {steps} steps, one worker process caching {cache}
  worker with {held[0]} cases (warmed up)   {mb[0]:8.1f} MB resident
  worker with {held[-1]} cases              {mb[-1]:8.1f} MB resident
  per 1,000 cases more                    {slope * 1000:8.1f} MB   (least-squares slope over the steps)
  50,000 open cases all held              {mb[0] + slope * 50_000:8.0f} MB in one worker"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.case_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases to hold in the cache in the end")
    parser.add_argument("--steps", type=int, default=3, help="readings between the warm-up and the end")
    parser.add_argument(
        "--cache",
        type=int,
        help="the worker's max_cached_workflows (default: every case of the run; a small one is the control)",
    )
    parser.add_argument("--temporal-address", help="an existing Temporal server (default: start a dev server)")
    args = parser.parse_args()
    try:
        asyncio.run(bench(args.cases, args.steps, args.cache or args.cases + 1000, args.temporal_address))
    except BenchError as exc:
        sys.exit(f"bench failed: {exc}")


if __name__ == "__main__":
    main()
