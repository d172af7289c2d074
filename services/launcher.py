"""Starting the workflow of a case that is already stored: shared by the API (at once) and the reconciler (later)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from temporalio.client import Client

from domain.case import CaseStart
from domain.case_numbers import case_sequence
from domain.policy import Policy
from records.case_numbers import alert_case_number_taken, last_case_sequence, move_case_numbers_past
from records.db import SessionFactory, transaction
from records.intake import case_start, mark_workflow_started
from records.tables import Case
from services.temporal_client import CaseNumberTaken, highest_case_sequence, start_case

log = logging.getLogger(__name__)


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


def _alert_taken(sessions: SessionFactory, case_number: str) -> bool:
    with transaction(sessions) as session:
        return alert_case_number_taken(session, case_number)


async def launch_case(
    client: Client, task_queue: str, sessions: SessionFactory, policy: Policy, case_number: str
) -> bool:
    """Starts the case's workflow (raises while Temporal is unreachable); False if it was already running.

    Raises CaseNumberTaken, after alerting the admins and moving the counter on, when the number is another
    case's in Temporal: the case stays stored, never taken for started."""
    start = await asyncio.to_thread(_load_start, sessions, policy, case_number)
    try:
        started = await start_case(client, task_queue, start)
    except CaseNumberTaken:
        if await asyncio.to_thread(_alert_taken, sessions, case_number):
            log.error(
                "%s is stored but Temporal holds that number for another case; the admins are alerted", case_number
            )
        await move_case_numbers_past_temporal(client, sessions, case_sequence(case_number)[0])
        raise
    await asyncio.to_thread(_mark_started, sessions, case_number)
    return started


def _last_sequence(sessions: SessionFactory, year: int) -> int:
    with sessions() as session:
        return last_case_sequence(session, year)


def _move_past(sessions: SessionFactory, year: int, sequence: int) -> None:
    with transaction(sessions) as session:
        move_case_numbers_past(session, year, sequence)


async def move_case_numbers_past_temporal(client: Client, sessions: SessionFactory, year: int) -> int | None:
    """Moves the year's counter past every case number Temporal holds, so a records database restored from a backup
    gives new cases fresh numbers; returns the highest number found above it."""
    last = await asyncio.to_thread(_last_sequence, sessions, year)
    highest = await highest_case_sequence(client, year, above=last)
    if highest is not None:
        await asyncio.to_thread(_move_past, sessions, year, highest)
        log.warning(
            "Temporal holds case numbers of %d up to %d, past the last given out (%d): numbering resumes after them",
            year,
            highest,
            last,
        )
    return highest


async def number_past_temporal_at_start_up(client: Client, sessions: SessionFactory, policy: Policy) -> None:
    """Run by the worker and by every API process as they start: this year's numbers, in the city's time."""
    year = policy.calendar.local_date(datetime.now(UTC)).year
    await move_case_numbers_past_temporal(client, sessions, year)
