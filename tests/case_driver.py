"""Drives a case through the real CaseWorkflow on the time-skipping server, as staff and owners would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.messaging import MessagingActivities
from adapters.letter_pdf import settle_pdfs
from domain.access import Role
from domain.actions import Actor, OfficerChoice, StaffAction
from domain.case import CaseSnapshot
from domain.policy import Policy
from domain.stages import CaseStage
from records.db import SessionFactory
from records.intake import ComplainantDetails
from services.temporal_client import start_case
from tests.helpers import file_case
from workers.main import build_worker

HISTORIES = Path(__file__).parent / "histories"
_TIMER_OF = {CaseStage.AWAITING_COMPLIANCE: "compliance_deadline", CaseStage.COST_RECOVERY: "payment_due"}

ACTORS = {
    Role.OFFICER: Actor(username="officer", role=Role.OFFICER, name="Dana Whitfield"),
    Role.SUPERVISOR: Actor(username="supervisor", role=Role.SUPERVISOR, name="Supervisor"),
    Role.HEARING_OFFICER: Actor(username="hearing", role=Role.HEARING_OFFICER, name="Hearing Officer"),
    Role.FINANCE: Actor(username="finance", role=Role.FINANCE, name="Finance"),
    Role.CLERK: Actor(username="clerk", role=Role.CLERK, name="Clerk"),
}

# Who takes each action in the tests (the API maps roles the same way through domain.access).
ACTION_ROLE = {
    "schedule_inspection": Role.OFFICER,
    "record_inspection": Role.OFFICER,
    "issue_notice": Role.OFFICER,
    "record_service": Role.OFFICER,
    "grant_extension": Role.SUPERVISOR,
    "deny_extension": Role.SUPERVISOR,
    "record_reinspection": Role.OFFICER,
    "issue_fine": Role.OFFICER,
    "schedule_hearing": Role.HEARING_OFFICER,
    "record_decision": Role.HEARING_OFFICER,
    "order_remediation": Role.SUPERVISOR,
    "record_remediation_cost": Role.FINANCE,
    "file_lien": Role.FINANCE,
    "refer_prosecution": Role.SUPERVISOR,
    "file_court_case": Role.SUPERVISOR,
    "schedule_court_date": Role.CLERK,
    "record_court_outcome": Role.CLERK,
    "record_ticket_choice": Role.CLERK,
    "request_screening_review": Role.CLERK,
    "record_screening_decision": Role.SUPERVISOR,
    "request_hearing_review": Role.CLERK,
    "record_hearing_review_decision": Role.HEARING_OFFICER,
    "record_payment": Role.FINANCE,
    "reassign": Role.SUPERVISOR,
    "add_note": Role.OFFICER,
    "close": Role.SUPERVISOR,
}


class CaseDriver:
    def __init__(self, env: WorkflowEnvironment, sessions: SessionFactory, policy: Policy, task_queue: str) -> None:
        self.env = env
        self.client: Client = env.client
        self.sessions = sessions
        self.policy = policy
        self.task_queue = task_queue
        self.opened: list[str] = []
        # Every (stage before, trigger, stage after) the tests saw the workflow make, checked against the table.
        self.moves: set[tuple[str, str, str]] = set()
        self._last_stage: dict[str, CaseStage] = {}
        self._pending_signal: dict[str, str] = {}
        self.document_store = Path()  # set by case_driver: where served letters are stored
        self.track_moves = True  # one extra query per action; the benchmark turns it off

    async def open(
        self,
        code: str,
        address: str = "142 Maple Dr",
        *,
        continue_as_new_after: int | None = None,
        complainant: ComplainantDetails | None = None,
    ) -> str:
        case, start = file_case(self.sessions, self.policy, code, address, complainant)
        start.continue_as_new_after_events = continue_as_new_after
        # The time-skipping server's clock runs ahead of the wall clock once tests skip time.
        start.opened_at = await self.now()
        assert await start_case(self.client, self.task_queue, start)
        self.opened.append(case.case_number)
        self._last_stage[case.case_number] = CaseStage.RECEIVED
        self._pending_signal[case.case_number] = "triage"
        await self.until(case.case_number, lambda s: s.state.stage is not CaseStage.RECEIVED)
        return case.case_number

    def handle(self, case_number: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(case_number)

    def _call(
        self, action: str, body: dict[str, Any] | None, role: Role | None, officer: OfficerChoice | None
    ) -> StaffAction:
        return StaffAction(actor=ACTORS[role or ACTION_ROLE[action]], body=body or {}, officer=officer)

    async def act(
        self,
        case_number: str,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        role: Role | None = None,
        officer: OfficerChoice | None = None,
    ) -> CaseSnapshot:
        if self.track_moves:
            before = (await self.snapshot(case_number)).state.stage
            self._pending_signal.pop(case_number, None)  # a signal that moved nothing is not what moves next
        after: CaseSnapshot = await self.handle(case_number).execute_update(
            action, self._call(action, body, role, officer), result_type=CaseSnapshot
        )
        if self.track_moves:
            self._observe(case_number, before, action, after.state.stage)
        return after

    async def refused(
        self, case_number: str, action: str, body: dict[str, Any] | None = None, *, role: Role | None = None
    ) -> str:
        """The reason a refused action gives; fails the test if the action was accepted."""
        try:
            await self.act(case_number, action, body, role=role)
        except WorkflowUpdateFailedError as failure:
            return failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
        raise AssertionError(f"{action} was accepted")

    async def signal(self, case_number: str, name: str, payload: Any) -> None:
        await self.snapshot(case_number)
        self._pending_signal[case_number] = name
        await self.handle(case_number).signal(name, payload)

    async def snapshot(self, case_number: str) -> CaseSnapshot:
        snapshot: CaseSnapshot = await self.handle(case_number).query("snapshot", result_type=CaseSnapshot)
        stage = snapshot.state.stage
        before = self._last_stage.get(case_number, stage)
        if stage is not before:  # moved without a staff action: a signal the test sent, or a timer
            trigger = self._pending_signal.pop(case_number, None) or _TIMER_OF.get(before, "timer")
            self._observe(case_number, before, trigger, stage)
        return snapshot

    def _observe(self, case_number: str, before: CaseStage, trigger: str, after: CaseStage) -> None:
        if before is not after:  # notes, reassignments and partial costs leave the stage as it is
            self.moves.add((before.value, trigger, after.value))
        self._last_stage[case_number] = after

    async def skip(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def skip_to(self, instant: datetime) -> None:
        await self.env.sleep(max(instant - await self.now(), timedelta(0)))

    async def until(
        self, case_number: str, done: Any, *, step: timedelta = timedelta(seconds=1), attempts: int = 60
    ) -> CaseSnapshot:
        """Lets the workflow work (skipping a little time) until `done(snapshot)`."""
        for _ in range(attempts):
            snapshot = await self.snapshot(case_number)
            if done(snapshot):
                return snapshot
            await self.env.sleep(step)
        raise AssertionError(f"{case_number} never reached the expected state; last: {snapshot.state.stage}")

    async def terminate_open_cases(self) -> None:
        """Time skipping waits for every workflow's tasks: a case left running without its worker would stall it.

        The Java test server also stalls when a case is terminated mid-task and its worker then stops,
        so this runs while the worker is still up, once for all the tests that share it.
        """
        for case_number in self.opened:
            with contextlib.suppress(RPCError):  # already closed
                await self.handle(case_number).terminate(reason="test finished")

    async def patch_markers(self, case_number: str) -> list[str]:
        """The ids of the patch markers in the case's history, in the order written."""
        history = await self.client.get_workflow_handle(case_number).fetch_history()
        markers = [
            e.marker_recorded_event_attributes for e in history.events if e.HasField("marker_recorded_event_attributes")
        ]
        return [
            json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in markers if m.marker_name == "core_patch"
        ]

    async def keep_history(self, case_number: str, name: str) -> None:
        for suffix in ("", "-hearing-1", "-remediation"):  # the case and the children it started
            with contextlib.suppress(RPCError):
                await keep_history(self.client, f"{case_number}{suffix}", f"{name}{suffix}")


async def keep_history(client: Client, workflow_id: str, name: str) -> None:
    """With ABATE_RECORD_HISTORIES=1 (or a folder), saves this run's history for the replay tests."""
    target = os.environ.get("ABATE_RECORD_HISTORIES")
    if not target:
        return
    folder = HISTORIES if target == "1" else Path(target)
    folder.mkdir(exist_ok=True)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    (folder / f"{name}.json").write_text(history.to_json())


@asynccontextmanager
async def case_driver(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    policy: Policy,
    task_queue: str,
    messaging: Callable[[Path], MessagingActivities] | None = None,
) -> AsyncIterator[CaseDriver]:
    """`messaging` builds the messaging activities over the document store (default: the settings' backends)."""
    with ThreadPoolExecutor(8) as executor, tempfile.TemporaryDirectory() as documents:
        senders = messaging(Path(documents)) if messaging else None
        async with build_worker(
            env.client, task_queue, sessions, executor, document_store=Path(documents), messaging=senders
        ):
            driver = CaseDriver(env, sessions, policy, task_queue)
            driver.document_store = Path(documents)
            try:
                yield driver
            finally:
                await driver.terminate_open_cases()
        await asyncio.to_thread(settle_pdfs, 120)  # the letters' PDFs, before their folder goes
