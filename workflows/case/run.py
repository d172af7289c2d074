"""What every concern of a case shares: the one state object, the lock staff actions take, the deadlines and
steps the case waits on, and `_record`, through which every change goes (one timeline line, the projection, the
search attributes and the current details for the Temporal UI).

The concerns build on this in a line, each using the ones below it: outbound (letters, news, reminders) →
closing → ladder (fines, hearings, abatement, lien, payments) → court (prosecution, Part I tickets) → penalties (a penalty notice's reviews) → notices (service, failover,
extensions) → inspection (triage, inspections) → the workflow class with its handlers and main loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import compute_deadline
    from activities.records import RecordsActivities
    from domain.actions import StaffAction
    from domain.case import (
        AlertEntry,
        CaseSnapshot,
        CaseStart,
        CaseState,
        DeadlineRequest,
        HumanStep,
        LedgerEntry,
        TimelineEntry,
        Transition,
    )
    from domain.hearings import HearingDecision
    from domain.ladder import climbs_ladder
    from domain.process import court_reminders_pending, local_day, officer_audience, owner_reminders_pending
    from domain.remediation import RemediationResult
    from domain.staff_actions import NO_OFFICER, STAFF_ACTIONS, refusal
    from domain.stages import CaseStage
    from workflows import search_attributes as sa
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.hearing import HearingWorkflow
    from workflows.remediation import RemediationWorkflow
    from workflows.versions import RECORDS_BY_LOCAL_ACTIVITY, patched

S = CaseStage
SYSTEM = "system"
Change = Callable[[Any, Any, StaffAction], Awaitable[None]]


def staff_action(name: str) -> Callable[[Change], Any]:
    """Makes a concern's method `(self, body, action)` the workflow update for the staff action `name`: validated
    against its declaration in `domain.staff_actions` (body, role, stage, rule) before it is accepted, run under
    the case's lock, answered with the case's snapshot. Adding an action is one declaration and one such method."""
    declared = STAFF_ACTIONS[name]

    def update_for(change: Change) -> Any:
        # `self` stays unannotated: the SDK reads the update's argument types from the annotations.
        async def handler(self, action: StaffAction) -> CaseSnapshot:
            body = declared.body.model_validate(action.body)
            return await self._act(lambda: change(self, body, action), climbing=name)

        def validator(self, action: StaffAction) -> None:
            self._validate(name, action)

        handler.__name__ = handler.__qualname__ = change.__name__
        update = workflow.update(name=name)(handler)
        update.validator(validator)
        return update

    return update_for


class CaseRun:
    start: CaseStart
    state: CaseState
    _changes: int
    _lock: asyncio.Lock
    _hearing: workflow.ChildWorkflowHandle[HearingWorkflow, HearingDecision] | None
    _remediation: workflow.ChildWorkflowHandle[RemediationWorkflow, RemediationResult] | None
    _every_deadline: bool
    _wall_clock: bool

    def _begin(self, start: CaseStart) -> None:
        self.start = start
        self.state = start.resume or CaseState(
            case_number=start.case_number, stage=S.RECEIVED, policy=start.policy, opened_at=start.opened_at
        )
        # Bumped by every handler that changes the state, so the main loop re-plans its timers.
        self._changes = 0
        self._lock = asyncio.Lock()
        self._hearing = None
        self._remediation = None
        # Reminders before fines' due dates and hearings too (cases started before that remind of compliance only).
        self._every_deadline = False
        # Reminders in the city's days, at the deadline's time of day across a clock change (cases started before
        # that count elapsed 24-hour days).
        self._wall_clock = False

    # --- Staff actions and events ----------------------------------------------------------------------

    def _validate(self, name: str, action: StaffAction) -> None:
        declared = STAFF_ACTIONS[name]
        try:
            body = declared.body.model_validate(action.body)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ApplicationError(f"{field}: {first['msg']}", type="ActionRefused", non_retryable=True) from None
        reason = refusal(name, self.state, body, action.actor, workflow.now())
        if reason is None and declared.names_officer and action.officer is None:
            reason = NO_OFFICER
        if reason:
            raise ApplicationError(reason, type="ActionRefused", non_retryable=True)

    async def _act(self, change: Callable[[], Awaitable[None]], climbing: str | None = None) -> CaseSnapshot:
        async with self._lock:
            if climbing is not None and climbs_ladder(climbing, self.state):
                self.state.escalations_taken += 1
            await change()
            self._changes += 1
        return self._snapshot()

    def _snapshot(self) -> CaseSnapshot:
        state = self.state
        return CaseSnapshot(
            state=state,
            balance=state.balance,
            next_deadline=state.next_deadline,
            waiting_on=state.step,
            sleeping_until=None if state.stage is S.CLOSED else self._next_wake(),
        )

    # --- What the case waits for ----------------------------------------------------------------------

    def _next_wake(self) -> datetime | None:
        state = self.state
        times = []
        if state.step and not state.overdue:
            times.append(state.step.due_at)
        if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline:
            times.append(state.compliance_deadline)
        owed = owner_reminders_pending(state, every_deadline=self._every_deadline, wall_clock=self._wall_clock)
        times += [reminder.at for reminder in owed]
        times += [reminder.at for reminder in court_reminders_pending(state, wall_clock=self._wall_clock)]
        if state.stage is S.COST_RECOVERY and state.payment_due_at:
            times.append(state.payment_due_at)
        times += [f.due_at for f in state.fines if not f.overdue_flagged and not f.under_review and state.balance > 0]
        return min(times) if times else None

    async def _deadline(self, start: datetime, days: int, business: bool) -> datetime:
        return await workflow.execute_local_activity(
            compute_deadline,
            DeadlineRequest(start=start, days=days, business_days=business, calendar=self.state.policy.calendar),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"{days} {'business' if business else 'calendar'} days",
        )

    async def _set_step(
        self,
        action: str,
        role: str,
        days: int,
        description: str | None = None,
        *,
        business: bool = True,
        start: datetime | None = None,
    ) -> datetime:
        """The case now waits on `action` by `role`, due `days` after `start` (now); returns the due date."""
        due = await self._deadline(start or workflow.now(), days, business)
        self._wait_on(action, role, due, description)
        return due

    def _wait_on(self, action: str, role: str, due: datetime, description: str | None = None) -> None:
        self.state.step = HumanStep(
            action=action, role=role, due_at=due, description=description or action.replace("_", " ")
        )
        self.state.overdue = False

    async def _start_compliance_period(self, start: datetime, days: int) -> None:
        business = self.state.policy.process.compliance_in_business_days
        self._begin_compliance_period(await self._deadline(start, days, business))

    def _begin_compliance_period(self, deadline: datetime) -> None:
        state = self.state
        state.compliance_deadline = deadline
        state.deadline_set_at = workflow.now()
        state.step, state.overdue = None, False
        state.stage = S.AWAITING_COMPLIANCE

    def _city_date(self, instant: datetime) -> date:
        """The city's calendar date of an instant. Workflow code has no time-zone database, so this uses the
        offset the calendar activity gave the case's first deadline (an hour off across a DST change at most)."""
        reference = self.state.response_due_at
        zone = reference.tzinfo if reference is not None else None
        return instant.astimezone(zone).date() if zone is not None else instant.date()

    def _alert_officer(self, message: str) -> AlertEntry:
        return AlertEntry(audience=officer_audience(self.state), message=message)

    def _due(self) -> str:
        return f"{self.state.step.due_at:%Y-%m-%d %H:%M}" if self.state.step else "—"

    def _deadline_day(self) -> str:
        return local_day(self.state.compliance_deadline) if self.state.compliance_deadline else "—"

    # --- Recording -------------------------------------------------------------------------------------

    async def _record(
        self,
        kind: str,
        summary: str,
        action: StaffAction | None = None,
        data: dict[str, Any] | None = None,
        entries: list[LedgerEntry] | None = None,
    ) -> None:
        """Every transition: one timeline line, the projection, the search attributes and the UI details."""
        state = self.state
        state.events_recorded += 1
        actor = f"{action.actor.username} ({action.actor.role.value})" if action else SYSTEM
        transition = Transition(
            projection=state.projection(),
            event=TimelineEntry(
                key=f"{state.events_recorded:04d}-{kind}",
                kind=kind,
                stage=state.stage,
                summary=summary,
                actor=actor,
                data=dict(data or {}),
            ),
            entries=list(entries or []),
        )
        if patched(RECORDS_BY_LOCAL_ACTIVITY):
            # One short, idempotent write: a local activity spares a workflow task per transition.
            await workflow.execute_local_activity_method(
                RecordsActivities.record_transition,
                transition,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=kind,
            )
        else:  # cases recorded before the patch replay their activity commands
            await workflow.execute_activity_method(
                RecordsActivities.record_transition,
                transition,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=kind,
            )
        self._publish()

    def _publish(self) -> None:
        state = self.state
        deadline = state.next_deadline
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(state.stage.value),
            sa.OVERDUE.value_set(state.overdue),
            sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
        ]
        if state.officer:
            updates.append(sa.ASSIGNED_OFFICER.value_set(state.officer.badge))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        state = self.state
        lines = [
            f"**Stage:** {state.stage.label}",
            f"**Violation:** {state.policy.violation.title} ({state.policy.violation.section})",
        ]
        if state.parcel:
            parcel = state.parcel
            lines.append(f"**Property:** {parcel.address} · parcel {parcel.parcel_id} · zone {parcel.zone}")
            lines.append(f"**Owner of record:** {parcel.owner_name}")
        officer = f"{state.officer.name} ({state.officer.badge})" if state.officer else "unassigned"
        lines.append(f"**Officer:** {officer}")
        # Deadlines arrive from the calendar activity with the city's UTC offset: no tz database here.
        if state.step:
            overdue = " — **OVERDUE**" if state.overdue else ""
            lines.append(
                f"**Waiting on:** {state.step.description} ({state.step.role}) by {state.step.due_at:%Y-%m-%d %H:%M}{overdue}"
            )
        if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline:
            lines.append(f"**Compliance deadline:** {state.compliance_deadline:%Y-%m-%d %H:%M}")
        if state.balance:
            lines.append(f"**Balance:** ${state.balance}")
        if state.outcome:
            lines.append(f"**Outcome:** {state.outcome.value}")
        return "\n\n".join(lines)
