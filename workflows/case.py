"""CaseWorkflow: one durable workflow per enforcement case, workflow id = case number.

A case is never forgotten: at every moment it either waits on a named human step with a due date
(here: the first inspection, due at the response target) or sleeps on a timer that wakes it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from activities.assignment import AssignmentActivities
    from activities.deadlines import response_due_at
    from activities.property import PropertyActivities
    from activities.records import RecordsActivities
    from domain.case import (
        AssignmentRequest,
        CaseStart,
        CaseState,
        ResponseDueRequest,
        TimelineEntry,
        Transition,
    )
    from domain.stages import CaseStage
    from workflows import search_attributes as sa

# Record writes and look-ups retry until the database is back: a case must not fail for an outage.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self.state = CaseState(
            case_number=start.case_number,
            stage=CaseStage.RECEIVED,
            violation=start.violation,
            calendar=start.calendar,
            opened_at=start.opened_at,
        )

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        await self._triage(start)
        await self._await_first_inspection()
        return self.state

    @workflow.query(name="snapshot")
    def snapshot(self) -> CaseState:
        return self.state

    async def _triage(self, start: CaseStart) -> None:
        violation = self.state.violation
        parcel = await workflow.execute_activity_method(
            PropertyActivities.lookup_parcel,
            start.parcel_id,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="parcel and owner of record",
        )
        officer = await workflow.execute_activity_method(
            AssignmentActivities.choose_officer,
            AssignmentRequest(zone=parcel.zone, specialty=violation.specialty),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"officer for zone {parcel.zone}, {violation.specialty}",
        )
        due = await workflow.execute_activity(
            response_due_at,
            ResponseDueRequest(
                opened_at=self.state.opened_at,
                business_days=violation.response_target_business_days,
                calendar=self.state.calendar,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"response target: {violation.response_target_business_days} business days",
        )
        self.state.parcel = parcel
        self.state.officer = officer
        self.state.response_due_at = due
        self.state.stage = CaseStage.INVESTIGATING
        assigned = f"assigned to {officer.name} ({officer.badge})" if officer else "no officer covers it"
        await self._record(
            kind="triaged",
            summary=(
                f"Triaged: {violation.priority_label}, Category {violation.category.value}; {assigned}; "
                f"first inspection due {due:%Y-%m-%d %H:%M}"
            ),
            data={
                "priority": violation.priority,
                "officer_badge": officer.badge if officer else None,
                "response_due_at": due.isoformat(),
            },
        )

    async def _await_first_inspection(self) -> None:
        due = self.state.response_due_at
        assert due is not None
        try:
            await workflow.wait_condition(
                lambda: self.state.stage is not CaseStage.INVESTIGATING,
                timeout=max(due - workflow.now(), timedelta(0)),
                timeout_summary="initial response target",
            )
        except TimeoutError:
            self.state.overdue = True
            await self._record(
                kind="response_target_missed",
                summary=f"Response target missed: no inspection by {due:%Y-%m-%d %H:%M}",
            )
        await workflow.wait_condition(lambda: self.state.stage is CaseStage.CLOSED)

    async def _record(self, *, kind: str, summary: str, data: dict[str, object] | None = None) -> None:
        """Every transition: one timeline line, the projection, the search attributes and the UI details."""
        self.state.events_recorded += 1
        await workflow.execute_activity_method(
            RecordsActivities.record_transition,
            Transition(
                projection=self.state.projection(),
                event=TimelineEntry(
                    key=f"{self.state.events_recorded:04d}-{kind}",
                    kind=kind,
                    stage=self.state.stage,
                    summary=summary,
                    data=dict(data or {}),
                ),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=kind,
        )
        self._publish()

    def _publish(self) -> None:
        state = self.state
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(state.stage.value),
            sa.OVERDUE.value_set(state.overdue),
            sa.NEXT_DEADLINE.value_set(state.next_deadline) if state.next_deadline else sa.NEXT_DEADLINE.value_unset(),
        ]
        if state.officer:
            updates.append(sa.ASSIGNED_OFFICER.value_set(state.officer.badge))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        state = self.state
        lines = [
            f"**Stage:** {state.stage.label}",
            f"**Violation:** {state.violation.title} ({state.violation.section})",
        ]
        if state.parcel:
            parcel = state.parcel
            lines.append(f"**Property:** {parcel.address} · parcel {parcel.parcel_id} · zone {parcel.zone}")
            lines.append(f"**Owner of record:** {parcel.owner_name}")
        officer = f"{state.officer.name} ({state.officer.badge})" if state.officer else "unassigned"
        lines.append(f"**Officer:** {officer}")
        if state.next_deadline:
            # Deadlines arrive from the calendar activity with the city's UTC offset: no tz database here.
            overdue = " — **OVERDUE**" if state.overdue else ""
            lines.append(f"**Next deadline:** first inspection by {state.next_deadline:%Y-%m-%d %H:%M}{overdue}")
        return "\n\n".join(lines)
