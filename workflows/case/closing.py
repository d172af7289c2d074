"""How a case ends: it is proposed for closure with an outcome and waits for a supervisor's review (audits found
cases closed unreviewed), then closes, cancelling any hearing or abatement still open, telling the people who
reported it and writing to an owner who was served a notice."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import actions as act
    from domain.messages import ComplainantNews
    from domain.notices import LetterKind
    from domain.stages import CaseStage, Outcome
    from workflows.case.outbound import Outbound
    from workflows.case.run import staff_action

S = CaseStage


class Closing(Outbound):
    @staff_action("close")
    async def close(self, body: act.Close, action: act.StaffAction) -> None:
        await self._close(body.outcome, f"Closed: {body.outcome.value}. {body.reason}", action)

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
