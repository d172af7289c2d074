"""Penalty notices' two-step dispute (domain/penalties.py): the owner's request for a screening review, the
screening officer's decision, the request for a hearing review of it within the policy's days, and the hearing
officer's final decision. A reduction or cancellation is a negative `fine_adjustment` line, as an appeal's is; a
penalty under review is not chased for payment, and after a decision it is due on the policy's payment terms.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import actions as act
    from domain.case import FineRecord
    from domain.penalties import REVIEW_DECISION_WORDS, REVIEW_TITLES, PenaltyDispute, Review, ReviewStep
    from domain.process import local_day
    from domain.stages import Decision
    from workflows.case.court import Court
    from workflows.case.run import staff_action


class Penalties(Court):
    @staff_action("request_screening_review")
    async def request_screening_review(self, body: act.RequestPenaltyReview, action: act.StaffAction) -> None:
        await self._request_review(body, ReviewStep.SCREENING, action)

    @staff_action("record_screening_decision")
    async def record_screening_decision(self, body: act.RecordReviewDecision, action: act.StaffAction) -> None:
        await self._decide_review(body, ReviewStep.SCREENING, action)

    @staff_action("request_hearing_review")
    async def request_hearing_review(self, body: act.RequestPenaltyReview, action: act.StaffAction) -> None:
        await self._request_review(body, ReviewStep.HEARING, action)

    @staff_action("record_hearing_review_decision")
    async def record_hearing_review_decision(self, body: act.RecordReviewDecision, action: act.StaffAction) -> None:
        await self._decide_review(body, ReviewStep.HEARING, action)

    async def _request_review(self, body: act.RequestPenaltyReview, step: ReviewStep, action: act.StaffAction) -> None:
        penalty = self._penalty(body.penalty)
        review = Review(step=step, requested_at=workflow.now(), grounds=body.grounds)
        if penalty.dispute is None:
            penalty.dispute = PenaltyDispute(reviews=[review])
        else:
            penalty.dispute.reviews.append(review)
        await self._record(
            f"{step.value}_review_requested",
            f"{REVIEW_TITLES[step].capitalize()} of penalty {penalty.seq} (${penalty.amount}) requested; "
            f"payment waits for its decision. Grounds: {body.grounds}",
            action,
        )

    async def _decide_review(self, body: act.RecordReviewDecision, step: ReviewStep, action: act.StaffAction) -> None:
        state = self.state
        penalty = self._penalty(body.penalty)
        assert penalty.dispute is not None  # the rule refuses a decision nobody asked for
        review = penalty.dispute.last
        now = workflow.now()
        review.decision, review.decided_at, review.reason = body.decision, now, body.reason
        entries, _decided = self._decide_fine(penalty, body.decision, body.reduced_to, f"by the {REVIEW_TITLES[step]}")
        then = ""
        if penalty.amount > 0:
            penalty.due_at = await self._deadline(now, state.policy.process.payment_terms_days, False)
            penalty.overdue_flagged = False
            then = f"; ${penalty.amount} due by {local_day(penalty.due_at)}"
        if step is ReviewStep.SCREENING and body.decision is not Decision.DISMISSED:
            days = state.policy.process.hearing_review_request_days
            review.hearing_review_by = await self._deadline(now, days, False)
            then += f"; a hearing review may be requested by {local_day(review.hearing_review_by)}"
        final = " (final)" if step is ReviewStep.HEARING else ""
        await self._record(
            f"{step.value}_review_decided",
            f"{REVIEW_TITLES[step].capitalize()} of penalty {penalty.seq}: {REVIEW_DECISION_WORDS[body.decision]}"
            f"{final}{then}. {body.reason}",
            action,
            entries=entries,
        )

    def _penalty(self, number: int) -> FineRecord:
        return next(f for f in self.state.fines if f.seq == number)
