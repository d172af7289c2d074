"""What a case waits for now, who must act and by when, and the one action that moves it on: the case page's
"next step". Read from the workflow's snapshot, so the page leads where the workflow goes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from domain.case import CaseSnapshot
from domain.stages import CaseStage


@dataclass(frozen=True)
class NextStep:
    waits_for: str
    who: str  # a role, "owner", or "nobody" when the case wakes on its own
    by: datetime | None
    action: str | None  # the staff action the workflow expects, when staff act next


def next_step(snapshot: CaseSnapshot) -> NextStep | None:
    state = snapshot.state
    step = snapshot.waiting_on
    if state.stage is CaseStage.CLOSED:
        return None
    if step is not None:
        return NextStep(step.description, step.role, step.due_at, step.action)
    if state.stage is CaseStage.AWAITING_COMPLIANCE:
        return NextStep("the owner to put it right; the reinspection follows", "owner", state.compliance_deadline, None)
    if state.stage is CaseStage.COST_RECOVERY:
        return NextStep("the owner to pay the balance", "owner", state.payment_due_at, None)
    return NextStep("its next date; it moves on by itself", "nobody", snapshot.sleeping_until, None)


def primary_action(step: NextStep | None, offered: Collection[str]) -> str | None:
    """The one action to put first: the one the workflow waits on, if this reader may take it now. Nothing else
    is put first: while the owner has time to comply, a reinspection is possible but not what the case waits on."""
    if step is None or step.action is None or step.action not in offered:
        return None
    return step.action
