"""Starting the workflow of a case that is already stored: shared by the API (at once) and the reconciler (later)."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from domain.case import CaseStart
from domain.policy import Policy
from records.db import SessionFactory, transaction
from records.intake import case_start, mark_workflow_started
from records.tables import Case
from services.temporal_client import start_case


class UnknownViolationType(LookupError):
    """A stored case whose violation type the current policy no longer defines."""


def _load_start(sessions: SessionFactory, policy: Policy, case_number: str) -> CaseStart:
    with sessions() as session:
        case = session.get(Case, case_number)
        if case is None:
            raise LookupError(f"case {case_number} is not stored")
        snapshot = policy.for_case(case.violation_code)
        if snapshot is None:
            raise UnknownViolationType(f"case {case_number}: violation type {case.violation_code} is not in the policy")
        return case_start(session, case, snapshot)


def _mark_started(sessions: SessionFactory, case_number: str) -> None:
    with transaction(sessions) as session:
        mark_workflow_started(session, case_number)


async def launch_case(
    client: Client, task_queue: str, sessions: SessionFactory, policy: Policy, case_number: str
) -> bool:
    """Starts the case's workflow (raises while Temporal is unreachable); False if it was already running."""
    start = await asyncio.to_thread(_load_start, sessions, policy, case_number)
    started = await start_case(client, task_queue, start)
    await asyncio.to_thread(_mark_started, sessions, case_number)
    return started
