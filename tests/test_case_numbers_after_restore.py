"""A case number is never silently lost: when the records database is restored from a backup while Temporal keeps
its state, the counter is behind the numbers Temporal holds. A case that gets a taken number is refused loudly
(stored, not taken for started, an urgent alert to the admins), new cases get fresh numbers, and the worker's
start-up moves the counter past every number Temporal holds. Real dev server, the API as staff use it."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select, update
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.alerts import CASE_NUMBER_TAKEN
from domain.case_numbers import case_sequence
from domain.city import City
from domain.policy import Policy
from records.case_numbers import last_case_sequence
from records.db import make_engine, session_factory, transaction
from records.legacy_cases import LegacyCaseRecord
from records.tables import Alert, Case, Notification
from scripts.make_legacy_export import to_csv
from services.launcher import launch_case, move_case_numbers_past_temporal
from services.legacy_import.run import plan_import, start_open_cases, write_plan
from tests.case_driver import CaseDriver
from tests.conftest import Api, make_settings, open_api
from tests.helpers import eventually
from tests.test_legacy_import_open import OWNER_WITH_EMAIL, open_case
from tests.test_legacy_import_reading import example
from workers import main as worker_main
from workers.reconciler import Reconciler

MAPLE = {"violation_code": "PS-GRASS", "address": "142 Maple Dr", "description": "Grass knee-high", "channel": "phone"}
FOURTEENTH = {**MAPLE, "address": "212 W 14th St"}


async def _file(api: Api, complaint: dict[str, str]) -> tuple[int, str]:
    answer = await api.post("/api/v1/complaints", "clerk", json=complaint)
    assert answer.status_code in (201, 202), answer.text
    return answer.status_code, answer.json()["case_number"]


def _restored_backup(sqlite_url: str, tmp_path: Path) -> str:
    """The records database as last night's backup holds it (taken before the cases the test files)."""
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(sqlite_url.removeprefix("sqlite:///"), backup)
    return f"sqlite:///{backup}"


async def test_a_case_whose_number_temporal_holds_for_another_case_is_refused_loudly_and_the_next_gets_a_fresh_one(
    sqlite_url: str, tmp_path: Path, temporal_dev: WorkflowEnvironment, policy: Policy, caplog: pytest.LogCaptureFixture
) -> None:
    address = temporal_dev.client.service_client.config.target_host
    backup_url = _restored_backup(sqlite_url, tmp_path)
    queue = "restore-test"
    restored = make_settings(backup_url, address, temporal_task_queue=queue)
    # The restored system is already up (its start-up check found nothing to move past) when the number is taken.
    async for api in open_api(restored):
        async for live in open_api(make_settings(sqlite_url, address, temporal_task_queue=queue)):
            status, number = await _file(live, MAPLE)
            assert status == 201
        first_run = await temporal_dev.client.get_workflow_handle(number).describe()

        with caplog.at_level(logging.ERROR):
            status, again = await _file(api, MAPLE)
        assert again == number  # the restored counter gave out the number again…
        assert status == 202  # …and the case is not taken for started
        assert any(number in r.getMessage() and "another case" in r.getMessage() for r in caplog.records)
        stored = (await api.get(f"/api/v1/cases/{number}", "admin")).json()
        assert stored["workflow_started"] is False
        # Temporal's workflow is still the first case's, untouched.
        assert (await temporal_dev.client.get_workflow_handle(number).describe()).run_id == first_run.run_id

        status, fresh = await _file(api, FOURTEENTH)
        assert status == 201 and fresh > number  # the next complaint gets a number nobody holds, and starts
        await temporal_dev.client.get_workflow_handle(fresh).describe()

    sessions = session_factory(make_engine(backup_url))
    reconciler = Reconciler(temporal_dev.client, queue, sessions, policy, 1.0)
    assert await reconciler.run_once() == []  # still refused on every pass, never marked started
    with sessions() as session:
        case = session.get(Case, number)
        assert case is not None and case.workflow_started_at is None
        [alert] = session.exec(select(Alert).where(Alert.kind == CASE_NUMBER_TAKEN)).all()  # alerted once
        assert alert.case_number == number and "cannot start" in alert.message
        notified = session.exec(select(Notification).where(Notification.alert_id == alert.id)).all()
        assert notified and all(n.urgent for n in notified)  # in the admins' hands at once


