"""Faults survived on the production shape (issue 17): a Temporal server on PostgreSQL as `scripts/cluster` runs it,
two worker processes, and cases in flight when one of them is killed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlmodel import col, select
from temporalio import workflow
from temporalio.worker import Worker

from config.settings import PROJECT_ROOT, Settings
from domain.stages import CaseStage
from records.db import make_engine, session_factory
from records.tables import Case, CaseEvent, Message, Parcel
from scripts.cluster_system import (
    TEMPORAL_SERVER,
    prepare_temporal_databases,
    server_command,
    start_temporal,
    temporal_environment,
)
from scripts.local_system import spawn, stop_all
from services.temporal_client import connect
from tests.conftest import TEST_SECRET, Api, make_settings, open_api, prepare_database, throwaway_postgres
from tests.helpers import eventually
from tests.test_cluster import bindable, free_frontend_port
from workers.temporal_namespace import prepare_namespace

pytestmark = pytest.mark.skipif(
    not TEMPORAL_SERVER.exists(), reason="the Temporal server is not built; scripts/setup builds it"
)

CASES = 200


@workflow.defn(name="TimerThroughRestart", sandboxed=False)
class TimerThroughRestart:
    """A durable timer, nothing else: it falls due while the server is down and must fire once it is back."""

    @workflow.run
    async def run(self, seconds: float) -> str:
        await workflow.sleep(seconds)
        return "fired"


class TemporalServer:
    """The Temporal server on the suite's PostgreSQL, its schemas and namespace made as `scripts/cluster` makes
    them; a test may kill it and start it again on the same databases."""

    def __init__(self, postgres_server: str) -> None:
        port = free_frontend_port()
        self.address = f"127.0.0.1:{port}"
        self.env = {
            **os.environ,
            **temporal_environment(postgres_server, port),
            "DBNAME": f"temporal_{os.getpid()}",
            "VISIBILITY_DBNAME": f"temporal_visibility_{os.getpid()}",
        }
        self.log_dir = Path(tempfile.mkdtemp(prefix="abate-temporal-"))
        self.process = self.start()

    def start(self) -> subprocess.Popen[bytes]:
        self.process = start_temporal(self.env, self.log_dir)
        asyncio.run(prepare_namespace(make_settings("sqlite://", self.address)))
        return self.process

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def temporal(postgres_server: str) -> Iterator[TemporalServer]:
    server = TemporalServer(postgres_server)
    yield server
    stop_all([server.process])
    shutil.rmtree(server.log_dir, ignore_errors=True)


@pytest.fixture
def records_url(postgres_server: str) -> str:
    name = f"abate_faults_{os.getpid()}_{os.urandom(3).hex()}"
    with psycopg.connect(f"{postgres_server.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return prepare_database(f"{postgres_server}/{name}")


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "ABATE_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": settings.database_url,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "DOCUMENT_STORE_DIR": str(settings.document_store_dir),
    }
    return [subprocess.Popen([sys.executable, "-m", "workers.main"], cwd=PROJECT_ROOT, env=env) for _ in range(count)]


@pytest.fixture
def two_workers(
    records_url: str, temporal: TemporalServer, tmp_path: Path
) -> Iterator[tuple[Settings, list[subprocess.Popen[bytes]]]]:
    settings = make_settings(records_url, temporal.address, document_store_dir=tmp_path / "documents")
    workers = start_workers(settings, 2)
    yield settings, workers
    stop_all(workers)


async def test_a_worker_killed_with_sigkill_loses_no_case_and_repeats_nothing(
    two_workers: tuple[Settings, list[subprocess.Popen[bytes]]],
) -> None:
    settings, workers = two_workers
    sessions = session_factory(make_engine(settings.database_url))
    with sessions() as session:
        addresses = list(session.exec(select(Parcel.address).order_by(col(Parcel.parcel_id)).limit(CASES)))
    assert len(addresses) == CASES

    filed: list[str] = []
    limit = asyncio.Semaphore(20)

    async def file(api: Api, headers: dict[str, str], number: int, address: str) -> None:
        complaint = {
            "violation_code": "PS-GRASS",
            "address": address,
            "description": "Grass knee-high",
            "channel": "phone",
            "complainant": {"name": f"Neighbour {number}", "email": f"neighbour{number}@example.org"},
        }
        async with limit:
            answer = await api.http.post("/api/v1/complaints", headers=headers, json=complaint)
        # 202: stored, and Temporal did not answer in time under this load; the reconciler starts it.
        assert answer.status_code in (201, 202), answer.text
        filed.append(answer.json()["case_number"])
        if len(filed) == CASES // 3:  # a third filed, the first ones in triage: the first worker dies
            workers[0].send_signal(signal.SIGKILL)

    async for api in open_api(settings):
        headers = await api.headers("clerk")
        await asyncio.gather(*(file(api, headers, number, address) for number, address in enumerate(addresses)))
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert workers[1].poll() is None

    async def progress() -> tuple[Counter[str], int]:
        """Each case's stage, and how many complainants have been told their case is open."""
        with sessions() as session:
            stages = Counter(session.exec(select(Case.stage).where(col(Case.case_number).in_(filed))))
            told = select(Message.case_number).where(Message.audience == "complainant").distinct()
            return stages, len(session.exec(told).all())

    # Cases the dead worker held wait for their workflow task (sticky queue) or activity (start-to-close) to time out.
    everyone = ({CaseStage.INVESTIGATING.value: CASES}, CASES)
    assert await eventually(progress, until=lambda now: now == everyone, within=400) == everyone

    with sessions() as session:
        lines = Counter(session.exec(select(CaseEvent.case_number, CaseEvent.kind, CaseEvent.summary)).all())
        messages = Counter(
            session.exec(select(Message.case_number, Message.audience, Message.channel, Message.subject)).all()
        )
    assert not [line for line, count in lines.items() if count > 1], "a timeline line written twice"
    assert not [message for message, count in messages.items() if count > 1], "a message sent twice"


