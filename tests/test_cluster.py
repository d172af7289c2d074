"""`scripts/cluster` runs for real: a PostgreSQL cluster of its own, the Temporal server on it, two worker processes
and an API of two processes; a complaint filed through the API is triaged and found by its search attributes in
PostgreSQL visibility; Ctrl-C stops everything it started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from config.settings import PROJECT_ROOT, Settings
from records.demo_city import DEMO_PASSWORD
from scripts.cluster_system import PORT_OFFSETS, TEMPORAL_SERVER
from scripts.demo_cases import wait_for_api
from tests.conftest import free_port
from tests.helpers import eventually

pytestmark = pytest.mark.skipif(
    not TEMPORAL_SERVER.exists(), reason="the Temporal server is not built; scripts/setup builds it"
)

SETTINGS = Settings()


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_frontend_port() -> int:
    """A frontend port whose every sibling port (history, matching, membership…) is free too. Below the
    ephemeral range, as the server keeps membership ports in a smallint column (at most 32767)."""
    while True:
        frontend = random.randrange(20_000, 32_000)  # noqa: S311 - a port, not a secret
        if all(bindable(frontend + offset) for offset in PORT_OFFSETS.values()):
            return frontend


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_naming(text: str) -> list[int]:
    """Processes with `text` in their command line or environment."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(os.getpid()):
            with contextlib.suppress(OSError):
                if text.encode() in (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes():
                    found.append(int(proc.name))
    return found


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # Not under pytest's tmp dir: that is private to root, and PostgreSQL may run as another user.
    state = Path(tempfile.mkdtemp(prefix="abate-cluster-"))
    state.chmod(0o755)
    yield state
    shutil.rmtree(state, ignore_errors=True)


async def file_a_complaint(base_url: str) -> str:
    """Filed as the README's walk-through files it; answers once the case's workflow has triaged it."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        token = await http.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        complaint = {"violation_code": "PS-GRASS", "address": "142 Maple Dr", "description": "Grass knee-high"}
        filed = await http.post("/api/v1/complaints", headers=headers, json={**complaint, "channel": "phone"})
        assert filed.status_code == 201, filed.text
        case_number = str(filed.json()["case_number"])

        async def stage() -> str:
            return str((await http.get(f"/api/v1/cases/{case_number}", headers=headers)).json()["stage"])

        await eventually(stage, until=lambda s: s == "investigating", within=60)
    return case_number


async def workers_polling(address: str, case_number: str) -> list[str]:
    """The worker processes polling the task queue, once the triaged case is found by its search attributes."""
    client = await Client.connect(address, namespace=SETTINGS.temporal_namespace)
    query = f'CaseStage = "investigating" AND ViolationCode = "PS-GRASS" AND WorkflowId = "{case_number}"'
    await eventually(lambda: client.count_workflows(query), until=lambda count: count.count == 1)

    async def pollers() -> set[str]:
        described = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=SETTINGS.temporal_task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        return {poller.identity for poller in described.pollers}

    identities: set[str] = await eventually(pollers, until=lambda found: len(found) == 2)
    return sorted(identities)


def test_the_cluster_triages_a_complaint_and_stops_on_ctrl_c(state_dir: Path) -> None:
    api_port, temporal_port, postgres_port = free_port(), free_frontend_port(), free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DATABASE_", "TEMPORAL_"))}
    env["ABATE_ENV"] = "dev"  # the demo city's staff, as the README's walk-through signs in
    arguments = ["--workers", "2", "--api-processes", "2", "--state-dir", str(state_dir)]
    arguments += ["--api-port", str(api_port), "--temporal-port", str(temporal_port)]
    arguments += ["--postgres-port", str(postgres_port)]
    with (state_dir / "cluster.out").open("wb") as out:
        cluster = subprocess.Popen(
            [sys.executable, "-m", "scripts.cluster_system", *arguments],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{api_port}"
    try:
        try:
            wait_for_api(base_url, within=240, alive=lambda: cluster.poll() is None)
        except RuntimeError:
            logs = [state_dir / "cluster.out", *sorted((state_dir / "log" / "cluster").glob("*.log"))]
            pytest.fail("\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs))
        case_number = asyncio.run(file_a_complaint(base_url))
        workers = asyncio.run(workers_polling(f"127.0.0.1:{temporal_port}", case_number))
        assert len(workers) == 2, f"each worker process polls: {workers}"

        cluster.send_signal(signal.SIGINT)
        assert cluster.wait(timeout=120) == 0, (state_dir / "cluster.out").read_text()
        assert not [port for port in (api_port, temporal_port, postgres_port) if listening(port)]
        assert not processes_naming(str(state_dir)), "a process it started outlived it"
    finally:
        if cluster.poll() is None:
            cluster.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                cluster.wait(timeout=60)
