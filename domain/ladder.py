"""The escalation ladder: after a failed reinspection, the notices on the path come first, then the policy's rungs
(fines, a hearing, abatement by the city, a lien, prosecution), each taken once, in order.

Pure rules of the case state, so the workflow, the staff-action rules and the tests all climb the same ladder.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from domain.case import CaseState, FineRecord
from domain.policy import CasePolicy, EscalationStep
from domain.stages import CaseStage, Decision

S = CaseStage

# Each rung is taken by one staff action; the role named is the one the case waits on for it.
ESCALATION_ACTIONS = {
    EscalationStep.FINE: ("issue_fine", "officer"),
    EscalationStep.HEARING: ("schedule_hearing", "hearing_officer"),
    EscalationStep.REMEDIATION: ("order_remediation", "supervisor"),
    EscalationStep.LIEN: ("file_lien", "finance"),
    EscalationStep.PROSECUTION: ("refer_prosecution", "supervisor"),
}


def next_escalation(state: CaseState) -> EscalationStep | None:
    """The ladder's next rung after a failed reinspection; None once the ladder is spent (a supervisor decides)."""
    ladder = state.policy.violation.escalation
    return ladder[state.escalations_taken] if state.escalations_taken < len(ladder) else None


def next_notice(state: CaseState) -> str | None:
    """Notices come first: a courtesy notice, then the order, before any fine (the policy's notice path)."""
    path = state.policy.violation.notice_path
    return path[state.notices_issued] if state.notices_issued < len(path) else None


def climbs_ladder(action: str, state: CaseState) -> bool:
    """Whether `action` takes the ladder's next rung now: the case is due for escalation, no notice on the path
    comes first, and this is the rung's action. A hearing held on appeal or a referral once the ladder is spent
    is not a rung."""
    if state.stage is not S.ESCALATION_DUE or next_notice(state) is not None:
        return False
    step = next_escalation(state)
    return step is not None and ESCALATION_ACTIONS[step][0] == action


def fine_amount(state: CaseState, requested: Decimal | None = None) -> Decimal:
    """What the next fine costs: the amount staff set (the rules cap it at the policy's maximum), else the
    violation's ladder for the fines already levied ($100 / $200 / $500, and the last rung again after)."""
    return requested if requested is not None else state.policy.violation.fine_amount(len(state.fines))


class NextStep(NamedTuple):
    """The step a case waits on after non-compliance: which action, by whom, in the timeline's words."""

    action: str
    role: str
    description: str


def step_after_noncompliance(state: CaseState) -> NextStep:
    """Not complied: the next notice on the path, else the ladder's next rung, else a supervisor decides."""
    notice = next_notice(state)
    step = next_escalation(state)
    if notice is not None:
        return NextStep("issue_notice", "officer", f"issue the {state.policy.notice(notice).title}")
    if step is not None:
        action, role = ESCALATION_ACTIONS[step]
        return NextStep(action, role, action.replace("_", " "))
    return NextStep("refer_prosecution", "supervisor", "decide: refer for prosecution or close")


class AfterPaymentTerm(StrEnum):
    """What follows when the abatement bill's payment term ends."""

    PAID = "paid"  # nothing owed: ready to close
    LIEN = "lien"  # the ladder's next rung is a lien and the balance reaches the threshold
    BELOW_THRESHOLD = "below_threshold"  # owed, but no lien: a supervisor decides at closure review


def after_payment_term(state: CaseState) -> AfterPaymentTerm:
    """A lien goes on the tax roll only where the ladder has one next and the unpaid balance reaches the policy's
    threshold (a city does not record a lien for a few dollars)."""
    if state.balance <= 0:
        return AfterPaymentTerm.PAID
    if next_escalation(state) is EscalationStep.LIEN and state.balance >= state.policy.process.lien_threshold:
        return AfterPaymentTerm.LIEN
    return AfterPaymentTerm.BELOW_THRESHOLD


def appealed_fine(state: CaseState) -> FineRecord | None:
    """The fine the hearing under way is about; None when it is about the notice."""
    seq = state.hearing.fine_seq if state.hearing else None
    return next((f for f in state.fines if f.seq == seq), None) if seq is not None else None


def fine_decision_refusal(state: CaseState, decision: Decision | None, amount: Decimal | None) -> str | None:
    """A decision on an appealed fine upholds it, reduces it (to a lower amount, which it must name) or cancels it
    (dismissed); an amount belongs only to a decision that reduces a fine."""
    fine = appealed_fine(state)
    if fine is None:
        return (
            "fine_amount is for a decision that reduces an appealed fine; this hearing is on the notice"
            if amount
            else None
        )
    if decision is Decision.MODIFIED:
        if amount is None:
            return f"a decision that reduces fine {fine.seq} names the amount it is reduced to (fine_amount)"
        if amount >= fine.amount:
            return f"fine_amount must be less than fine {fine.seq}'s ${fine.amount}; to keep it, uphold the fine"
    elif amount is not None:
        return "fine_amount goes with a decision that reduces the fine (modified)"
    return None


FINE_DECISION_WORDS = {Decision.UPHELD: "upheld", Decision.MODIFIED: "reduced", Decision.DISMISSED: "cancelled"}


def fine_after_decision(fine: FineRecord, decision: Decision, amount: Decimal | None) -> Decimal:
    """What an appealed fine is after the hearing: as it was (upheld), reduced (modified), or nothing (dismissed)."""
    if decision is Decision.DISMISSED:
        return Decimal(0)
    if decision is Decision.MODIFIED and amount is not None:
        return amount
    return fine.amount


def reinspection_fee(policy: CasePolicy, reinspection: int, complied: bool) -> Decimal | None:
    """The fee a reinspection bills: the policy's, for a reinspection from the configured one on that finds the
    violation not corrected (a visit that confirms the work is done costs the owner nothing); None when none."""
    process = policy.process
    if complied or reinspection < process.reinspection_fee_from or process.reinspection_fee <= 0:
        return None
    return process.reinspection_fee