async def test_the_worker_start_up_moves_the_case_numbers_past_every_number_temporal_holds(
    sqlite_url: str, tmp_path: Path, temporal_dev: WorkflowEnvironment
) -> None:
    address = temporal_dev.client.service_client.config.target_host
    backup_url = _restored_backup(sqlite_url, tmp_path)
    # The held cases' workflows wait on a queue of their own: this test is about numbers, not about running them.
    async for live in open_api(make_settings(sqlite_url, address, temporal_task_queue="held-cases")):
        held = [(await _file(live, complaint))[1] for complaint in (MAPLE, FOURTEENTH)]

    year, last_held = case_sequence(held[-1])
    restored = make_settings(backup_url, address)
    sessions = session_factory(make_engine(backup_url))

    async def counter() -> int:
        with sessions() as session:
            return last_case_sequence(session, year)

    assert await counter() < last_held  # the backup is behind Temporal
    stop = asyncio.Event()
    worker = asyncio.create_task(worker_main.run(restored, stop))
    try:
        assert await eventually(counter, until=lambda value: value >= last_held, within=30) == last_held
        async for api in open_api(restored):
            status, number = await _file(api, MAPLE)
            assert status == 201 and case_sequence(number)[1] == last_held + 1
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=40)


async def test_an_imported_open_case_whose_number_temporal_holds_is_left_stored_and_the_rest_start(
    sqlite_url: str, temporal_dev: WorkflowEnvironment, policy: Policy, city: City
) -> None:
    """The legacy import meets a number another workflow holds: that case stays stored and unstarted, the admins
    hear of it once, and the import goes on to start the others (it does not stop at the first)."""
    client, sessions = temporal_dev.client, session_factory(make_engine(sqlite_url))
    today = policy.calendar.local_date(datetime.now(UTC))
    await move_case_numbers_past_temporal(client, sessions, today.year)  # as the worker's start-up does
    rows = [
        open_case("TAKEN-1", OWNER_WITH_EMAIL, today - timedelta(days=30), today + timedelta(days=20)),
        open_case("FREE-2", "430 W 14th St", today - timedelta(days=30), today + timedelta(days=20)),
    ]
    plan = plan_import(sessions, policy, city, "taken.csv", to_csv(rows), example(), today)
    write_plan(sessions, policy, plan, "taken.csv")
    with sessions() as session:
        numbers = {r.legacy_case_number: r.case_number for r in session.exec(select(LegacyCaseRecord))}
    taken, free = numbers["TAKEN-1"], numbers["FREE-2"]
    other = await client.start_workflow("SomethingElse", id=taken, task_queue="nobody-serves-this")

    assert await start_open_cases(client, "import-restore-test", sessions, policy, per_second=50) == 1
    with sessions() as session:
        assert session.get(Case, taken).workflow_started_at is None  # type: ignore[union-attr]
        assert session.get(Case, free).workflow_started_at is not None  # type: ignore[union-attr]
        alerts = session.exec(select(Alert).where(Alert.case_number == taken, Alert.kind == CASE_NUMBER_TAKEN)).all()
    assert len(alerts) == 1
    assert (await other.describe()).status is WorkflowExecutionStatus.RUNNING  # the other workflow is untouched
    for workflow_id in (taken, free):
        await client.get_workflow_handle(workflow_id).terminate("test over")


async def test_a_case_that_continued_as_new_is_still_recognised_as_itself(cases: CaseDriver) -> None:
    """The check reads the current run's start: a long case's later run carries the same tracking code."""
    case = await cases.open("PS-REFUSE", continue_as_new_after=10)  # triage alone passes ten events

    async def continued() -> bool:
        async for event in cases.handle(case).fetch_history_events(page_size=1):
            return bool(event.workflow_execution_started_event_attributes.continued_execution_run_id)
        return False

    assert await eventually(continued, until=bool)
    with transaction(cases.sessions) as session:  # as if the API had died between starting and recording it
        session.execute(update(Case).where(col(Case.case_number) == case).values(workflow_started_at=None))
    assert await launch_case(cases.client, cases.task_queue, cases.sessions, cases.policy, case) is False
    with cases.sessions() as session:
        stored = session.get(Case, case)
        assert stored is not None and stored.workflow_started_at is not None
        assert session.exec(select(Alert).where(Alert.case_number == case)).all() == []


async def test_an_api_process_starting_on_a_restored_database_numbers_past_what_temporal_holds(
    sqlite_url: str, tmp_path: Path, temporal_dev: WorkflowEnvironment
) -> None:
    address = temporal_dev.client.service_client.config.target_host
    backup_url = _restored_backup(sqlite_url, tmp_path)
    async for live in open_api(make_settings(sqlite_url, address, temporal_task_queue="held-cases")):
        _, held = await _file(live, MAPLE)
    async for api in open_api(make_settings(backup_url, address)):  # no worker: the API's own start-up
        status, number = await _file(api, MAPLE)
        assert status == 201 and case_sequence(number)[1] == case_sequence(held)[1] + 1
