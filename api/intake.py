"""One path for a complaint from any channel: store it, then start its case's workflow or tell the open case.

Everything is stored before Temporal is called, so Temporal being down loses nothing: the reconciler starts
a stored case later. A report that joins an open case is stored on that case even if the signal cannot be
delivered; staff see the complaint on the case either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.service import RPCError

from domain.actions import DuplicateComplaint
from domain.stages import Channel
from records.db import transaction
from records.intake import NewComplaint, attach_complaint, open_case_for, store_complaint
from records.tables import Case, Complaint
from services.context import AppContext
from workers.launcher import launch_case
from workflows.client import case_handle

log = logging.getLogger(__name__)
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class Filed:
    case: Case
    complaint: Complaint
    joined_open_case: bool


def store(
    context: AppContext,
    build: Callable[[Session], NewComplaint],
    *,
    join_open_case: bool,
    also: Callable[[Session, Filed], object] | None = None,
) -> Filed:
    """Stores the complaint `build` makes (its errors propagate, nothing is written) and `also` in one transaction."""
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with transaction(context.sessions) as session:
                complaint = build(session)
                case = open_case_for(session, complaint.parcel.parcel_id, complaint.violation.code)
                if case is not None and join_open_case:
                    filed = Filed(case, attach_complaint(session, case, complaint), joined_open_case=True)
                else:
                    case = store_complaint(
                        session, complaint, context.policy.calendar, beside_open_case=case is not None
                    )
                    first = session.exec(select(Complaint).where(col(Complaint.case_number) == case.case_number)).one()
                    filed = Filed(case, first, joined_open_case=False)
                if also is not None:
                    also(session, filed)
                return filed
        except IntegrityError:
            # Two intakes took the year's first case number at once, or opened a case about the same parcel and
            # violation type at once (ux_cases_open_joining_reports): the loser takes the next number, or joins.
            if attempt == STORE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def dispatch(context: AppContext, filed: Filed) -> bool:
    """Starts a new case's workflow, or signals the open case; False when Temporal could not be reached."""
    settings = context.settings
    number = filed.case.case_number
    try:
        if filed.joined_open_case:
            assert filed.complaint.id is not None  # flushed when stored
            if filed.case.workflow_started_at is None:  # joined a case the reconciler has not started yet
                await asyncio.wait_for(
                    launch_case(
                        context.temporal, settings.temporal_task_queue, context.sessions, context.policy, number
                    ),
                    timeout=settings.temporal_start_timeout_seconds,
                )
            event = DuplicateComplaint(complaint_id=filed.complaint.id, channel=Channel(filed.complaint.channel))
            await asyncio.wait_for(
                case_handle(context.temporal, number).signal("duplicate_complaint", event),
                timeout=settings.temporal_start_timeout_seconds,
            )
        else:
            await asyncio.wait_for(
                launch_case(context.temporal, settings.temporal_task_queue, context.sessions, context.policy, number),
                timeout=settings.temporal_start_timeout_seconds,
            )
    except (RPCError, RuntimeError, TimeoutError) as exc:
        if filed.joined_open_case:
            log.warning("complaint %s stored on %s; its case was not told (%s)", filed.complaint.id, number, exc)
        else:
            log.warning("case %s stored; Temporal unavailable (%s); the reconciler will start it", number, exc)
        return False
    return True
