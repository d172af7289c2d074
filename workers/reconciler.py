"""Starts every stored case whose workflow Temporal has not accepted yet (it was down when the complaint came in),
and the acknowledgement of every report that joined an open case meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from temporalio.client import Client
from temporalio.service import RPCError

from domain.messages import ComplainantUpdate
from domain.policy import Policy
from records.db import SessionFactory
from records.intake import pending_workflow_starts, unacknowledged_joined_reports
from services.intake import received_news
from services.launcher import UnknownViolationType, launch_case
from services.temporal_client import acknowledge_report

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self, client: Client, task_queue: str, sessions: SessionFactory, policy: Policy, interval_seconds: float
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._sessions = sessions
        self._policy = policy
        self._interval = interval_seconds

    def _pending(self) -> list[str]:
        with self._sessions() as session:
            return [case.case_number for case in pending_workflow_starts(session)]

    def _unacknowledged(self) -> list[ComplainantUpdate]:
        with self._sessions() as session:
            return [received_news(session, self._policy, c) for c in unacknowledged_joined_reports(session)]

    async def run_once(self) -> list[str]:
        """Launches what is pending; returns the case numbers whose workflows it started."""
        started: list[str] = []
        for case_number in await asyncio.to_thread(self._pending):
            try:
                if await launch_case(self._client, self._task_queue, self._sessions, self._policy, case_number):
                    started.append(case_number)
            except UnknownViolationType:
                log.exception("cannot start %s; fix the policy pack or the case", case_number)
            except RPCError as exc:
                log.warning("Temporal unavailable (%s); %s waits for the next pass", exc.message, case_number)
                break
        if started:
            log.info("reconciler started %d case(s): %s", len(started), ", ".join(started))
        for update in await asyncio.to_thread(self._unacknowledged):
            try:
                await acknowledge_report(self._client, self._task_queue, update)
            except RPCError as exc:
                log.warning(
                    "Temporal unavailable (%s); report %s waits for its acknowledgement",
                    exc.message,
                    update.complaint_id,
                )
                break
        return started

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("reconciler pass failed; retrying in %.0f s", self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval)
