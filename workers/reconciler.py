"""Starts every stored case whose workflow Temporal has not accepted yet (it was down when the complaint came in),
and the acknowledgement of every report that joined an open case meanwhile.

A pass every `interval`; while work waits for Temporal, a health check every `retry` instead, and a pass as soon
as Temporal answers, so what was filed during an outage starts within a second or two of its return."""

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
from services.temporal_client import CaseNumberTaken, acknowledge_report, temporal_answers

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        sessions: SessionFactory,
        policy: Policy,
        interval_seconds: float,
        retry_seconds: float = 1.0,
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._sessions = sessions
        self._policy = policy
        self._interval = interval_seconds
        self._retry = min(retry_seconds, interval_seconds)
        self.waiting_for_temporal = False  # the last pass left work because Temporal did not answer

    def _pending(self) -> list[str]:
        with self._sessions() as session:
            return [case.case_number for case in pending_workflow_starts(session)]

    def _unacknowledged(self) -> list[ComplainantUpdate]:
        with self._sessions() as session:
            return [received_news(session, self._policy, c) for c in unacknowledged_joined_reports(session)]

    async def _temporal_away(self, waiting: int, what: str) -> bool:
        """Asked before any start, without retries: a start call to a Temporal that is down retries for seconds."""
        if await temporal_answers(self._client):
            return False
        log.warning("Temporal unavailable; %d %s wait for it", waiting, what)
        self.waiting_for_temporal = True
        return True

    async def run_once(self) -> list[str]:
        """Launches what is pending; returns the case numbers whose workflows it started."""
        self.waiting_for_temporal = False
        pending = await asyncio.to_thread(self._pending)
        if pending and await self._temporal_away(len(pending), "case(s)"):
            return []
        started: list[str] = []
        for case_number in pending:
            try:
                if await launch_case(self._client, self._task_queue, self._sessions, self._policy, case_number):
                    started.append(case_number)
            except UnknownViolationType:
                log.exception("cannot start %s; fix the policy pack or the case", case_number)
            except CaseNumberTaken:
                log.error(
                    "cannot start %s: Temporal holds that number for another case (see the admins' alert)", case_number
                )
            except RPCError as exc:
                log.warning("Temporal unavailable (%s); %s waits for the next pass", exc.message, case_number)
                self.waiting_for_temporal = True
                break
        if started:
            log.info("reconciler started %d case(s): %s", len(started), ", ".join(started))
        if self.waiting_for_temporal:
            return started
        # Read after the starts: a report is acknowledged once its case runs.
        unacknowledged = await asyncio.to_thread(self._unacknowledged)
        if unacknowledged and not pending and await self._temporal_away(len(unacknowledged), "report(s)"):
            return started
        for update in unacknowledged:
            try:
                await acknowledge_report(self._client, self._task_queue, update)
            except RPCError as exc:
                log.warning(
                    "Temporal unavailable (%s); report %s waits for its acknowledgement",
                    exc.message,
                    update.complaint_id,
                )
                self.waiting_for_temporal = True
                break
        return started

    async def _until_next_pass(self, stop: asyncio.Event) -> None:
        """The interval, cut short by Temporal's return while work waits for it."""
        deadline = asyncio.get_running_loop().time() + self._interval
        while not stop.is_set():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=min(left, self._retry) if self.waiting_for_temporal else left
                )
            if stop.is_set():
                return
            if self.waiting_for_temporal and await temporal_answers(self._client):
                log.info("Temporal answers again; starting what waited for it")
                return

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("reconciler pass failed; retrying in %.0f s", self._interval)
            await self._until_next_pass(stop)
