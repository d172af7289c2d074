"""One path for a complaint from any channel (console, JSON API, portal, Open311, an officer in the field): store it,
then start its case's workflow or tell the open case.

A complaint about a property and violation type that already has an open case joins that case, unless the person
filing it chose to open a new case beside it (the reason, when given, goes on the new case's timeline).

Everything is stored before Temporal is called, so Temporal being down loses nothing: the reconciler starts
a stored case later. A report that joins an open case is stored on that case even if the signal cannot be
delivered; staff see the complaint on the case either way. The person who made it is acknowledged on their own
(`ReportAcknowledgementWorkflow`), as the people who opened the case were at its triage; if Temporal is down, the
reconciler starts that acknowledgement when it returns.
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
from domain.messages import ComplainantNews, ComplainantUpdate
from domain.policy import Policy
from domain.routing import Point
from domain.stages import Channel
from records.db import transaction
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    UnknownPlace,
    attach_complaint,
    note_new_case_beside,
    open_case_for,
    place_at_address,
    place_at_point,
    store_complaint,
)
from records.tables import Case, Complaint, Parcel
from services.context import AppContext
from services.launcher import launch_case
from services.temporal_client import CaseNumberTaken, acknowledge_report, case_handle

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
    new_case_reason: str | None = None,
    also: Callable[[Session, Filed], object] | None = None,
) -> Filed:
    """Stores the complaint `build` makes (its errors propagate, nothing is written) and `also` in one transaction;
    without `join_open_case` a new case is opened even beside an open one, with `new_case_reason` on its timeline."""
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with transaction(context.sessions) as session:
                complaint = build(session)
                open_case = open_case_for(session, complaint.parcel.parcel_id, complaint.violation.code)
                if open_case is not None and join_open_case:
                    filed = Filed(open_case, attach_complaint(session, open_case, complaint), joined_open_case=True)
                else:
                    beside = open_case is not None
                    case = store_complaint(session, complaint, context.policy.calendar, beside_open_case=beside)
                    if open_case is not None and new_case_reason:
                        note_new_case_beside(session, case, open_case, new_case_reason)
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


class RefusedField(ValueError):
    """A complaint we cannot file as given, naming the field the person must correct and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class StaffReport:
    """A complaint as staff, the JSON API and the portal's form give it: a violation code and an address or a point."""

    violation_code: str
    address: str | Point
    description: str
    channel: Channel
    complainant: ComplainantDetails | None


def store_report(
    context: AppContext,
    report: StaffReport,
    user_id: int | None,
    *,
    join_open_case: bool,
    new_case_reason: str | None = None,
    also: Callable[[Session, Filed], object] | None = None,
) -> Filed:
    """Stores a complaint (RefusedField if it is not one we can file; nothing is written then)."""
    violation = context.policy.violation(report.violation_code)
    if violation is None:
        raise RefusedField(
            "violation_code",
            f"unknown violation code {report.violation_code!r}; valid codes: {', '.join(context.policy.codes)}",
        )

    def complaint(session: Session) -> NewComplaint:
        try:
            if isinstance(report.address, Point):
                place = place_at_point(session, context.city, report.address.lat, report.address.lon)
            else:
                place = place_at_address(session, context.city, report.address)
        except UnknownPlace as exc:
            raise RefusedField("address", str(exc)) from None
        return place.complaint(
            violation,
            description=report.description,
            channel=report.channel,
            complainant=report.complainant,
            received_by_user_id=user_id,
        )

    return store(context, complaint, join_open_case=join_open_case, new_case_reason=new_case_reason, also=also)


def received_news(session: Session, policy: Policy, complaint: Complaint) -> ComplainantUpdate:
    """The "received" news for one report that joined an open case, worded as the case's own acknowledgement."""
    case = session.get(Case, complaint.case_number)
    assert case is not None  # a foreign key
    parcel = session.get(Parcel, case.parcel_id)
    assert parcel is not None  # a foreign key
    violation = policy.violation(case.violation_code)
    return ComplainantUpdate(
        case_number=case.case_number,
        news=ComplainantNews.RECEIVED,
        violation_title=violation.title if violation else case.violation_code,
        address=parcel.address,
        complaint_id=complaint.id,
    )


def _received(context: AppContext, complaint: Complaint) -> ComplainantUpdate:
    with context.sessions() as session:
        return received_news(session, context.policy, complaint)


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
            await asyncio.wait_for(
                acknowledge_report(
                    context.temporal,
                    settings.temporal_task_queue,
                    await asyncio.to_thread(_received, context, filed.complaint),
                ),
                timeout=settings.temporal_start_timeout_seconds,
            )
        else:
            await asyncio.wait_for(
                launch_case(context.temporal, settings.temporal_task_queue, context.sessions, context.policy, number),
                timeout=settings.temporal_start_timeout_seconds,
            )
    except CaseNumberTaken:  # stored, the admins alerted; never taken for started
        return False
    except (RPCError, RuntimeError, TimeoutError) as exc:
        if filed.joined_open_case:
            log.warning("complaint %s stored on %s; its case was not told (%s)", filed.complaint.id, number, exc)
        else:
            log.warning("case %s stored; Temporal unavailable (%s); the reconciler will start it", number, exc)
        return False
    return True
