"""Nothing is lost when Temporal is down: the complaint is stored, answered 202, and started when Temporal returns."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import update
from temporalio.testing import WorkflowEnvironment

from domain.policy import Policy
from records.db import make_engine, session_factory, transaction
from records.tables import Case
from services.temporal_client import connect
from tests.conftest import free_port, make_settings, open_api, start_dev_server
from tests.helpers import eventually
from workers import main as worker_main
from workers.reconciler import Reconciler
from workflows.search_attributes import CASE_STAGE

MAPLE = {
    "violation_code": "PS-GRASS",
    "address": "142 Maple Dr",
    "description": "Grass over a foot tall",
    "channel": "phone",
}


async def test_a_complaint_filed_while_temporal_is_down_starts_when_it_returns(
    sqlite_url: str, tmp_path: Path, policy: Policy
) -> None:
    port = free_port()
    database = str(tmp_path / "temporal.sqlite")
    first = await start_dev_server(port=port, dev_server_database_filename=database)
    await first.shutdown()  # Temporal goes down

    settings = make_settings(sqlite_url, f"127.0.0.1:{port}")
    async for api in open_api(settings):
        answer = await api.post("/api/v1/complaints", "clerk", json=MAPLE)
        assert answer.status_code == 202, answer.text
        case_number = answer.json()["case_number"]
        stored = (await api.get(f"/api/v1/cases/{case_number}", "clerk")).json()
        assert stored["stage"] == "received" and stored["workflow_started"] is False

    # The worker (with its reconciler) starts while Temporal is still down, and waits for it.
    stop = asyncio.Event()
    worker = asyncio.create_task(worker_main.run(settings, stop))
    await asyncio.sleep(1)
    second = await start_dev_server(port=port, dev_server_database_filename=database)  # Temporal is back
    try:
        handle = second.client.get_workflow_handle(case_number)

        async def stage() -> str | None:
            try:
                return (await handle.describe()).typed_search_attributes.get(CASE_STAGE)
            except Exception:
                return None

        assert await eventually(stage, until=lambda s: s == "investigating", within=60) == "investigating"
        run_id = (await handle.describe()).run_id

        # Starting twice is impossible: even with the record forgotten, the reconciler finds the workflow exists.
        sessions = session_factory(make_engine(sqlite_url))
        with transaction(sessions) as session:
            session.execute(update(Case).where(Case.case_number == case_number).values(workflow_started_at=None))
        again = Reconciler(second.client, settings.temporal_task_queue, sessions, policy, 1.0)
        assert await again.run_once() == []
        assert (await handle.describe()).run_id == run_id
        with sessions() as session:
            case = session.get(Case, case_number)
            assert case is not None and case.workflow_started_at is not None
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=40)
        await second.shutdown()


async def test_a_case_stored_during_an_outage_starts_within_seconds_of_temporal_coming_back(
    sqlite_url: str, tmp_path: Path, policy: Policy
) -> None:
    """The regular pass is a minute apart here: only the reconciler's quick check while work waits explains a start
    within seconds."""
    port = free_port()
    database = str(tmp_path / "temporal.sqlite")
    await (await start_dev_server(port=port, dev_server_database_filename=database)).shutdown()  # Temporal goes down
    settings = make_settings(sqlite_url, f"127.0.0.1:{port}")
    async for api in open_api(settings):
        answer = await api.post("/api/v1/complaints", "clerk", json=MAPLE)
        assert answer.status_code == 202, answer.text
        case_number = answer.json()["case_number"]

    sessions = session_factory(make_engine(sqlite_url))
    client = await connect(settings, lazy=True)  # as the API's client: it cannot connect yet
    reconciler = Reconciler(client, settings.temporal_task_queue, sessions, policy, 60.0, retry_seconds=0.2)

    async def waiting() -> bool:
        return reconciler.waiting_for_temporal

    def started() -> bool:
        with sessions() as session:
            case = session.get(Case, case_number)
            return case is not None and case.workflow_started_at is not None

    stop = asyncio.Event()
    running = asyncio.create_task(reconciler.run(stop))
    back: WorkflowEnvironment | None = None
    try:
        assert await eventually(waiting, until=bool, within=10)  # the first pass found Temporal away
        back = await start_dev_server(port=port, dev_server_database_filename=database)
        assert await eventually(lambda: asyncio.to_thread(started), until=bool, within=10)
        await back.client.get_workflow_handle(case_number).describe()  # the workflow exists
        assert not await waiting()
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        if back is not None:
            await back.shutdown()
