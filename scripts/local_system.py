"""Runs the whole system locally (README command one, through scripts/dev).

Temporal's dev server (state in var/temporal.sqlite, UI on :8233), migrations, the demo city and users,
one worker, and the API/console on :8000. A process that exits is restarted with backoff (`workers/supervisor.py`),
the others go on. Ctrl-C stops every process it started; running it again resumes the same cases.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from config.settings import PROJECT_ROOT, VAR_DIR, get_settings
from records.db import make_engine, session_factory, transaction
from records.demo_city import DEMO_PASSWORD, load_demo_city
from records.migrate import upgrade_to_head
from records.tables import Case
from services.temporal_client import connect, register_search_attributes
from workers.devserver import dev_server_command
from workers.supervisor import Supervised

API_PORT = 8000
TEMPORAL_PORT = 7233
UI_PORT = 8233


def spawn(name: str, command: list[str], log_dir: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("ab")
    # Own process group, so Ctrl-C in the terminal reaches this supervisor only and it stops children in order.
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
    )


async def _wait_for_temporal() -> None:
    settings = get_settings()
    for _ in range(120):
        try:
            client = await connect(settings)
            added = await register_search_attributes(client)
            if added:
                print(f"registered search attributes on the existing namespace: {', '.join(added)}")
            return
        except RuntimeError:
            await asyncio.sleep(0.5)
    raise SystemExit("Temporal dev server did not come up; see var/log/temporal.log")


def prepare_database() -> bool:
    """Migrates and loads the demo city; True when the database holds no case yet (a first run)."""
    settings = get_settings()
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        load_demo_city(session, settings.city_dir, with_demo_users=settings.is_dev)
        first_run = session.exec(select(Case.case_number).limit(1)).first() is None
    engine.dispose()
    return first_run


def _stop(supervised: list[Supervised], seeding: subprocess.Popen[bytes] | None) -> None:
    if seeding is not None and seeding.poll() is None:
        seeding.terminate()
        seeding.wait()
    for child in reversed(supervised):  # API first, Temporal last: the worker drains against a live server
        child.stop()


def stop_all(*stages: list[subprocess.Popen[bytes]]) -> None:
    """Stops stage after stage, the processes of a stage together: the API and the workers first, Temporal
    after them, so that the workers drain against a live server."""
    for stage in stages:
        running = [process for process in stage if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = get_settings()
    log_dir = VAR_DIR / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    supervised: list[Supervised] = []
    seeding: subprocess.Popen[bytes] | None = None  # ends by itself; its end stops nothing
    stop_requested = False

    def request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def keep_up(name: str, command: list[str]) -> None:
        child = Supervised(name, command, PROJECT_ROOT, log_dir)
        supervised.append(child)
        child.start()

    try:
        keep_up(
            "temporal",
            dev_server_command(
                VAR_DIR / "temporal.sqlite", port=TEMPORAL_PORT, ui_port=UI_PORT, namespace=settings.temporal_namespace
            ),
        )
        asyncio.run(_wait_for_temporal())
        first_run = prepare_database()
        python = sys.executable
        keep_up("worker", [python, "-m", "workers.main"])
        keep_up("api", [python, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(API_PORT)])
        if first_run and settings.is_dev:  # filed through the API as staff would, while the console is usable
            seeding = spawn("demo-cases", [python, "-m", "scripts.demo_cases", f"http://127.0.0.1:{API_PORT}"], log_dir)
        print(
            f"""
Abate is running.
  Console and API   http://127.0.0.1:{API_PORT}/        (API docs: http://127.0.0.1:{API_PORT}/docs)
  Temporal Web UI   http://127.0.0.1:{UI_PORT}/
  Temporal gRPC     127.0.0.1:{TEMPORAL_PORT}
  Demo logins       clerk, officer, supervisor, hearing, finance, admin — password "{DEMO_PASSWORD}"
  Logs              {log_dir}/ (temporal.log, worker.log, api.log, demo-cases.log)
Press Ctrl-C to stop everything.""",
            flush=True,
        )
        while not stop_requested:
            if seeding is not None and seeding.poll() is not None:
                outcome = "filed" if seeding.returncode == 0 else "failed; see var/log/demo-cases.log"
                print(f"demo cases {outcome}", flush=True)
                seeding = None
            for child in supervised:
                child.tend(time.monotonic())
            time.sleep(0.5)
        return 0
    finally:
        print("stopping…", flush=True)
        _stop(supervised, seeding)


if __name__ == "__main__":
    os.chdir(PROJECT_ROOT)
    sys.exit(main())