async def test_the_temporal_server_killed_and_restarted_mid_flight(
    two_workers: tuple[Settings, list[subprocess.Popen[bytes]]], temporal: TemporalServer
) -> None:
    """An action taken while the server is down is refused with 503 and succeeds once it is back; a complaint
    filed meanwhile is stored, and the reconciler starts its case when the server returns; a timer that fell due
    while it was down fires once it is back."""
    settings, _ = two_workers
    sessions = session_factory(make_engine(settings.database_url))

    def stage(case_number: str) -> str:
        with sessions() as session:
            return session.exec(select(Case.stage).where(Case.case_number == case_number)).one()

    async with contextlib.asynccontextmanager(open_api)(settings) as api:
        clerk, officer = await api.headers("clerk"), await api.headers("officer")

        async def file(address: str) -> httpx.Response:
            complaint = {"violation_code": "PS-GRASS", "address": address, "description": "Grass knee-high"}
            return await api.http.post("/api/v1/complaints", headers=clerk, json={**complaint, "channel": "phone"})

        async def inspect(case_number: str) -> httpx.Response:
            found = {"violation_found": True, "findings": "Grass 14 inches", "checklist": {}}
            url = f"/api/v1/cases/{case_number}/actions/record_inspection"
            return await api.http.post(url, headers=officer, json=found)

        before = (await file("109 E 14th St")).json()["case_number"]
        await eventually(lambda: asyncio.to_thread(stage, before), until=lambda s: s == "investigating", within=60)
        client = await connect(settings)
        queue = f"timers-{os.urandom(3).hex()}"
        async with Worker(client, task_queue=queue, workflows=[TimerThroughRestart]):
            timer = await client.start_workflow(TimerThroughRestart.run, 3.0, id=queue, task_queue=queue)

            async def timer_started() -> bool:
                return any([e.HasField("timer_started_event_attributes") async for e in timer.fetch_history_events()])

            await eventually(timer_started, until=bool, within=60)  # on the server before it dies

            temporal.kill()
            refused = await inspect(before)
            assert refused.status_code == 503, refused.text
            during = await file("868 W 9th St")
            assert during.status_code == 202, during.text
            await asyncio.sleep(4)  # the server stays down past the timer's due time

            await asyncio.to_thread(temporal.start)
            assert await asyncio.wait_for(timer.result(), timeout=90) == "fired"
        retried = await eventually(lambda: inspect(before), until=lambda answer: answer.status_code == 200, within=60)
        assert retried.json()["stage"] == "violation_found"
        started = during.json()["case_number"]
        await eventually(lambda: asyncio.to_thread(stage, started), until=lambda s: s == "investigating", within=90)


