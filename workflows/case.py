"""CaseWorkflow: one durable workflow per enforcement case, workflow id = case number.

A case is never forgotten: at every moment it either waits on a named human step with a due date
(`state.step`) or sleeps on a timer that wakes it (a compliance deadline, a payment due date), until it
closes with an outcome. Staff act through updates whose validators ask `domain.process` for the rule;
events from outside arrive as signals. Every change goes through `_record`: one timeline line, the
projection, the search attributes and the current details for the Temporal UI.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.assignment import AssignmentActivities
    from activities.deadlines import compute_deadline
    from activities.letters import NoticeLetterActivities
    from activities.messaging import MessagingActivities
    from activities.property import PropertyActivities
    from activities.records import RecordsActivities
    from domain import actions as act
    from domain.case import (
        AlertEntry,
        AssignmentRequest,
        CaseSnapshot,
        CaseStart,
        CaseState,
        CostRecord,
        DeadlineRequest,
        ExtensionRequest,
        FailedService,
        FineRecord,
        HearingRef,
        HumanStep,
        LedgerEntry,
        LienEntry,
        MoneyEntry,
        NoticeEntry,
        NoticeRecord,
        Observation,
        OfficerRef,
        PaymentRecord,
        RemediationRef,
        TimelineEntry,
        Transition,
    )
    from domain.hearings import HearingDate, HearingDecision, HearingStart
    from domain.messages import ComplainantNews, ComplainantUpdate, NoticeEmail, OwnerReminder, ReminderOf
    from domain.notices import (
        LETTER_TITLES,
        SERVICE_WORDS,
        CaseLetter,
        ComplainantLetter,
        CostItem,
        DecisionTerms,
        ExtensionTerms,
        HearingTerms,
        LetterKind,
        LienTerms,
        RemediationTerms,
        ServedNotice,
    )
    from domain.policy import EscalationStep
    from domain.process import (
        ESCALATION_ACTIONS,
        DueReminder,
        appeal_refusal,
        compliance_outcome,
        local_day,
        next_escalation,
        next_notice,
        next_service_method,
        owner_reminders_pending,
        refusal,
    )
    from domain.remediation import CostLine, RemediationResult, RemediationStart
    from domain.stages import CaseStage, Decision, HearingKind, Outcome, ServiceMethod
    from workflows import search_attributes as sa
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.hearing import HearingWorkflow
    from workflows.remediation import RemediationWorkflow

S = CaseStage
B = TypeVar("B", bound=BaseModel)
SYSTEM = "system"
# workflow.patched ids: each guards a change to the commands a running case replays.
RECORDS_BY_LOCAL_ACTIVITY = "records-by-local-activity"
SERVED_NOTICE_LETTER = "served-notice-letter"
OWNER_REMINDERS_SENT = "owner-reminders-sent"
NOTICE_SERVED_BY_EMAIL = "notice-served-by-email"
COMPLAINANT_UPDATES = "complainant-updates"
SERVICE_FALLBACK = "service-fallback"
CASE_LETTERS = "case-letters"
OWNER_DEADLINE_REMINDERS = "owner-deadline-reminders"
REMINDED_OF = {
    ReminderOf.COMPLIANCE: "the compliance deadline",
    ReminderOf.FINE_PAYMENT: "a fine's due date",
    ReminderOf.HEARING: "the hearing",
}
LETTER_TIMEOUT = timedelta(minutes=2)  # rendering, plus a PDF when LibreOffice is installed


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self.start = start
        self.state = start.resume or CaseState(
            case_number=start.case_number, stage=S.RECEIVED, policy=start.policy, opened_at=start.opened_at
        )
        # Bumped by every handler that changes the state, so the main loop re-plans its timers.
        self._changes = 0
        self._lock = asyncio.Lock()
        self._hearing: workflow.ChildWorkflowHandle[HearingWorkflow, HearingDecision] | None = None
        self._remediation: workflow.ChildWorkflowHandle[RemediationWorkflow, RemediationResult] | None = None
        # Reminders before fines' due dates and hearings too (cases started before that remind of compliance only).
        self._every_deadline = False

    # --- The main loop ------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        if start.resume is None:
            await self._triage()
        while self.state.stage is not S.CLOSED:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(start.model_copy(update={"resume": self.state}))
            self._every_deadline = workflow.patched(OWNER_DEADLINE_REMINDERS)
            seen = self._changes
            wake = self._next_wake()
            try:
                await workflow.wait_condition(
                    lambda seen=seen: self._changes != seen,  # type: ignore[misc]
                    timeout=max(wake - workflow.now(), timedelta(0)) if wake else None,
                    timeout_summary=self._wake_reason(wake),
                )
            except TimeoutError:
                async with self._lock:
                    await self._on_time()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    def _should_continue_as_new(self) -> bool:
        # Children hold handles to this run, so a case only continues as new between hearings and abatements.
        if self.state.hearing or self.state.remediation:
            return False
        limit = self.start.continue_as_new_after_events
        if limit is not None:
            return workflow.info().get_current_history_length() > limit
        return workflow.info().is_continue_as_new_suggested()

    def _next_wake(self) -> datetime | None:
        state = self.state
        times = []
        if state.step and not state.overdue:
            times.append(state.step.due_at)
        if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline:
            times.append(state.compliance_deadline)
        times += [reminder.at for reminder in self._reminders_pending()]
        if state.stage is S.COST_RECOVERY and state.payment_due_at:
            times.append(state.payment_due_at)
        times += [f.due_at for f in state.fines if not f.overdue_flagged and state.balance > 0]
        return min(times) if times else None

    def _wake_reason(self, wake: datetime | None) -> str:
        state = self.state
        if wake is None:
            return "waiting for staff"
        if state.step and wake == state.step.due_at:
            return f"due: {state.step.action}"
        if wake == state.compliance_deadline:
            return "compliance deadline"
        if wake == state.payment_due_at:
            return "payment due"
        return "reminder or payment term"

    def _reminders_pending(self) -> list[DueReminder]:
        return owner_reminders_pending(self.state, every_deadline=self._every_deadline)

    async def _on_time(self) -> None:
        now = workflow.now()
        state = self.state
        for reminder in self._reminders_pending():
            if reminder.at <= now:
                state.reminders_sent.append(reminder.key)
                left = reminder.deadline - reminder.at
                how = await self._send_reminder(reminder, left) if workflow.patched(OWNER_REMINDERS_SENT) else ""
                await self._record(
                    "reminder_sent",
                    f"Reminder to the owner: {REMINDED_OF[reminder.of]}{reminder.detail and f' ({reminder.detail})'} "
                    f"is in {left.days} day(s){how}",
                )
        if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline and now >= state.compliance_deadline:
            await self._set_step("record_reinspection", "officer", state.policy.process.reinspection_lead_business_days)
            state.stage = S.REINSPECTION_DUE
            await self._record(
                "compliance_deadline_passed",
                f"Compliance deadline {local_day(state.compliance_deadline)} passed: reinspection due",
                entries=[self._alert_officer(f"{state.case_number}: deadline passed, reinspect by {self._due()}")],
            )
            await self._reinspection_notice()
        if state.stage is S.COST_RECOVERY and state.payment_due_at and now >= state.payment_due_at:
            await self._after_payment_term()
        if state.step and not state.overdue and now >= state.step.due_at:
            state.overdue = True
            audience = "supervisor" if state.stage is S.INVESTIGATING else self._officer_audience()
            await self._record(
                "step_overdue",
                f"Overdue: {state.step.description} was due {local_day(state.step.due_at)}",
                entries=[
                    AlertEntry(audience=audience, message=f"{state.case_number} overdue: {state.step.description}")
                ],
            )
        for fine in state.fines:
            if not fine.overdue_flagged and now >= fine.due_at and state.balance > 0:
                fine.overdue_flagged = True
                await self._record(
                    "fine_overdue",
                    f"Fine {fine.seq} (${fine.amount}) unpaid after its due date {local_day(fine.due_at)}",
                    entries=[AlertEntry(audience="finance", message=f"{state.case_number}: fine {fine.seq} unpaid")],
                )

    # --- Triage --------------------------------------------------------------------------------------

    async def _triage(self) -> None:
        violation = self.state.policy.violation
        # Short reads of the assessment roll and the officer roster: local activities, no extra round trips.
        parcel = await workflow.execute_local_activity_method(
            PropertyActivities.lookup_parcel,
            self.start.parcel_id,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="parcel and owner of record",
        )
        officer = await workflow.execute_local_activity_method(
            AssignmentActivities.choose_officer,
            AssignmentRequest(zone=parcel.zone, specialty=violation.specialty),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"officer for zone {parcel.zone}, {violation.specialty}",
        )
        self.state.parcel = parcel
        self.state.officer = officer
        # Counted from receipt, not from when Temporal started the case: a late start is overdue at once.
        self.state.response_due_at = await self._set_step(
            "record_inspection",
            "officer",
            violation.response_target_business_days,
            "first inspection",
            start=self.state.opened_at,
        )
        self.state.stage = S.INVESTIGATING
        assigned = f"assigned to {officer.name} ({officer.badge})" if officer else "no officer covers it"
        await self._record(
            "triaged",
            f"Triaged: {violation.priority_label}, Category {violation.category.value}; {assigned}; "
            f"first inspection due {self._due()}",
            data={"priority": violation.priority, "officer_badge": officer.badge if officer else None},
            entries=[]
            if officer
            else [AlertEntry(audience="supervisor", message=f"{self.state.case_number}: no officer covers it")],
        )
        await self._tell_complainants(ComplainantNews.RECEIVED)
        await self._complainant_letters(LetterKind.ACKNOWLEDGEMENT)

    # --- Staff actions (updates) --------------------------------------------------------------------

    def _validate(self, name: str, model: type[B], action: act.StaffAction) -> B:
        try:
            body = model.model_validate(action.body)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ApplicationError(f"{field}: {first['msg']}", type="ActionRefused", non_retryable=True) from None
        reason = refusal(name, self.state, body, action.actor, workflow.now())
        if reason:
            raise ApplicationError(reason, type="ActionRefused", non_retryable=True)
        return body

    async def _act(self, change: Callable[[], Awaitable[None]]) -> CaseSnapshot:
        async with self._lock:
            await change()
            self._changes += 1
        return self.snapshot()

    @workflow.update(name="schedule_inspection")
    async def schedule_inspection(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.ScheduleInspection.model_validate(action.body)

        async def change() -> None:
            self.state.inspection_scheduled_for = body.scheduled_for
            await self._record(
                "inspection_scheduled", f"Inspection scheduled for {body.scheduled_for:%Y-%m-%d %H:%M}", action
            )

        return await self._act(change)

    @schedule_inspection.validator
    def _v_schedule_inspection(self, action: act.StaffAction) -> None:
        self._validate("schedule_inspection", act.ScheduleInspection, action)

    @workflow.update(name="record_inspection")
    async def record_inspection(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordInspection.model_validate(action.body)

        async def change() -> None:
            state = self.state
            late = self._late_entry_note(body.inspected_at)
            data = {"checklist": body.checklist, "evidence": body.evidence, "findings": body.findings}
            if body.violation_found:
                state.observed = self._observed(body)
                await self._set_step("issue_notice", "officer", state.policy.process.notice_due_business_days)
                state.stage = S.VIOLATION_FOUND
                await self._record(
                    "inspection_violation_found", f"Inspection: violation found{late}. {body.findings}", action, data
                )
            else:
                await self._propose_closure(Outcome.UNFOUNDED)
                await self._record(
                    "inspection_no_violation", f"Inspection: no violation{late}. {body.findings}", action, data
                )
            await self._tell_complainants(ComplainantNews.INSPECTED, violation_found=body.violation_found)

        return await self._act(change)

    @record_inspection.validator
    def _v_record_inspection(self, action: act.StaffAction) -> None:
        self._validate("record_inspection", act.RecordInspection, action)

    @workflow.update(name="issue_notice")
    async def issue_notice(self, action: act.StaffAction) -> CaseSnapshot:
        async def change() -> None:
            state = self.state
            code = next_notice(state)
            assert code is not None  # the validator refused otherwise
            kind = state.policy.notice(code)
            now = workflow.now()
            notice = NoticeRecord(
                seq=state.notices_issued + 1,
                notice_type=code,
                title=kind.title,
                issued_at=now,
                created_by=action.actor.username,
            )
            state.notices.append(notice)
            state.compliance_deadline = None
            entries: list[LedgerEntry] = [NoticeEntry(**notice.model_dump())]
            if kind.fine:
                entries.append(await self._levy_fine(None))
            await self._set_step("record_service", "officer", state.policy.process.service_due_business_days)
            state.stage = S.NOTICE_ISSUED
            await self._record("notice_issued", f"{kind.title} issued (notice {notice.seq})", action, entries=entries)

        return await self._act(change)

    @issue_notice.validator
    def _v_issue_notice(self, action: act.StaffAction) -> None:
        self._validate("issue_notice", act.IssueNotice, action)

    @workflow.update(name="record_service")
    async def record_service(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordService.model_validate(action.body)

        async def change() -> None:
            state = self.state
            current = state.current_notice
            assert current is not None
            process = state.policy.process
            served_at = body.served_at or workflow.now()
            # Clocks start at service; mail adds the policy's days (Redlands: 5).
            extra = process.mail_service_extra_days if body.method is ServiceMethod.MAIL else 0
            kind = state.policy.notice(current.notice_type)
            appeal_deadline = None
            if kind.appealable:
                window = kind.appeal_window_days or process.appeal_window_days
                appeal_deadline = await self._deadline(served_at, window + extra, False)
            deadline = await self._deadline(served_at, state.policy.violation.compliance_days + extra, False)
            notice = current.model_copy(
                update={
                    "tracking_number": body.tracking_number,
                    "posting_evidence_id": body.evidence_id,
                    "served_at": served_at,
                    "service_method": body.method,
                    "appeal_deadline": appeal_deadline,
                    "served_by": action.actor.username,
                    "awaiting_service_by": None,
                }
            )
            # Nothing changes until the letter is made (and, served by e-mail, sent): a refusal leaves the case as it was.
            if workflow.patched(SERVED_NOTICE_LETTER):
                notice = await self._render_served_letter(notice, deadline)
                if body.method is ServiceMethod.EMAIL and workflow.patched(NOTICE_SERVED_BY_EMAIL):
                    refused = await self._email_notice(notice)
                    if refused is not None:  # the provider refused it for good: the next method of the policy
                        await self._service_failed(notice, refused, action)
                        return
            state.notices[-1] = notice
            self._begin_compliance_period(deadline)
            appeal = f"; appeal by {local_day(notice.appeal_deadline)}" if notice.appeal_deadline else ""
            await self._record(
                "notice_served",
                f"{notice.title} served by {body.method.value} on {served_at:%Y-%m-%d}; comply by {self._deadline_day()}{appeal}",
                action,
                entries=[NoticeEntry(**notice.model_dump())],
            )

        return await self._act(change)

    @record_service.validator
    def _v_record_service(self, action: act.StaffAction) -> None:
        self._validate("record_service", act.RecordService, action)

    @workflow.update(name="grant_extension")
    async def grant_extension(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.GrantExtension.model_validate(action.body)

        async def change() -> None:
            state = self.state
            base = max(state.compliance_deadline or workflow.now(), workflow.now())
            request, previous = state.extension_request, state.compliance_deadline
            state.extension_request = None
            state.extensions_granted += 1
            await self._start_compliance_period(base, body.days)
            await self._record(
                "extension_granted",
                f"Extension of {body.days} days granted: comply by {self._deadline_day()}. {body.reason}",
                action,
            )
            await self._owner_letter(
                LetterKind.EXTENSION_GRANTED,
                extension=ExtensionTerms(
                    requested_on=self._city_date(request.requested_at if request else workflow.now()),
                    requested_days=request.days if request else body.days,
                    granted_days=body.days,
                    reason=body.reason,
                    previous_deadline=previous,
                ),
            )

        return await self._act(change)

    @grant_extension.validator
    def _v_grant_extension(self, action: act.StaffAction) -> None:
        self._validate("grant_extension", act.GrantExtension, action)

    @workflow.update(name="deny_extension")
    async def deny_extension(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.DenyExtension.model_validate(action.body)

        async def change() -> None:
            request = self.state.extension_request
            self.state.extension_request = None
            if self.state.stage is S.AWAITING_COMPLIANCE:
                self.state.step = None
            await self._record("extension_denied", f"Extension denied: {body.reason}", action)
            if request is not None and self.state.compliance_deadline is not None:
                await self._owner_letter(
                    LetterKind.EXTENSION_DENIED,
                    extension=ExtensionTerms(
                        requested_on=self._city_date(request.requested_at),
                        requested_days=request.days,
                        reason=body.reason,
                    ),
                )

        return await self._act(change)

    @deny_extension.validator
    def _v_deny_extension(self, action: act.StaffAction) -> None:
        self._validate("deny_extension", act.DenyExtension, action)

    @workflow.update(name="record_reinspection")
    async def record_reinspection(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordReinspection.model_validate(action.body)

        async def change() -> None:
            state = self.state
            late = self._late_entry_note(body.inspected_at)
            data = {"checklist": body.checklist, "evidence": body.evidence, "findings": body.findings}
            if body.complied:
                await self._propose_closure(compliance_outcome(state))
                await self._record(
                    "reinspection_complied", f"Reinspection: complied{late}. {body.findings}", action, data
                )
            elif state.stage is S.AWAITING_COMPLIANCE:
                state.observed = self._observed(body)
                await self._record(
                    "reinspection_not_yet",
                    f"Reinspection before the deadline: not yet complied{late}; the deadline {self._deadline_day()} stands",
                    action,
                    data,
                )
            else:
                state.observed = self._observed(body)
                await self._record(
                    "reinspection_not_complied", f"Reinspection: not complied{late}. {body.findings}", action, data
                )
                await self._escalate()

        return await self._act(change)

    @record_reinspection.validator
    def _v_record_reinspection(self, action: act.StaffAction) -> None:
        self._validate("record_reinspection", act.RecordReinspection, action)

    @workflow.update(name="issue_fine")
    async def issue_fine(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.IssueFine.model_validate(action.body)

        async def change() -> None:
            state = self.state
            state.escalations_taken += 1
            entry = await self._levy_fine(body.amount)
            await self._start_compliance_period(workflow.now(), state.policy.violation.compliance_days)
            await self._record(
                "fine_issued",
                f"Fine of ${entry.amount} issued; comply by {self._deadline_day()}",
                action,
                entries=[entry],
            )

        return await self._act(change)

    @issue_fine.validator
    def _v_issue_fine(self, action: act.StaffAction) -> None:
        self._validate("issue_fine", act.IssueFine, action)

    @workflow.update(name="schedule_hearing")
    async def schedule_hearing(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.ScheduleHearing.model_validate(action.body)

        async def change() -> None:
            state = self.state
            if state.stage is S.ESCALATION_DUE:
                state.escalations_taken += 1
                await self._open_hearing(HearingKind.ADMINISTRATIVE, "not complied after the notices and fines", action)
            hearing = state.hearing
            assert hearing is not None and self._hearing is not None
            hearing.scheduled_for, hearing.location = body.hearing_at, body.location
            hearing.scheduled_at = workflow.now()
            await self._hearing.signal(
                HearingWorkflow.schedule, HearingDate(hearing_at=body.hearing_at, location=body.location)
            )
            process = state.policy.process
            hearing.decision_due_at = await self._set_step(
                "record_decision", "hearing_officer", process.hearing_decision_business_days, start=body.hearing_at
            )
            await self._record(
                "hearing_scheduled", f"Hearing scheduled for {body.hearing_at:%Y-%m-%d %H:%M}, {body.location}", action
            )
            await self._owner_letter(
                LetterKind.NOTICE_OF_HEARING,
                hearing=HearingTerms(kind=hearing.kind, at=body.hearing_at, location=body.location),
            )

        return await self._act(change)

    @schedule_hearing.validator
    def _v_schedule_hearing(self, action: act.StaffAction) -> None:
        self._validate("schedule_hearing", act.ScheduleHearing, action)

    @workflow.update(name="record_decision")
    async def record_decision(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordDecision.model_validate(action.body)

        async def change() -> None:
            state = self.state
            assert self._hearing is not None and state.hearing is not None
            await self._hearing.signal(
                HearingWorkflow.decide,
                HearingDecision(
                    decision=body.decision,
                    reason=body.reason,
                    compliance_days=body.compliance_days,
                    decided_at=workflow.now(),
                ),
            )
            decision = await self._hearing
            heard = state.hearing
            self._hearing, state.hearing = None, None
            state.hearings_held += 1
            terms = {
                "hearing": HearingTerms(
                    kind=heard.kind, at=heard.scheduled_for or workflow.now(), location=heard.location or ""
                ),
                "decision": DecisionTerms(
                    decision=decision.decision, reason=body.reason, decided_on=self._city_date(workflow.now())
                ),
            }
            if decision.decision is Decision.DISMISSED:
                await self._owner_letter(LetterKind.HEARING_DECISION, **terms)
                await self._close(Outcome.DISMISSED, f"Hearing decision: dismissed. {body.reason}", action)
                return
            days = decision.compliance_days or state.policy.violation.compliance_days
            await self._start_compliance_period(workflow.now(), days)
            await self._record(
                "decision_recorded",
                f"Hearing decision: {decision.decision.value}; comply by {self._deadline_day()}. {body.reason}",
                action,
            )
            await self._owner_letter(LetterKind.HEARING_DECISION, **terms)

        return await self._act(change)

    @record_decision.validator
    def _v_record_decision(self, action: act.StaffAction) -> None:
        self._validate("record_decision", act.RecordDecision, action)

    @workflow.update(name="order_remediation")
    async def order_remediation(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.OrderRemediation.model_validate(action.body)

        async def change() -> None:
            state = self.state
            state.escalations_taken += 1
            now = workflow.now()
            due = await self._deadline(now, state.policy.process.remediation_days, False)
            workflow_id = f"{state.case_number}-remediation"
            self._remediation = await workflow.start_child_workflow(
                RemediationWorkflow.run,
                RemediationStart(
                    case_number=state.case_number,
                    workflow_id=workflow_id,
                    contractor=body.contractor,
                    scope=body.scope,
                    address=self.start.address,
                    due_at=due,
                ),
                id=workflow_id,
                static_summary=f"{state.case_number} · abatement by {body.contractor}",
            )
            state.remediation = RemediationRef(
                workflow_id=workflow_id, contractor=body.contractor, scope=body.scope, ordered_at=now, due_at=due
            )
            state.step = HumanStep(
                action="record_remediation_cost",
                role="finance",
                due_at=due,
                description="record the contractor's final cost",
            )
            state.overdue = False
            state.stage = S.REMEDIATION
            await self._record("remediation_ordered", f"Abatement ordered from {body.contractor}: {body.scope}", action)

        return await self._act(change)

    @order_remediation.validator
    def _v_order_remediation(self, action: act.StaffAction) -> None:
        self._validate("order_remediation", act.OrderRemediation, action)

    @workflow.update(name="record_remediation_cost")
    async def record_remediation_cost(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordRemediationCost.model_validate(action.body)

        async def change() -> None:
            state = self.state
            assert self._remediation is not None
            state.costs.append(CostRecord(description=body.description, amount=body.amount, recorded_at=workflow.now()))
            await self._remediation.signal(
                RemediationWorkflow.add_cost, CostLine(description=body.description, amount=body.amount)
            )
            cost = MoneyEntry(entry_type="remediation_cost", amount=body.amount, description=body.description)
            if not body.final:
                await self._record(
                    "remediation_cost", f"Abatement cost ${body.amount}: {body.description}", action, entries=[cost]
                )
                return
            await self._remediation.signal(RemediationWorkflow.complete)
            result = await self._remediation
            ordered = state.remediation
            self._remediation, state.remediation, state.remediated = None, None, True
            state.payment_due_at = await self._deadline(workflow.now(), state.policy.process.payment_terms_days, False)
            state.step, state.overdue, state.stage = None, False, S.COST_RECOVERY
            await self._record(
                "remediation_completed",
                f"Abatement completed; ${result.total} billed to the owner, due {local_day(state.payment_due_at)}",
                action,
                entries=[cost],
            )
            await self._owner_letter(
                LetterKind.REMEDIATION_NOTICE,
                remediation=RemediationTerms(
                    scope=(ordered.scope or f"work by {ordered.contractor}") if ordered else "abatement",
                    completed_on=self._city_date(workflow.now()),
                    costs=tuple(CostItem(description=c.description, amount=c.amount) for c in state.costs),
                    payment_due_on=state.payment_due_at.date(),
                ),
            )

        return await self._act(change)

    @record_remediation_cost.validator
    def _v_record_remediation_cost(self, action: act.StaffAction) -> None:
        self._validate("record_remediation_cost", act.RecordRemediationCost, action)

    @workflow.update(name="file_lien")
    async def file_lien(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.FileLien.model_validate(action.body)

        async def change() -> None:
            state = self.state
            state.escalations_taken += 1
            state.lien_filed_at = workflow.now()
            reference = body.reference or f"LIEN-{state.case_number}"
            lien = LienEntry(amount=state.balance, reference=reference)
            await self._record(
                "lien_filed",
                f"Lien of ${state.balance} recorded against the property for the tax roll ({reference})",
                action,
                entries=[lien],
            )
            await self._owner_letter(
                LetterKind.LIEN_NOTICE,
                lien=LienTerms(
                    amount=lien.amount,
                    recorded_on=self._city_date(workflow.now()),
                    reference=reference,
                    items=self._account_items(),
                ),
            )
            if state.remediated:
                await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
                await self._record("closure_proposed", "Violation abated and costs secured by lien: ready to close")
            else:
                await self._escalate()

        return await self._act(change)

    @file_lien.validator
    def _v_file_lien(self, action: act.StaffAction) -> None:
        self._validate("file_lien", act.FileLien, action)

    @workflow.update(name="refer_prosecution")
    async def refer_prosecution(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.ReferProsecution.model_validate(action.body)

        async def change() -> None:
            state = self.state
            if next_escalation(state) is EscalationStep.PROSECUTION:
                state.escalations_taken += 1
            await self._set_step("close", "supervisor", state.policy.process.prosecution_review_days, business=False)
            state.stage = S.PROSECUTION
            await self._record("referred_for_prosecution", f"Referred to the City Attorney: {body.reason}", action)

        return await self._act(change)

    @refer_prosecution.validator
    def _v_refer_prosecution(self, action: act.StaffAction) -> None:
        self._validate("refer_prosecution", act.ReferProsecution, action)

    @workflow.update(name="record_payment")
    async def record_payment(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.RecordPayment.model_validate(action.body)
        return await self._act(lambda: self._take_payment(body.amount, body.method, body.reference, action))

    @record_payment.validator
    def _v_record_payment(self, action: act.StaffAction) -> None:
        self._validate("record_payment", act.RecordPayment, action)

    @workflow.update(name="reassign")
    async def reassign(self, action: act.StaffAction) -> CaseSnapshot:
        async def change() -> None:
            chosen = action.officer
            assert chosen is not None
            self.state.officer = OfficerRef(id=chosen.id, badge=chosen.badge, name=chosen.name)
            await self._record("reassigned", f"Reassigned to {chosen.name} ({chosen.badge})", action)

        return await self._act(change)

    @reassign.validator
    def _v_reassign(self, action: act.StaffAction) -> None:
        self._validate("reassign", act.Reassign, action)
        if action.officer is None:
            raise ApplicationError(
                "officer_badge: no active officer has that badge", type="ActionRefused", non_retryable=True
            )

    @workflow.update(name="add_note")
    async def add_note(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.AddNote.model_validate(action.body)

        async def change() -> None:
            await self._record("note", f"Note: {body.text}", action)

        return await self._act(change)

    @add_note.validator
    def _v_add_note(self, action: act.StaffAction) -> None:
        self._validate("add_note", act.AddNote, action)

    @workflow.update(name="close")
    async def close(self, action: act.StaffAction) -> CaseSnapshot:
        body = act.Close.model_validate(action.body)
        return await self._act(
            lambda: self._close(body.outcome, f"Closed: {body.outcome.value}. {body.reason}", action)
        )

    @close.validator
    def _v_close(self, action: act.StaffAction) -> None:
        self._validate("close", act.Close, action)

    # --- Events from outside (signals) -------------------------------------------------------------

    @workflow.signal(name="duplicate_complaint")
    async def duplicate_complaint(self, event: act.DuplicateComplaint) -> None:
        async def change() -> None:
            self.state.duplicates_attached += 1
            await self._record(
                "duplicate_attached",
                f"Another complaint ({event.channel.value}) attached to this case",
                data={"complaint_id": event.complaint_id},
            )

        await self._act(change)

    @workflow.signal(name="owner_reported_compliance")
    async def owner_reported_compliance(self, event: act.OwnerReportedCompliance) -> None:
        async def change() -> None:
            state = self.state
            if state.stage is S.AWAITING_COMPLIANCE:
                # The owner says it is fixed: the reinspection comes forward instead of waiting for the deadline.
                await self._set_step(
                    "record_reinspection", "officer", state.policy.process.reinspection_lead_business_days
                )
                state.stage = S.REINSPECTION_DUE
                summary = f"Owner reported compliance; reinspection brought forward to {self._due()}"
                await self._record(
                    "owner_reported_compliance",
                    summary,
                    data={"evidence": event.evidence},
                    entries=[self._alert_officer(summary)],
                )
                await self._reinspection_notice()
            else:
                await self._record(
                    "owner_reported_compliance", "Owner reported compliance (noted; no deadline was running)"
                )

        await self._act(change)

    @workflow.signal(name="extension_requested")
    async def extension_requested(self, event: act.ExtensionRequested) -> None:
        async def change() -> None:
            state = self.state
            if state.stage not in (S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE):
                await self._record(
                    "extension_request_ignored",
                    f"Extension request received while at '{state.stage.label}': nothing to extend",
                )
                return
            due = await self._deadline(workflow.now(), state.policy.process.extension_decision_business_days, True)
            state.extension_request = ExtensionRequest(
                days=event.days, reason=event.reason, requested_at=workflow.now(), decision_due_at=due
            )
            if state.stage is S.AWAITING_COMPLIANCE:
                state.step = HumanStep(
                    action="grant_extension",
                    role="supervisor",
                    due_at=due,
                    description="decide the owner's extension request",
                )
                state.overdue = False
            await self._record(
                "extension_requested",
                f"Owner asked for {event.days} more days: {event.reason}",
                entries=[
                    AlertEntry(
                        audience="supervisor",
                        message=f"{state.case_number}: extension request, decide by {local_day(due)}",
                    )
                ],
            )

        await self._act(change)

    @workflow.signal(name="appeal_filed")
    async def appeal_filed(self, event: act.AppealFiled) -> None:
        async def change() -> None:
            state = self.state
            reason = appeal_refusal(state, workflow.now())
            if reason:
                state.refused_appeals.append(reason)
                await self._record("appeal_refused", f"Appeal by {event.appellant} refused: {reason}")
                return
            remaining = state.compliance_deadline - workflow.now() if state.compliance_deadline else None
            await self._open_hearing(HearingKind.APPEAL, event.grounds, None)
            assert state.hearing is not None
            state.hearing.paused_remaining = remaining
            await self._record(
                "appeal_filed",
                f"Appeal filed by {event.appellant}; the compliance clock is paused. Grounds: {event.grounds}",
            )

        await self._act(change)

    @workflow.signal(name="delivery_failed")
    async def delivery_failed(self, event: act.DeliveryFailed) -> None:
        """A provider reported a message to the owner bounced or failed (the webhooks send this)."""
        if self.state.stage is S.CLOSED or not workflow.patched(SERVICE_FALLBACK):
            return
        await self._act(lambda: self._on_delivery_failed(event))

    @workflow.signal(name="payment_received")
    async def payment_received(self, event: act.PaymentReceived) -> None:
        if self.state.stage is S.CLOSED:
            return
        await self._act(lambda: self._take_payment(event.amount, event.method, event.reference, None))

    @workflow.query(name="snapshot")
    def snapshot(self) -> CaseSnapshot:
        state = self.state
        return CaseSnapshot(
            state=state,
            balance=state.balance,
            next_deadline=state.next_deadline,
            waiting_on=state.step,
            sleeping_until=None if state.stage is S.CLOSED else self._next_wake(),
        )

    # --- Moves shared by several actions ------------------------------------------------------------

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
        self.state.step = HumanStep(
            action=action, role=role, due_at=due, description=description or action.replace("_", " ")
        )
        self.state.overdue = False
        return due

    async def _start_compliance_period(self, start: datetime, days: int) -> None:
        self._begin_compliance_period(await self._deadline(start, days, False))

    def _begin_compliance_period(self, deadline: datetime) -> None:
        state = self.state
        state.compliance_deadline = deadline
        state.deadline_set_at = workflow.now()
        state.step, state.overdue = None, False
        state.stage = S.AWAITING_COMPLIANCE

    async def _send_reminder(self, reminder: DueReminder, left: timedelta) -> str:
        """Sends the owner's reminder (exactly once, by key); returns how it went, for the timeline."""
        state = self.state
        try:
            receipt = await workflow.execute_activity_method(
                MessagingActivities.send_owner_reminder,
                OwnerReminder(
                    key=f"{state.case_number}:reminder:{reminder.key}",
                    case_number=state.case_number,
                    deadline=reminder.deadline,
                    days_left=left.days,
                    violation_title=state.policy.violation.title,
                    address=self.start.address,
                    of=reminder.of,
                    detail=reminder.detail,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"owner reminder, {left.days} day(s) left",
            )
        except ActivityError as failure:  # a provider refused it for good: the officer follows up by phone or mail
            reason = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
            return f" — not delivered: {reason}"
        if receipt.channel is None:
            return " — no e-mail or phone for the owner on the assessment roll; none sent"
        if receipt.status == "opted_out":  # texts are the roll's only way to reach the owner (e-mail comes first)
            return " — not sent: the owner's phone has opted out of texts (STOP) and the roll has no e-mail; none sent"
        return f" — sent by {receipt.channel.value}"

    async def _tell_complainants(
        self, news: ComplainantNews, *, violation_found: bool | None = None, outcome: Outcome | None = None
    ) -> None:
        """Complainants who left contact details hear of receipt, inspection and closure (best effort:
        a refused message is recorded in the messages table and does not hold up the case)."""
        if not workflow.patched(COMPLAINANT_UPDATES):
            return
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity_method(
                MessagingActivities.send_complainant_updates,
                ComplainantUpdate(
                    case_number=self.state.case_number,
                    news=news,
                    violation_title=self.state.policy.violation.title,
                    address=self.start.address,
                    violation_found=violation_found,
                    outcome=outcome,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"complainant update: {news.value}",
            )

    async def _render_served_letter(self, notice: NoticeRecord, deadline: datetime) -> NoticeRecord:
        """The letter that is served states the exact deadlines, so it is made when service is recorded."""
        state = self.state
        assert state.parcel is not None
        kind = state.policy.notice(notice.notice_type)
        document = await workflow.execute_activity_method(
            NoticeLetterActivities.render_served_notice,
            ServedNotice(
                case_number=state.case_number,
                notice=notice,
                policy=state.policy,
                parcel=state.parcel,
                officer_id=state.officer.id if state.officer else None,
                compliance_deadline=deadline,
                fine=state.fines[-1] if kind.fine and state.fines else None,
                fines_levied=len(state.fines),
                escalations_taken=state.escalations_taken,
                observed=state.observed,
            ),
            start_to_close_timeout=LETTER_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"letter: {notice.title}",
        )
        return notice.model_copy(
            update={
                "template": document.template,
                "template_version": document.template_sha256,
                "document_path": document.path,
                "document_sha256": document.sha256,
                "pdf_path": document.pdf_path,
                "pdf_sha256": document.pdf_sha256,
                "pdf_unavailable_reason": document.pdf_unavailable_reason,
            }
        )

    def _service_email_key(self, notice: NoticeRecord) -> str:
        return f"{self.state.case_number}:notice-{notice.seq}:email"

    async def _email_notice(self, notice: NoticeRecord) -> str | None:
        """Service by e-mail is the e-mail: if the provider refuses it, the notice is not served. Returns why it
        was refused (the case falls back to the policy's next method); before that patch, the action was refused."""
        state = self.state
        try:
            await workflow.execute_activity_method(
                MessagingActivities.send_notice_email,
                NoticeEmail(
                    key=self._service_email_key(notice),
                    case_number=state.case_number,
                    title=notice.title,
                    address=self.start.address,
                    document_path=notice.document_path or "",
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"e-mail: {notice.title}",
            )
        except ActivityError as failure:
            reason = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
            if workflow.patched(SERVICE_FALLBACK):
                return f"refused when sent: {reason}"
            raise ApplicationError(
                f"the notice could not be served by e-mail ({reason}); serve it by personal delivery, mail or posting",
                type="ActionRefused",
                non_retryable=True,
            ) from None
        return None

    async def _service_failed(self, notice: NoticeRecord, reason: str, action: act.StaffAction | None) -> None:
        """The notice did not reach the owner, so it was not served: the compliance and appeal deadlines counted
        from that service are void (they start again when a service succeeds), and the notice waits for the
        policy's next service method, which the officer is told to carry out. The letter that failed (and its
        PDF) stays on record under the failed service, not as the notice's letter; the next service makes a new
        one with the new dates."""
        state = self.state
        now = workflow.now()
        assert notice.service_method is not None
        failed = FailedService(
            method=notice.service_method,
            attempted_at=notice.served_at or now,
            failed_at=now,
            reason=reason,
            document_sha256=notice.document_sha256,
            document_path=notice.document_path,
            pdf_path=notice.pdf_path,
            pdf_sha256=notice.pdf_sha256,
        )
        state.notices[-1] = notice.model_copy(
            update={
                "served_at": None,
                "service_method": None,
                "appeal_deadline": None,
                "served_by": None,
                "template": None,
                "template_version": None,
                "document_path": None,
                "document_sha256": None,
                "pdf_path": None,
                "pdf_sha256": None,
                "pdf_unavailable_reason": None,
                "failed_services": [*notice.failed_services, failed],
            }
        )
        fallback = next_service_method(state)
        state.notices[-1].awaiting_service_by = fallback
        state.compliance_deadline = state.deadline_set_at = None
        state.extension_request = None
        how = f"by {SERVICE_WORDS[fallback]}" if fallback else "another way (every method in the policy has failed)"
        await self._set_step(
            "record_service",
            "officer",
            state.policy.process.service_due_business_days,
            f"serve the {notice.title} {how}",
        )
        state.stage = S.NOTICE_ISSUED
        summary = (
            f"{notice.title} not served: the {failed.method.value} {reason}. The compliance and appeal deadlines "
            f"do not run; serve it {how}"
        )
        await self._record(
            "service_failed",
            summary,
            action,
            data={"method": failed.method.value, "next_method": fallback.value if fallback else None},
            entries=[
                NoticeEntry(**state.notices[-1].model_dump()),
                self._alert_officer(f"{state.case_number}: {summary}"),
            ],
        )

    async def _on_delivery_failed(self, event: act.DeliveryFailed) -> None:
        state = self.state
        if event.message_key in state.failed_deliveries:  # providers report an event more than once
            return
        state.failed_deliveries.append(event.message_key)
        notice = state.current_notice
        why = f"{event.status} ({event.reason})" if event.reason else event.status
        if (
            notice is not None
            and notice.service_method is ServiceMethod.EMAIL
            and event.message_key == self._service_email_key(notice)
            and state.stage in (S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE)
        ):
            await self._service_failed(notice, why, None)
            return
        # A reminder or a later letter: the case goes on; the officer reaches the owner another way.
        what = _message_words(event.message_key)
        summary = f"The {event.channel} to the owner ({what}) {why}: reach the owner another way"
        await self._record(
            "delivery_failed",
            summary,
            data={"message_key": event.message_key, "status": event.status},
            entries=[self._alert_officer(f"{state.case_number}: {summary}")],
        )

    async def _owner_letter(self, kind: LetterKind, **terms: Any) -> None:
        """A letter to the owner at this step: stored once with its hash and listed with the case's documents;
        e-mailed (exactly once, by key) when the roll has the owner's address, else on record for mailing.
        A letter that cannot be made or sent does not hold up the case: the documents and messages show it."""
        state = self.state
        if not workflow.patched(CASE_LETTERS) or state.parcel is None:
            return
        state.letters_written += 1
        key = f"letter-{state.letters_written}"
        email = state.parcel.owner_email
        try:
            document = await workflow.execute_activity_method(
                NoticeLetterActivities.render_case_letter,
                CaseLetter(
                    case_number=state.case_number,
                    kind=kind,
                    business_key=key,
                    policy=state.policy,
                    parcel=state.parcel,
                    officer_id=state.officer.id if state.officer else None,
                    written_at=workflow.now(),
                    delivery="email" if email else "mail",
                    notice=state.current_notice,
                    observed=state.observed,
                    compliance_deadline=state.compliance_deadline,
                    fines_levied=len(state.fines),
                    escalations_taken=state.escalations_taken,
                    **terms,
                ),
                start_to_close_timeout=LETTER_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"letter: {LETTER_TITLES[kind]}",
            )
            if email:
                await workflow.execute_activity_method(
                    MessagingActivities.send_notice_email,
                    NoticeEmail(
                        key=f"{state.case_number}:{key}:email",
                        case_number=state.case_number,
                        title=LETTER_TITLES[kind],
                        address=self.start.address,
                        document_path=document.path,
                        served=False,
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                    summary=f"e-mail: {LETTER_TITLES[kind]}",
                )
        except ActivityError:
            return

    async def _complainant_letters(self, kind: LetterKind, *, outcome: Outcome | None = None) -> None:
        """The acknowledgement and closure letters to each person who reported the case and left contact
        details, kept on record (the news itself reaches them by e-mail or SMS); never a word about the owner."""
        state = self.state
        if not workflow.patched(CASE_LETTERS):
            return
        state.letters_written += 1
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity_method(
                NoticeLetterActivities.render_complainant_letters,
                ComplainantLetter(
                    case_number=state.case_number,
                    kind=kind,
                    business_key=f"letter-{state.letters_written}",
                    jurisdiction=state.policy.jurisdiction,
                    timezone=state.policy.calendar.timezone,
                    address=self.start.address,
                    concern=state.policy.violation.title,
                    received_at=state.opened_at,
                    written_at=workflow.now(),
                    response_due=state.response_due_at,
                    outcome=outcome,
                ),
                start_to_close_timeout=LETTER_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"complainant letters: {LETTER_TITLES[kind]}",
            )

    async def _reinspection_notice(self) -> None:
        step = self.state.step
        if step is not None and step.action == "record_reinspection":
            await self._owner_letter(LetterKind.REINSPECTION_NOTICE, reinspection_at=step.due_at)

    def _account_items(self) -> tuple[CostItem, ...]:
        """The lines of what the owner owes, for a lien notice: fines, costs, less what was paid."""
        state = self.state
        items = [CostItem(description=f"Fine {f.seq}", amount=f.amount) for f in state.fines]
        items += [CostItem(description=c.description, amount=c.amount) for c in state.costs]
        paid = sum((p.amount for p in state.payments), Decimal(0))
        if paid:
            items.append(CostItem(description="Less payments received", amount=-paid))
        return tuple(items)

    def _city_date(self, instant: datetime) -> date:
        """The city's calendar date of an instant. Workflow code has no time-zone database, so this uses the
        offset the calendar activity gave the case's first deadline (an hour off across a DST change at most)."""
        reference = self.state.response_due_at
        zone = reference.tzinfo if reference is not None else None
        return instant.astimezone(zone).date() if zone is not None else instant.date()

    async def _escalate(self) -> None:
        """Not complied: the next notice on the path, else the ladder's next rung, else a supervisor decides."""
        state = self.state
        process = state.policy.process
        notice = next_notice(state)
        step = next_escalation(state)
        if notice is not None:
            action, role = "issue_notice", "officer"
            description = f"issue the {state.policy.notice(notice).title}"
        elif step is not None:
            action, role = ESCALATION_ACTIONS[step]
            description = action.replace("_", " ")
        else:
            action, role, description = "refer_prosecution", "supervisor", "decide: refer for prosecution or close"
        await self._set_step(action, role, process.escalation_action_business_days, description)
        state.compliance_deadline = None
        state.stage = S.ESCALATION_DUE
        await self._record(
            "escalation_due",
            f"Escalation: next step is to {description}, by {self._due()}",
            entries=[self._alert_officer(f"{state.case_number}: {description}")],
        )

    async def _open_hearing(self, kind: HearingKind, reason: str, action: act.StaffAction | None) -> None:
        state = self.state
        number = state.hearings_held + 1
        workflow_id = f"{state.case_number}-hearing-{number}"
        self._hearing = await workflow.start_child_workflow(
            HearingWorkflow.run,
            HearingStart(
                case_number=state.case_number,
                workflow_id=workflow_id,
                kind=kind,
                reason=reason,
                address=self.start.address,
            ),
            id=workflow_id,
            static_summary=f"{state.case_number} · {kind.value} hearing {number}",
        )
        now = workflow.now()
        due = await self._set_step(
            "schedule_hearing",
            "hearing_officer",
            state.policy.process.hearing_schedule_business_days,
            "calendar the hearing",
        )
        state.hearing = HearingRef(workflow_id=workflow_id, kind=kind, requested_at=now, schedule_due_at=due)
        state.compliance_deadline = None
        state.stage = S.HEARING

    async def _levy_fine(self, amount: Decimal | None) -> MoneyEntry:
        state = self.state
        value = amount if amount is not None else state.policy.violation.fine_amount(len(state.fines))
        now = workflow.now()
        due = await self._deadline(now, state.policy.process.payment_terms_days, False)
        state.fines.append(FineRecord(seq=len(state.fines) + 1, amount=value, issued_at=now, due_at=due))
        return MoneyEntry(entry_type="fine", amount=value, description=f"fine {len(state.fines)}", due_at=due)

    async def _take_payment(self, amount: Decimal, method: str, reference: str, action: act.StaffAction | None) -> None:
        state = self.state
        state.payments.append(
            PaymentRecord(amount=amount, method=method, reference=reference, received_at=workflow.now())
        )
        entry = MoneyEntry(entry_type="payment", amount=amount, description=f"payment by {method}", reference=reference)
        await self._record(
            "payment_received",
            f"Payment of ${amount} received ({method}, {reference}); balance ${state.balance}",
            action,
            entries=[entry],
        )
        if state.stage is S.COST_RECOVERY and state.balance <= 0:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record("closure_proposed", "Abatement costs paid in full: ready to close")

    async def _after_payment_term(self) -> None:
        """The owner did not pay the abatement bill: a lien on the tax roll if the policy and threshold say so."""
        state = self.state
        state.payment_due_at = None
        if state.balance <= 0:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record("closure_proposed", "Abatement costs paid: ready to close")
        elif next_escalation(state) is EscalationStep.LIEN and state.balance >= state.policy.process.lien_threshold:
            await self._escalate()
        else:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record(
                "closure_proposed",
                f"Abatement costs unpaid (${state.balance}) below the lien threshold: a supervisor decides",
            )

    async def _propose_closure(self, outcome: Outcome) -> None:
        state = self.state
        state.proposed_outcome = outcome
        state.compliance_deadline = None
        await self._set_step(
            "close",
            "supervisor",
            state.policy.process.closure_review_business_days,
            f"review and close ({outcome.value})",
        )
        state.stage = S.CLOSURE_REVIEW

    async def _close(self, outcome: Outcome, summary: str, action: act.StaffAction | None) -> None:
        state = self.state
        for child in (self._hearing, self._remediation):
            if child is not None:
                child.cancel()
        self._hearing = self._remediation = None
        state.hearing = state.remediation = None
        state.outcome, state.closed_at = outcome, workflow.now()
        state.stage, state.step, state.overdue, state.compliance_deadline = S.CLOSED, None, False, None
        await self._record("closed", summary, action, {"outcome": outcome.value})
        await self._tell_complainants(ComplainantNews.CLOSED, outcome=outcome)
        if state.notices:  # an owner who was never sent a notice is not written to about the case's end
            await self._owner_letter(LetterKind.CLOSURE_OWNER, outcome=outcome, balance_due=max(state.balance, 0))
        await self._complainant_letters(LetterKind.CLOSURE_COMPLAINANT, outcome=outcome)

    def _alert_officer(self, message: str) -> AlertEntry:
        return AlertEntry(audience=self._officer_audience(), message=message)

    def _officer_audience(self) -> str:
        return self.state.officer.badge if self.state.officer else "supervisor"

    def _observed(self, body: act.RecordInspection | act.RecordReinspection) -> Observation:
        """What an inspection that found the violation saw, for the owner's letters that follow it."""
        return Observation.of(body.checklist, body.findings, body.inspected_at or workflow.now())

    def _late_entry_note(self, inspected_at: datetime | None) -> str:
        """Back-filled inspection dates are shown, not hidden (Atlanta's audit found 170 days entered as 14)."""
        if inspected_at is None:
            return ""
        delay = workflow.now() - inspected_at
        return (
            f" (entered {delay.days} days after the inspection on {inspected_at:%Y-%m-%d})"
            if delay > timedelta(days=2)
            else ""
        )

    def _due(self) -> str:
        return f"{self.state.step.due_at:%Y-%m-%d %H:%M}" if self.state.step else "—"

    def _deadline_day(self) -> str:
        return local_day(self.state.compliance_deadline) if self.state.compliance_deadline else "—"

    # --- Recording ---------------------------------------------------------------------------------

    async def _record(
        self,
        kind: str,
        summary: str,
        action: act.StaffAction | None = None,
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
        if workflow.patched(RECORDS_BY_LOCAL_ACTIVITY):
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


def _message_words(key: str) -> str:
    """What a message key names, for the timeline: `CE-…:reminder:…` is a deadline reminder, and so on."""
    part = key.split(":")[1] if ":" in key else key
    if part.startswith("reminder"):
        return "deadline reminder"
    if part.startswith("letter-"):
        return f"letter {part.removeprefix('letter-')}"
    if part.startswith("notice-"):
        return f"notice {part.removeprefix('notice-')}, after the case had moved on: check its service"
    return part
