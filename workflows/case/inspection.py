"""Triage and inspections: a new case finds its parcel and owner on the roll and its officer, and waits for the
first inspection by the violation's response target, counted from receipt. An inspection finds the violation or
proposes closure as unfounded; a reinspection finds compliance (closure) or escalation. An owner who reports
compliance brings the reinspection forward. A reinspection the policy bills adds its fee to the account.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.assignment import AssignmentActivities
    from activities.property import PropertyActivities
    from activities.triage import TriageActivities
    from domain import actions as act
    from domain.case import (
        AlertEntry,
        AssignmentRequest,
        DeadlineRequest,
        FeeRecord,
        LedgerEntry,
        MoneyEntry,
        Observation,
        OfficerRef,
        OwnerReport,
        ParcelFacts,
        TriageRequest,
    )
    from domain.ladder import reinspection_fee
    from domain.messages import ComplainantNews
    from domain.notices import LetterKind
    from domain.process import compliance_outcome, late_entry_note
    from domain.stages import CaseStage, Outcome
    from workflows.case.notices import Notices
    from workflows.case.run import staff_action
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.versions import OWNER_REPORT_NOTED_ONCE, REINSPECTION_FEES, TRIAGE_IN_ONE_READ, patched

S = CaseStage


class Inspection(Notices):
    async def _triage(self) -> None:
        violation = self.state.policy.violation
        one_read = patched(TRIAGE_IN_ONE_READ)
        if one_read:
            # The roll, the roster and the calendar in one local activity: one round trip, not three.
            facts = await workflow.execute_local_activity_method(
                TriageActivities.read_triage_facts,
                TriageRequest(
                    parcel_id=self.start.parcel_id,
                    specialty=violation.specialty,
                    # Counted from receipt, not from when Temporal started the case: a late start is overdue at once.
                    first_inspection=DeadlineRequest(
                        start=self.state.opened_at,
                        days=violation.response_target_business_days,
                        business_days=True,
                        calendar=self.state.policy.calendar,
                    ),
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"parcel and owner of record, officer for {violation.specialty}, first inspection due",
            )
            parcel, officer = facts.parcel, facts.officer
            self._wait_on("record_inspection", "officer", facts.first_inspection_due, "first inspection")
            self.state.response_due_at = facts.first_inspection_due
        else:  # cases triaged before the patch replay their three local activities
            parcel, officer = await self._read_roll_and_roster()
            self.state.response_due_at = await self._set_step(
                "record_inspection",
                "officer",
                violation.response_target_business_days,
                "first inspection",
                start=self.state.opened_at,
            )
        self.state.parcel = parcel
        self.state.officer = officer
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
        if one_read:  # the news and the letter go out side by side: one workflow task fewer
            await asyncio.gather(
                self._tell_complainants(ComplainantNews.RECEIVED),
                self._complainant_letters(LetterKind.ACKNOWLEDGEMENT),
            )
        else:
            await self._tell_complainants(ComplainantNews.RECEIVED)
            await self._complainant_letters(LetterKind.ACKNOWLEDGEMENT)

    async def _read_roll_and_roster(self) -> tuple[ParcelFacts, OfficerRef | None]:
        """Triage's reads as cases before `TRIAGE_IN_ONE_READ` made them, one local activity each."""
        parcel = await workflow.execute_local_activity_method(
            PropertyActivities.lookup_parcel,
            self.start.parcel_id,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="parcel and owner of record",
        )
        officer = await workflow.execute_local_activity_method(
            AssignmentActivities.choose_officer,
            AssignmentRequest(zone=parcel.zone, specialty=self.state.policy.violation.specialty),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"officer for zone {parcel.zone}, {self.state.policy.violation.specialty}",
        )
        return parcel, officer

    @staff_action("schedule_inspection")
    async def schedule_inspection(self, body: act.ScheduleInspection, action: act.StaffAction) -> None:
        self.state.inspection_scheduled_for = body.scheduled_for
        await self._record(
            "inspection_scheduled", f"Inspection scheduled for {body.scheduled_for:%Y-%m-%d %H:%M}", action
        )

    @staff_action("record_inspection")
    async def record_inspection(self, body: act.RecordInspection, action: act.StaffAction) -> None:
        state = self.state
        late = late_entry_note(body.inspected_at, workflow.now())
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

    @staff_action("record_reinspection")
    async def record_reinspection(self, body: act.RecordReinspection, action: act.StaffAction) -> None:
        state = self.state
        late = late_entry_note(body.inspected_at, workflow.now())
        data = {"checklist": body.checklist, "evidence": body.evidence, "findings": body.findings}
        state.reinspections += 1
        fee, billed = await self._bill_reinspection(body.complied)
        if body.complied:
            await self._propose_closure(compliance_outcome(state))
            await self._record("reinspection_complied", f"Reinspection: complied{late}. {body.findings}", action, data)
        elif state.stage is S.AWAITING_COMPLIANCE:
            state.observed = self._observed(body)
            await self._record(
                "reinspection_not_yet",
                f"Reinspection before the deadline: not yet complied{late}; the deadline {self._deadline_day()} "
                f"stands{billed}",
                action,
                data,
                entries=fee,
            )
        else:
            state.observed = self._observed(body)
            await self._record(
                "reinspection_not_complied",
                f"Reinspection: not complied{late}{billed}. {body.findings}",
                action,
                data,
                entries=fee,
            )
            await self._escalate()

    async def _bill_reinspection(self, complied: bool) -> tuple[list[LedgerEntry], str]:
        """The fee this reinspection bills, if the policy bills it (`reinspection_fee`): on the account with the
        reinspection's own timeline line (its key makes the ledger write idempotent), due on the payment terms, and
        told to the owner on their next letter. Returns the ledger entries and the timeline's words."""
        state = self.state
        if not patched(REINSPECTION_FEES):
            return [], ""
        amount = reinspection_fee(state.policy, state.reinspections, complied)
        if amount is None:
            return [], ""
        now = workflow.now()
        due = await self._deadline(now, state.policy.process.payment_terms_days, False)
        state.fees.append(FeeRecord(reinspection=state.reinspections, amount=amount, billed_at=now, due_at=due))
        entry = MoneyEntry(
            entry_type="reinspection_fee",
            amount=amount,
            description=f"reinspection fee (reinspection {state.reinspections})",
            due_at=due,
        )
        return [entry], f"; reinspection fee of ${amount} billed"

    async def _owner_reported_compliance(self, event: act.OwnerReportedCompliance) -> None:
        state = self.state
        report = OwnerReport(note=event.note, evidence=event.evidence, stage=state.stage)
        if report == state.owner_report and patched(OWNER_REPORT_NOTED_ONCE):
            return  # the same report again, and the case still where the last one left it: nothing changed
        if state.stage is S.AWAITING_COMPLIANCE:
            # The owner says it is fixed: the reinspection comes forward instead of waiting for the deadline.
            await self._set_step("record_reinspection", "officer", state.policy.process.reinspection_lead_business_days)
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
        state.owner_report = report.model_copy(update={"stage": state.stage})

    def _observed(self, body: act.RecordInspection | act.RecordReinspection) -> Observation:
        """What an inspection that found the violation saw, for the owner's letters that follow it."""
        return Observation.of(body.checklist, body.findings, body.inspected_at or workflow.now())