@pytest.fixture
def temporal_postgres() -> Iterator[str]:
    """A PostgreSQL cluster of the split services' own: four server processes pool up to 120 connections, which a
    cluster shared with the rest of a test worker's session may not have left."""
    with throwaway_postgres() as url:
        yield url


async def test_a_history_process_killed_hands_its_shards_to_the_other(
    temporal_postgres: str, records_url: str, tmp_path: Path
) -> None:
    """Temporal's services as separate processes, as on several machines: frontend, matching and two history
    processes sharing the shards. One history process dies; the other takes its shards and the cases go on."""
    second_history = {"HISTORY_GRPC_PORT": 3, "HISTORY_MEMBERSHIP_PORT": -297}  # offsets no other service uses
    port = free_frontend_port()
    while not all(bindable(port + offset) for offset in second_history.values()):
        port = free_frontend_port()
    env = {
        **os.environ,
        **temporal_environment(temporal_postgres, port),
        "DBNAME": f"temporal_split_{os.getpid()}",
        "VISIBILITY_DBNAME": f"temporal_visibility_split_{os.getpid()}",
    }
    log_dir = Path(tempfile.mkdtemp(prefix="abate-temporal-split-"))
    prepare_temporal_databases(env, log_dir)
    services = [spawn("frontend", server_command("frontend", "worker"), log_dir, env)]

    async def metadata_saved() -> bool:
        """The first process saves the cluster's metadata; others starting in the same instant race to insert it
        and the losers exit ("duplicate key … cluster_metadata_info_pkey"), as machines started at once would."""
        url = f"{temporal_postgres.replace('+psycopg', '')}/{env['DBNAME']}"
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT 1 FROM cluster_metadata_info LIMIT 1").fetchone() is not None

    await eventually(metadata_saved, until=bool, within=120)
    services += [
        spawn("matching", server_command("matching"), log_dir, env),
        spawn("history-a", server_command("history"), log_dir, env),
        spawn(
            "history-b",
            server_command("history"),
            log_dir,
            {**env, **{name: str(port + offset) for name, offset in second_history.items()}},
        ),
    ]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        settings = make_settings(records_url, f"127.0.0.1:{port}", document_store_dir=tmp_path / "documents")
        # Four server processes starting at once on two cores beside the rest of the suite: give them time.
        await prepare_namespace(settings, within=300)
        workers = start_workers(settings, 1)
        with session_factory(make_engine(settings.database_url))() as session:
            addresses = list(session.exec(select(Parcel.address).order_by(col(Parcel.parcel_id)).limit(30)))
        filed: list[str] = []
        async with contextlib.asynccontextmanager(open_api)(settings) as api:
            headers = await api.headers("clerk")
            for number, address in enumerate(addresses):
                complaint = {"violation_code": "PS-GRASS", "address": address, "description": "Grass knee-high"}
                answer = await api.http.post(
                    "/api/v1/complaints", headers=headers, json={**complaint, "channel": "phone"}
                )
                assert answer.status_code in (201, 202), answer.text
                filed.append(answer.json()["case_number"])
                if number == len(addresses) // 3:
                    services[3].send_signal(signal.SIGKILL)
        sessions = session_factory(make_engine(settings.database_url))

        async def stages() -> Counter[str]:
            with sessions() as session:
                return Counter(session.exec(select(Case.stage).where(col(Case.case_number).in_(filed))))

        everyone = Counter({CaseStage.INVESTIGATING.value: len(filed)})
        assert await eventually(stages, until=lambda now: now == everyone, within=180) == everyone
        assert services[3].poll() == -signal.SIGKILL
        assert all(service.poll() is None for service in services[:3])
    except BaseException:
        for log in sorted(log_dir.glob("*.log")):  # what each service said, for whoever reads the failure
            print(f"--- {log.name}", *log.read_text(errors="replace").splitlines()[-40:], sep="\n")
        raise
    finally:
        stop_all(workers, services)
        shutil.rmtree(log_dir, ignore_errors=True)
