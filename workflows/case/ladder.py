"""The escalation ladder and the money: after a failed reinspection the case waits on the next rung the policy
names (`domain.ladder`): fines, an administrative hearing (a child workflow, also opened by an owner's appeal,
which pauses the compliance clock), abatement by the city's contractor (a child workflow) and its bill, a lien on
the tax roll, then prosecution (`workflows/case/court.py`). Payments settle fines and costs; an unpaid bill leads to a lien when the policy's
threshold says so.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.messaging import MessagingActivities
    from domain import actions as act
    from domain.case import (
        AlertEntry,
        CostRecord,
        FineRecord,
        HearingRef,
        HumanStep,
        LedgerEntry,
        LienEntry,
        MoneyEntry,
        PaymentRecord,
        RemediationRef,
    )
    from domain.hearings import HearingDate, HearingDecision, HearingStart
    from domain.ladder import (
        FINE_DECISION_WORDS,
        AfterPaymentTerm,
        after_payment_term,
        appealed_fine,
        fine_after_decision,
        fine_amount,
        step_after_noncompliance,
    )
    from domain.messages import FineMessage
    from domain.notices import (
        FINE_APPEALS_TO,
        AppealedFine,
        CostItem,
        DecisionTerms,
        HearingTerms,
        LetterKind,
        LienTerms,
        RemediationTerms,
    )
    from domain.process import appeal_refusal, local_day
    from domain.remediation import CostLine, RemediationStart
    from domain.service_clocks import fine_appeal_days, paused_clock
    from domain.stages import CaseStage, Decision, HearingKind, Outcome, ServiceMethod
    from workflows.case.closing import Closing
    from workflows.case.run import staff_action
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.hearing import HearingWorkflow
    from workflows.remediation import RemediationWorkflow
    from workflows.versions import FINE_NOTICES, LIEN_RELEASE_LETTER, PAUSED_CLOCK_RESUMES, patched

S = CaseStage


class Ladder(Closing):
    # --- Fines and payments -----------------------------------------------------------------------------

    @staff_action("issue_fine")
    async def issue_fine(self, body: act.IssueFine, action: act.StaffAction) -> None:
        state = self.state
        entry = await self._levy_fine(body.amount)
        await self._start_compliance_period(workflow.now(), state.policy.violation.compliance_days)
        told = ""
        if patched(FINE_NOTICES):
            told = await self._fine_notice(state.fines[-1])
        await self._record(
            "fine_issued",
            f"Fine of ${entry.amount} issued; comply by {self._deadline_day()}{told}",
            action,
            entries=[entry],
        )

    @staff_action("record_payment")
    async def record_payment(self, body: act.RecordPayment, action: act.StaffAction) -> None:
        await self._take_payment(body.amount, body.method, body.reference, action)

    async def _levy_fine(self, amount: Decimal | None) -> MoneyEntry:
        state = self.state
        value = fine_amount(state, amount)
        now = workflow.now()
        due = await self._deadline(now, state.policy.process.payment_terms_days, False)
        state.fines.append(FineRecord(seq=len(state.fines) + 1, amount=value, issued_at=now, due_at=due))
        return MoneyEntry(entry_type="fine", amount=value, description=f"fine {len(state.fines)}", due_at=due)

    async def _fine_notice(self, fine: FineRecord) -> str:
        """A fine levied on the ladder (or by hand) is a notice of its own: its letter, e-mailed where the roll has
        an address (that e-mail is its service) or posted from the print queue, opens the fine's own appeal
        window, and the owner is told on their channel. Returns the timeline's words for it."""
        state = self.state
        assert state.parcel is not None
        by = ServiceMethod.EMAIL if state.parcel.owner_email else ServiceMethod.MAIL
        fine.appeal_deadline = await self._deadline(workflow.now(), fine_appeal_days(state.policy, by), False)
        path = None
        with contextlib.suppress(ActivityError):  # the letter's failure is on record; the owner is still told
            document = await self._write_owner_letter(LetterKind.FINE_NOTICE, fine=fine)
            path = document.path if document else None
        sent = await self._tell_of_fine(fine, path)
        posted = "" if by is ServiceMethod.EMAIL else "; the fine notice goes by post (print queue)"
        return f"; pay by {local_day(fine.due_at)}, appeal by {local_day(fine.appeal_deadline)}{posted}{sent}"

    async def _tell_of_fine(self, fine: FineRecord, document_path: str | None) -> str:
        """The fine on the owner's channel, once (by key); returns how it went, for the timeline."""
        state = self.state
        notice = state.current_notice
        kind = state.policy.notice(notice.notice_type) if notice else None
        observed = state.observed.conditions if state.observed else ()
        try:
            receipt = await workflow.execute_activity_method(
                MessagingActivities.send_fine_notice,
                FineMessage(
                    key=f"{state.case_number}:fine-{fine.seq}",
                    case_number=state.case_number,
                    address=self.start.address,
                    fine_number=fine.seq,
                    amount=fine.amount,
                    section=state.policy.violation.section,
                    conditions=observed,
                    due_at=fine.due_at,
                    appeal_deadline=fine.appeal_deadline,
                    appeal_to=(kind.appeal_to if kind else "") or FINE_APPEALS_TO,
                    how_to_appeal=kind.how_to_appeal if kind else "",
                    document_path=document_path,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"fine {fine.seq} to the owner",
            )
        except ActivityError as failure:
            reason = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
            return f"; the owner was not told: {reason}"
        if receipt.channel is None:
            return "; no e-mail or phone for the owner on the roll"
        return f"; the owner was told by {receipt.channel.value}"

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
        if state.lien_reference and state.lien_released_at is None and state.balance <= 0:
            await self._release_lien(state.lien_reference)
        if state.stage is S.COST_RECOVERY and state.balance <= 0:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record("closure_proposed", "Abatement costs paid in full: ready to close")

    async def _release_lien(self, reference: str) -> None:
        """A lien paid in full is released: marked on the record and the timeline, sent off the tax roll with the
        next tax-roll file (`records/tax_roll.py` reads the mark), and the owner gets the release letter."""
        state = self.state
        state.lien_released_at = workflow.now()
        await self._record(
            "lien_released",
            f"Lien {reference} paid in full and released",
            entries=[
                LienEntry(amount=Decimal(0), reference=reference, released=True),
                AlertEntry(audience="finance", message=f"{state.case_number}: lien {reference} paid, released"),
            ],
        )
        if patched(LIEN_RELEASE_LETTER) and state.lien_filed_at is not None:
            paid = sum((p.amount for p in state.payments), Decimal(0))
            await self._owner_letter(
                LetterKind.LIEN_RELEASE,
                lien=LienTerms(
                    # A lien filed before its amount was kept: what paid it off.
                    amount=state.lien_amount or paid,
                    recorded_on=self._city_date(state.lien_filed_at),
                    reference=reference,
                    released_on=self._city_date(state.lien_released_at),
                ),
            )

    @staff_action("write_off")
    async def write_off(self, body: act.WriteOff, action: act.StaffAction) -> None:
        """Finance gives up collecting what a closed case still owes, with its reason; the account then closes."""
        state = self.state
        amount = state.balance
        state.written_off += amount
        await self._record(
            "written_off",
            f"${amount} written off by finance: {body.reason}",
            action,
            entries=[MoneyEntry(entry_type="write_off", amount=-amount, description=f"written off: {body.reason}")],
        )

    async def _payment_failed(self, event: act.PaymentFailed) -> None:
        why = f": {event.reason}" if event.reason else ""
        await self._record(
            "payment_failed",
            f"Online payment of ${event.amount} failed ({event.reference}){why}; nothing was paid",
            entries=[AlertEntry(audience="finance", message=f"{self.state.case_number}: online payment failed{why}")],
        )

    async def _refund(self, event: act.PaymentRefunded) -> None:
        """A refund is a payment given back: it stays on the account as a line of its own, and is owed again."""
        state = self.state
        state.payments.append(
            PaymentRecord(amount=-event.amount, method="refund", reference=event.reference, received_at=workflow.now())
        )
        await self._record(
            "payment_refunded",
            f"Payment {event.reference} refunded: ${event.amount}; balance ${state.balance}",
            entries=[
                MoneyEntry(
                    entry_type="refund",
                    amount=event.amount,
                    description=f"refund of {event.reference}",
                    reference=event.reference,
                ),
                AlertEntry(audience="finance", message=f"{state.case_number}: ${event.amount} refunded"),
            ],
        )

    # --- Hearings and appeals ---------------------------------------------------------------------------

    @staff_action("schedule_hearing")
    async def schedule_hearing(self, body: act.ScheduleHearing, action: act.StaffAction) -> None:
        state = self.state
        if state.stage is S.ESCALATION_DUE:
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

    @staff_action("record_decision")
    async def record_decision(self, body: act.RecordDecision, action: act.StaffAction) -> None:
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
        fine = appealed_fine(state)
        self._hearing, state.hearing = None, None
        state.hearings_held += 1
        entries: list[LedgerEntry] = []
        decided_fine = None
        if fine is not None:
            entries, decided_fine = self._decide_fine(fine, decision.decision, body.fine_amount)
        terms = {
            "hearing": HearingTerms(
                kind=heard.kind, at=heard.scheduled_for or workflow.now(), location=heard.location or ""
            ),
            "decision": DecisionTerms(
                decision=decision.decision,
                reason=body.reason,
                decided_on=self._city_date(workflow.now()),
                fine=decided_fine,
            ),
        }
        if decision.decision is Decision.DISMISSED and fine is None:
            await self._owner_letter(LetterKind.HEARING_DECISION, **terms)
            await self._close(Outcome.DISMISSED, f"Hearing decision: dismissed. {body.reason}", action)
            return
        paused = heard.paused_clock
        resumed = ""
        if decision.compliance_days is None and paused is not None:
            # The order stands: the owner gets back the days that were left when they appealed, not a new period.
            self._begin_compliance_period(await self._deadline(workflow.now(), paused.days_left, paused.business_days))
            resumed = f" (the {paused.days_left} days left when the appeal was filed)"
        else:
            days = decision.compliance_days or state.policy.violation.compliance_days
            await self._start_compliance_period(workflow.now(), days)
        on = (
            f" on fine {fine.seq}: {FINE_DECISION_WORDS[decision.decision]}" if fine else f": {decision.decision.value}"
        )
        await self._record(
            "decision_recorded",
            f"Hearing decision{on}; comply by {self._deadline_day()}{resumed}. {body.reason}",
            action,
            entries=entries,
        )
        await self._owner_letter(LetterKind.HEARING_DECISION, **terms)

    def _decide_fine(
        self, fine: FineRecord, decision: Decision, amount: Decimal | None, by: str = "on appeal"
    ) -> tuple[list[LedgerEntry], AppealedFine]:
        """An appealed fine as decided: its ledger line stays as levied and an adjustment shows what the appeal
        took off, so the account tells each change."""
        levied = fine.amount
        fine.amount = fine_after_decision(fine, decision, amount)
        entries: list[LedgerEntry] = []
        if fine.amount != levied:
            words = "cancelled" if fine.amount == 0 else f"reduced to ${fine.amount}"
            entries.append(
                MoneyEntry(
                    entry_type="fine_adjustment",
                    amount=fine.amount - levied,
                    description=f"fine {fine.seq} {words} {by}",
                )
            )
        return entries, AppealedFine(
            number=fine.seq, levied=levied, amount=fine.amount, due_on=self._city_date(fine.due_at)
        )

    async def _appeal(self, event: act.AppealFiled) -> None:
        """An owner's appeal within the window opens a hearing and pauses the compliance clock; a late or
        misplaced one is refused on the timeline in the rule's words."""
        state = self.state
        reason = appeal_refusal(state, workflow.now(), event.fine)
        if reason:
            state.refused_appeals.append(reason)
            await self._record("appeal_refused", f"Appeal by {event.appellant} refused: {reason}")
            return
        for fine in state.fines:
            fine.appealed = fine.appealed or fine.seq == event.fine
        deadline = state.compliance_deadline
        paused = None
        if patched(PAUSED_CLOCK_RESUMES) and deadline is not None:
            paused = paused_clock(state.policy, self._city_date(workflow.now()), self._city_date(deadline))
        await self._open_hearing(HearingKind.APPEAL, event.grounds, None)
        assert state.hearing is not None
        state.hearing.paused_clock = paused
        state.hearing.fine_seq = event.fine
        left = f" with {paused.days_left} days left" if paused else ""
        what = f"Appeal of fine {event.fine}" if event.fine else "Appeal"
        await self._record(
            "appeal_filed",
            f"{what} filed by {event.appellant}; the compliance clock is paused{left}. Grounds: {event.grounds}",
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

    # --- Abatement by the city and lien --------------------------------------------------------

    @staff_action("order_remediation")
    async def order_remediation(self, body: act.OrderRemediation, action: act.StaffAction) -> None:
        state = self.state
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

    @staff_action("record_remediation_cost")
    async def record_remediation_cost(self, body: act.RecordRemediationCost, action: act.StaffAction) -> None:
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

    @staff_action("file_lien")
    async def file_lien(self, body: act.FileLien, action: act.StaffAction) -> None:
        state = self.state
        state.lien_filed_at = workflow.now()
        reference = body.reference or f"LIEN-{state.case_number}"
        state.lien_reference, state.lien_amount = reference, state.balance
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

    # --- Moves the ladder's rungs share ---------------------------------------------------------------------

    async def _escalate(self) -> None:
        """Not complied: the case waits on the next notice, rung or supervisor's decision (`domain.ladder`)."""
        state = self.state
        action, role, description = step_after_noncompliance(state)
        await self._set_step(action, role, state.policy.process.escalation_action_business_days, description)
        state.compliance_deadline = None
        state.stage = S.ESCALATION_DUE
        await self._record(
            "escalation_due",
            f"Escalation: next step is to {description}, by {self._due()}",
            entries=[self._alert_officer(f"{state.case_number}: {description}")],
        )

    async def _after_payment_term(self) -> None:
        """The owner did not pay the abatement bill: a lien on the tax roll if the policy and threshold say so."""
        state = self.state
        state.payment_due_at = None
        then = after_payment_term(state)
        if then is AfterPaymentTerm.PAID:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record("closure_proposed", "Abatement costs paid: ready to close")
        elif then is AfterPaymentTerm.LIEN:
            await self._escalate()
        else:
            await self._propose_closure(Outcome.REMEDIATED_BY_CITY)
            await self._record(
                "closure_proposed",
                f"Abatement costs unpaid (${state.balance}) below the lien threshold: a supervisor decides",
            )

    def _account_items(self) -> tuple[CostItem, ...]:
        """The lines of what the owner owes, for a lien notice: fines, costs, less what was paid."""
        state = self.state
        items = [CostItem(description=f"Fine {f.seq}", amount=f.amount) for f in state.fines]
        items += [CostItem(description=c.description, amount=c.amount) for c in state.costs]
        paid = sum((p.amount for p in state.payments), Decimal(0))
        if paid:
            items.append(CostItem(description="Less payments received", amount=-paid))
        return tuple(items)
