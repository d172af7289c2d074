"""CaseWorkflow: one durable workflow per enforcement case, workflow id = case number.

A case is never forgotten: at every moment it either waits on a named human step with a due date
(`state.step`) or sleeps on a timer that wakes it (a compliance deadline, a payment due date), until it
closes with an outcome. Staff act through updates, each declared once in `domain.staff_actions` and handled
in the module of its concern; events from outside arrive as the signals below. Every change goes through
`_record` (run.py): one timeline line, the projection, the search attributes and the Temporal UI's details.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import actions as act
    from domain.case import AlertEntry, CaseSnapshot, CaseStart, CaseState, OfficerRef
    from domain.process import court_reminders_pending, local_day, overdue_audience, owner_reminders_pending
    from domain.stages import CaseStage
    from workflows.case.inspection import Inspection
    from workflows.case.outbound import REMINDED_OF
    from workflows.case.run import staff_action
    from workflows.versions import (
        ACCOUNT_OUTLIVES_ENFORCEMENT,
        OWNER_DEADLINE_REMINDERS,
        OWNER_REMINDERS_SENT,
        REMINDERS_ON_THE_WALL_CLOCK,
        SERVICE_FALLBACK,
        patched,
    )

S = CaseStage


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow(Inspection):
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._begin(start)

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        if start.resume is None:
            await self._triage()
        while self.state.stage is not S.CLOSED:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(start.model_copy(update={"resume": self.state}))
            self._every_deadline = patched(OWNER_DEADLINE_REMINDERS)
            self._wall_clock = patched(REMINDERS_ON_THE_WALL_CLOCK)
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
        if self.state.balance > 0 and patched(ACCOUNT_OUTLIVES_ENFORCEMENT):
            await self._collect()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _collect(self) -> None:
        """Money owed outlives the enforcement. The shape: the closed case's own workflow keeps its account open,
        rather than a collection stage or a receivable workflow per parcel, because the money is the case's (its
        fines, its costs, its lien) and already lives in its state, ledger and reports: the case stays closed with
        its outcome (the caseload and compliance figures are not disturbed), takes payments (staff's and Stripe's)
        until the balance is paid or finance writes it off with a reason, releases a lien paid in full, and then
        completes."""
        state = self.state
        async with self._lock:
            state.collecting = True
            await self._record(
                "account_open",
                f"Closed with ${state.balance} owing: the account stays open until it is paid or written off",
            )
        await workflow.wait_condition(lambda: self.state.balance <= 0)
        async with self._lock:
            state.collecting = False
            await self._record("account_settled", "Nothing is owed: the case's account is closed")

    # --- Staff actions that any stage allows (the others live with their concern) ---------------------

    @staff_action("reassign")
    async def reassign(self, body: act.Reassign, action: act.StaffAction) -> None:
        chosen = action.officer
        assert chosen is not None  # the validator refused otherwise
        self.state.officer = OfficerRef(id=chosen.id, badge=chosen.badge, name=chosen.name)
        await self._record("reassigned", f"Reassigned to {chosen.name} ({chosen.badge})", action)

    @staff_action("add_note")
    async def add_note(self, body: act.AddNote, action: act.StaffAction) -> None:
        await self._record("note", f"Note: {body.text}", action)

    # --- Events from outside (signals) and the snapshot (query) ---------------------------------------

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
        await self._act(lambda: self._owner_reported_compliance(event))

    @workflow.signal(name="extension_requested")
    async def extension_requested(self, event: act.ExtensionRequested) -> None:
        await self._act(lambda: self._extension_requested(event))

    @workflow.signal(name="appeal_filed")
    async def appeal_filed(self, event: act.AppealFiled) -> None:
        await self._act(lambda: self._appeal(event))

    @workflow.signal(name="delivery_failed")
    async def delivery_failed(self, event: act.DeliveryFailed) -> None:
        """A provider reported a message to the owner bounced or failed (the webhooks send this)."""
        if self.state.stage is S.CLOSED or not patched(SERVICE_FALLBACK):
            return
        await self._act(lambda: self._delivery_failed(event))

    @workflow.signal(name="payment_received")
    async def payment_received(self, event: act.PaymentReceived) -> None:
        if self.state.stage is S.CLOSED and not self.state.collecting:
            return
        await self._act(lambda: self._take_payment(event.amount, event.method, event.reference, None))

    # Stripe's word that a card payment failed or was refunded (api/routes/stripe_webhook.py). New signals: a case
    # recorded before them never received one, so they replay as they were.
    @workflow.signal(name="payment_failed")
    async def payment_failed(self, event: act.PaymentFailed) -> None:
        if self.state.stage is S.CLOSED and not self.state.collecting:
            return
        await self._act(lambda: self._payment_failed(event))

    @workflow.signal(name="payment_refunded")
    async def payment_refunded(self, event: act.PaymentRefunded) -> None:
        if self.state.stage is S.CLOSED and not self.state.collecting:
            return
        await self._act(lambda: self._refund(event))

    @workflow.query(name="snapshot")
    def snapshot(self) -> CaseSnapshot:
        return self._snapshot()

    # --- Timers ------------------------------------------------------------------------------------------

    def _should_continue_as_new(self) -> bool:
        # Children hold handles to this run, so a case only continues as new between hearings and abatements.
        if self.state.hearing or self.state.remediation:
            return False
        limit = self.start.continue_as_new_after_events
        if limit is not None:
            return workflow.info().get_current_history_length() > limit
        return workflow.info().is_continue_as_new_suggested()

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

    async def _on_time(self) -> None:
        now = workflow.now()
        state = self.state
        for reminder in owner_reminders_pending(
            state, every_deadline=self._every_deadline, wall_clock=self._wall_clock
        ):
            if reminder.at <= now:
                state.reminders_sent.append(reminder.key)
                left = timedelta(days=reminder.days)
                how = await self._send_reminder(reminder, left) if patched(OWNER_REMINDERS_SENT) else ""
                await self._record(
                    "reminder_sent",
                    f"Reminder to the owner: {REMINDED_OF[reminder.of]}{reminder.detail and f' ({reminder.detail})'} "
                    f"is in {left.days} day(s){how}",
                )
        for court_reminder in court_reminders_pending(state, wall_clock=self._wall_clock):
            if court_reminder.at <= now:
                await self._remind_of_court(court_reminder)
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
            await self._record(
                "step_overdue",
                f"Overdue: {state.step.description} was due {local_day(state.step.due_at)}",
                entries=[
                    AlertEntry(
                        audience=overdue_audience(state),
                        message=f"{state.case_number} overdue: {state.step.description}",
                    )
                ],
            )
        for fine in state.fines:
            if not fine.overdue_flagged and not fine.under_review and now >= fine.due_at and state.balance > 0:
                fine.overdue_flagged = True
                await self._record(
                    "fine_overdue",
                    f"Fine {fine.seq} (${fine.amount}) unpaid after its due date {local_day(fine.due_at)}",
                    entries=[AlertEntry(audience="finance", message=f"{state.case_number}: fine {fine.seq} unpaid")],
                )
