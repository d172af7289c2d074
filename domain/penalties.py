"""Administrative monetary penalties (Ontario, Municipal Act s.102.1 and O. Reg. 333/07): a penalty notice is
disputed in two steps, each asked for within its time limit: a screening review by a screening officer, within the
penalty's own window (its notice's `appeal_window_days`), then a hearing officer's review of the screening decision,
within `hearing_review_request_days` of it. Each decision upholds the penalty, reduces it or cancels it; the
hearing officer's is final. A penalty under review is not chased for payment; after a decision it is due again on
the policy's payment terms.

Selected per violation type by `fine_procedure` (domain/policy.py); the rules here are asked by the staff actions'
declarations (domain/staff_actions.py) and the workflow (workflows/case/penalties.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.stages import Decision


class ReviewStep(StrEnum):
    SCREENING = "screening"
    HEARING = "hearing"


REVIEW_TITLES = {ReviewStep.SCREENING: "screening review", ReviewStep.HEARING: "hearing review"}
REVIEW_DECISION_WORDS = {Decision.UPHELD: "affirmed", Decision.MODIFIED: "reduced", Decision.DISMISSED: "cancelled"}


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: ReviewStep
    requested_at: datetime
    grounds: str
    decision: Decision | None = None
    decided_at: datetime | None = None
    reason: str = ""
    # After a screening decision that leaves something to pay: the last day to ask for the hearing review.
    hearing_review_by: datetime | None = None


class PenaltyDispute(BaseModel):
    """A penalty's reviews, the screening review first; the last one is the one under way or last decided."""

    model_config = ConfigDict(extra="forbid")

    reviews: list[Review]

    @property
    def pending(self) -> bool:
        return self.reviews[-1].decision is None

    @property
    def last(self) -> Review:
        return self.reviews[-1]


def review_request_refusal(
    penalty_notices: bool,
    number: int,
    amount: Decimal | None,
    window: datetime | None,
    dispute: PenaltyDispute | None,
    step: ReviewStep,
    now: datetime,
) -> str | None:
    """Why review `step` of penalty `number` cannot be asked for now; None when it can. `amount` is None when the
    case has no such penalty, `window` the penalty's screening window (None before its notice is served)."""
    if not penalty_notices:
        return "this violation type's fines are not penalty notices under the policy; a fine is appealed (appeal_filed)"
    if amount is None:
        return f"there is no penalty {number} on this case"
    if step is ReviewStep.SCREENING:
        if dispute is not None:
            return f"penalty {number} has already had its screening review"
        if window is None:
            return f"penalty {number}'s notice has not been served; the screening review window opens at service"
        if now > window:
            return f"the time to request a screening review of penalty {number} ended on {window:%Y-%m-%d}"
        return None
    if dispute is None or dispute.last.step is not ReviewStep.SCREENING or dispute.pending:
        done = dispute is not None and dispute.last.step is ReviewStep.HEARING
        if done:
            return f"penalty {number} has had its hearing review; the hearing officer's decision is final"
        return f"a hearing review follows a screening decision; penalty {number} has none yet"
    screened = dispute.last
    if screened.decision is Decision.DISMISSED:
        return f"the screening review cancelled penalty {number}; there is nothing left to review"
    if screened.hearing_review_by is not None and now > screened.hearing_review_by:
        return (
            f"the time to request a hearing review of penalty {number} ended on {screened.hearing_review_by:%Y-%m-%d} "
            "(the policy's hearing_review_request_days after the screening decision)"
        )
    return None


def review_decision_refusal(
    number: int,
    amount: Decimal | None,
    dispute: PenaltyDispute | None,
    step: ReviewStep,
    decision: Decision | None,
    reduced_to: Decimal | None,
) -> str | None:
    """Why a decision of review `step` on penalty `number` cannot be recorded; None when it can."""
    title = REVIEW_TITLES[step]
    if amount is None:
        return f"there is no penalty {number} on this case"
    if dispute is None or dispute.last.step is not step or not dispute.pending:
        ask = "request_screening_review" if step is ReviewStep.SCREENING else "request_hearing_review"
        return f"no {title} of penalty {number} is waiting for a decision ({ask} first)"
    if decision is Decision.MODIFIED:
        if reduced_to is None:
            return f"a decision that reduces penalty {number} names the amount it is reduced to (reduced_to)"
        if reduced_to >= amount:
            return f"reduced_to must be less than penalty {number}'s ${amount}; to keep it, uphold it"
    elif reduced_to is not None:
        return "reduced_to goes with a decision that reduces the penalty (modified)"
    return None
