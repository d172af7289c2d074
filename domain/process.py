"""The rules of the case process: which action the case waits on, which actions are allowed now, and why not.

Pure functions of the case state, so the workflow's validators, the API and the tests all ask the same rules.
A refusal is a sentence for the person who tried: which rule refused, and what would be allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from domain.access import CASE_ACTIONS
from domain.actions import Actor
from domain.case import CaseState, FineRecord
from domain.messages import ReminderOf
from domain.policy import EscalationStep
from domain.stages import CaseStage, Outcome, ServiceMethod

S = CaseStage

# Where each staff action makes sense; finer rules follow in `refusal`.
ACTION_STAGES: dict[str, frozenset[CaseStage]] = {
    "schedule_inspection": frozenset({S.INVESTIGATING, S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE}),
    "record_inspection": frozenset({S.INVESTIGATING}),
    "issue_notice": frozenset({S.VIOLATION_FOUND, S.ESCALATION_DUE}),
    "record_service": frozenset({S.NOTICE_ISSUED}),
    "grant_extension": frozenset({S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE}),
    "deny_extension": frozenset({S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE}),
    "record_reinspection": frozenset({S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE}),
    "issue_fine": frozenset({S.ESCALATION_DUE}),
    "schedule_hearing": frozenset({S.ESCALATION_DUE, S.HEARING}),
    "record_decision": frozenset({S.HEARING}),
    "order_remediation": frozenset({S.ESCALATION_DUE}),
    "record_remediation_cost": frozenset({S.REMEDIATION}),
    "file_lien": frozenset({S.ESCALATION_DUE}),
    "refer_prosecution": frozenset({S.ESCALATION_DUE}),
    "record_payment": frozenset(set(S) - {S.RECEIVED, S.CLOSED}),
    "reassign": frozenset(set(S) - {S.CLOSED}),
    "add_note": frozenset(set(S) - {S.CLOSED}),
    "close": frozenset(set(S) - {S.RECEIVED, S.CLOSED}),
}

ESCALATION_ACTIONS = {
    EscalationStep.FINE: ("issue_fine", "officer"),
    EscalationStep.HEARING: ("schedule_hearing", "hearing_officer"),
    EscalationStep.REMEDIATION: ("order_remediation", "supervisor"),
    EscalationStep.LIEN: ("file_lien", "finance"),
    EscalationStep.PROSECUTION: ("refer_prosecution", "supervisor"),
}

CLOSE_ANYTIME = frozenset({Outcome.DISMISSED, Outcome.WITHDRAWN, Outcome.MERGED_DUPLICATE})


Rule = Callable[[CaseState, Any, Actor, datetime], str | None]


def local_day(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d}"


def next_escalation(state: CaseState) -> EscalationStep | None:
    """The ladder's next rung after a failed reinspection; None once the ladder is spent (a supervisor decides)."""
    ladder = state.policy.violation.escalation
    return ladder[state.escalations_taken] if state.escalations_taken < len(ladder) else None


def next_notice(state: CaseState) -> str | None:
    """Notices come first: a courtesy notice, then the order, before any fine (the policy's notice path)."""
    path = state.policy.violation.notice_path
    return path[state.notices_issued] if state.notices_issued < len(path) else None


def next_service_method(state: CaseState) -> ServiceMethod | None:
    """The policy's first service method not yet tried and failed for the current notice (e-mail only where the
    owner has an address on the roll); None when every method has failed and staff must find another way."""
    notice = state.current_notice
    if notice is None:
        return None
    has_email = bool(state.parcel and state.parcel.owner_email)
    for method in state.policy.process.service_methods:
        if not notice.failed_by(method) and (method is not ServiceMethod.EMAIL or has_email):
            return method
    return None


class DueReminder(NamedTuple):
    """A reminder to the owner, `at` the policy's offset before `deadline`; `key` makes it once only."""

    at: datetime
    key: str
    deadline: datetime
    of: ReminderOf
    detail: str


def unpaid_fines(state: CaseState) -> list[FineRecord]:
    """Fines not yet covered by payments, which settle the oldest fine first."""
    paid = sum((p.amount for p in state.payments), Decimal(0))
    unpaid, owed = [], Decimal(0)
    for fine in state.fines:
        owed += fine.amount
        if owed > paid:
            unpaid.append(fine)
    return unpaid


def owner_reminders_pending(state: CaseState, *, every_deadline: bool) -> list[DueReminder]:
    """The owner's reminders not yet sent: the policy's offsets before the compliance deadline and, with
    `every_deadline` (cases started after that change), before each unpaid fine's due date and the hearing.
    A reminder that would have fallen before its deadline was set is skipped, not sent late."""
    faced: list[tuple[datetime, datetime, str, ReminderOf, str]] = []  # deadline, set at, key, of, detail
    if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline and state.deadline_set_at:
        deadline = state.compliance_deadline
        faced.append((deadline, state.deadline_set_at, deadline.isoformat(), ReminderOf.COMPLIANCE, ""))
    if every_deadline and state.stage is not S.CLOSED:
        for fine in unpaid_fines(state):
            if not fine.overdue_flagged:
                detail = f"fine {fine.seq} of ${fine.amount}"
                faced.append((fine.due_at, fine.issued_at, f"fine-{fine.seq}", ReminderOf.FINE_PAYMENT, detail))
        hearing = state.hearing
        if hearing and hearing.scheduled_for and hearing.scheduled_at:
            at = hearing.scheduled_for
            place = hearing.location or ""
            faced.append((at, hearing.scheduled_at, f"hearing-{at.isoformat()}", ReminderOf.HEARING, place))
    pending = []
    for deadline, set_at, name, of, detail in faced:
        for days in state.policy.process.reminder_offsets_days:
            at = deadline - timedelta(days=days)
            key = f"{name}-{days}"
            if at > set_at and key not in state.reminders_sent:
                pending.append(DueReminder(at, key, deadline, of, detail))
    return pending


def compliance_outcome(state: CaseState) -> Outcome:
    """Compliance after an order, a fine or a hearing is order compliance; after a courtesy notice, voluntary."""
    ordered = any(state.policy.notice(n.notice_type).order for n in state.notices)
    return Outcome.ORDER_COMPLIANCE if ordered or state.fines or state.hearings_held else Outcome.VOLUNTARY_COMPLIANCE


def appeal_refusal(state: CaseState, now: datetime) -> str | None:
    notice = state.current_notice
    if state.stage in (S.CLOSED, S.CLOSURE_REVIEW):
        return "the case is closed or closing; there is nothing left to appeal"
    if state.hearing is not None:
        return "an appeal or hearing for this case is already under way"
    if notice is None or notice.served_at is None:
        return "no notice has been served yet; the appeal window opens at service"
    kind = state.policy.notice(notice.notice_type)
    # A served courtesy notice has no appeal deadline because it cannot be appealed: say that, not "not served".
    if not kind.appealable or notice.appeal_deadline is None:
        return f"the {kind.title} cannot be appealed{'; ' + kind.appeal_to if kind.appeal_to else ''}"
    if now > notice.appeal_deadline:
        return f"the appeal window closed on {local_day(notice.appeal_deadline)}"
    return None


def refusal(action: str, state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    """Why `action` is not allowed now, or None when it is."""
    roles = CASE_ACTIONS[action]
    if actor.role not in roles:
        if action == "close":
            return "closing a case needs a supervisor's review"
        return f"{action} needs the role {' or '.join(sorted(roles))}; {actor.username} is {actor.role.value}"
    stages = ACTION_STAGES[action]
    if state.stage not in stages:
        allowed = ", ".join(sorted(f"'{s.label}'" for s in stages))
        return f"{action} is not possible while the case is at '{state.stage.label}'; it is possible at {allowed}"
    check = _RULES.get(action)
    return check(state, body, actor, now) if check else None


def _step_is(wanted: EscalationStep, action: str) -> Rule:
    def rule(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
        if state.stage is not S.ESCALATION_DUE:
            return None
        pending = next_notice(state)
        if pending is not None:
            return f"the policy's next step is the {state.policy.notice(pending).title} (issue_notice), not {action}"
        step = next_escalation(state)
        if step is not wanted:
            expected = ESCALATION_ACTIONS[step][0] if step else "a supervisor's decision (refer_prosecution or close)"
            return f"the policy's next escalation step is {expected}, not {action}"
        return None

    return rule


def _issue_notice(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    expected = next_notice(state)
    if expected is None:
        return "every notice on this violation type's path has been issued; the next step is escalation"
    requested = getattr(body, "notice_type", None)
    if requested and requested != expected:
        path = " → ".join(state.policy.violation.notice_path)
        return f"the next notice on the path ({path}) is {expected}, not {requested}"
    return None


def _record_inspection(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return _inspection_rules(state, body, now)


def _inspection_rules(state: CaseState, body: object, now: datetime) -> str | None:
    checklist = getattr(body, "checklist", {}) or {}
    unknown = [item for item in checklist if item not in state.policy.violation.checklist]
    if unknown:
        return f"checklist item {unknown[0]!r} is not on the {state.policy.violation.title} checklist"
    inspected_at = getattr(body, "inspected_at", None)
    if inspected_at is not None and inspected_at > now:
        return "an inspection cannot be recorded for a time in the future"
    if inspected_at is not None and inspected_at < state.opened_at:
        return f"the inspection cannot predate the complaint ({local_day(state.opened_at)})"
    return None


def _record_reinspection(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return _inspection_rules(state, body, now)


def _record_service(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    served_at = getattr(body, "served_at", None)
    notice = state.current_notice
    method = getattr(body, "method", None)
    if method is ServiceMethod.EMAIL and not (state.parcel and state.parcel.owner_email):
        return "the owner has no e-mail address on the assessment roll; serve by personal delivery, mail or posting"
    failed = next((f for f in notice.failed_services if f.method is method), None) if notice else None
    if failed is not None:
        then = state.current_notice.awaiting_service_by if state.current_notice else None
        instead = f"serve it by {then.value} as the policy says next" if then else "serve it another way"
        return f"service of this notice by {method} already failed ({failed.reason}); {instead}"
    if served_at is not None and served_at > now:
        return "service cannot be recorded for a time in the future"
    needs_number = state.policy.process.mail_number_required
    if method is ServiceMethod.MAIL and needs_number and not getattr(body, "tracking_number", None):
        return (
            "the policy serves notices by certified or registered mail: enter the mail number from the envelope's "
            "label (tracking_number)"
        )
    if method is ServiceMethod.POSTING and getattr(body, "evidence_id", None) is None:
        return (
            "a notice posted at the property is recorded with its photo: upload the photo as evidence of the "
            "case (source posting) and give its evidence_id"
        )
    if served_at is not None and notice is not None and served_at < notice.issued_at:
        return f"a notice cannot be served before it was issued ({local_day(notice.issued_at)})"
    return None


def _grant_extension(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    days = getattr(body, "days", 0)
    limit = state.policy.process.max_extension_days
    if days > limit:
        return f"an extension adds at most {limit} days under the policy; {days} were asked"
    return None


def _deny_extension(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return None if state.extension_request else "there is no extension request to deny"


def _issue_fine(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    refused = _step_is(EscalationStep.FINE, "issue_fine")(state, body, actor, now)
    amount = getattr(body, "amount", None)
    ceiling = state.policy.process.max_fine
    if refused is None and amount is not None and amount > ceiling:
        return f"a fine may not exceed ${ceiling} under the policy"
    return refused


def _schedule_hearing(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    hearing_at = getattr(body, "hearing_at", now)
    if hearing_at <= now:
        return "a hearing must be scheduled for a time in the future"
    if state.stage is S.HEARING:
        return None
    return _step_is(EscalationStep.HEARING, "schedule_hearing")(state, body, actor, now)


def _record_decision(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    hearing = state.hearing
    if hearing is None or hearing.scheduled_for is None:
        return "the hearing has not been scheduled yet (schedule_hearing)"
    if now < hearing.scheduled_for:
        return f"the hearing is on {local_day(hearing.scheduled_for)}; a decision can be recorded after it is held"
    return None


def _file_lien(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    refused = _step_is(EscalationStep.LIEN, "file_lien")(state, body, actor, now)
    if refused is None and state.balance <= 0:
        return "there is no unpaid balance to record as a lien"
    return refused


def _refer_prosecution(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    if next_escalation(state) is None and next_notice(state) is None:
        return None  # the ladder is spent: a supervisor may refer
    return _step_is(EscalationStep.PROSECUTION, "refer_prosecution")(state, body, actor, now)


def _record_payment(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    amount = getattr(body, "amount", 0)
    if state.balance <= 0:
        return "the case has no balance to pay"
    if amount > state.balance:
        return f"the payment (${amount}) is more than the balance (${state.balance})"
    return None


def closing_outcomes(state: CaseState) -> frozenset[Outcome]:
    """The outcomes a case may be closed with at its stage (the console offers exactly these)."""
    allowed = set(CLOSE_ANYTIME)
    if state.stage is S.CLOSURE_REVIEW and state.proposed_outcome:
        allowed.add(state.proposed_outcome)
    if state.stage is S.PROSECUTION:
        allowed |= {Outcome.PROSECUTED, Outcome.ORDER_COMPLIANCE}
    return frozenset(allowed)


def offered_actions(state: CaseState, actor: Actor, now: datetime) -> list[str]:
    """The actions worth offering `actor` now: role, stage and every rule that does not depend on what the form
    will say. What the form says (amounts, dates, outcomes) is judged by `refusal` when it is sent."""
    unfilled: dict[str, object] = {
        "schedule_hearing": _Unfilled(hearing_at=datetime.max.replace(tzinfo=now.tzinfo)),
        "close": _Unfilled(outcome=next(iter(closing_outcomes(state)))),
    }
    return [
        action
        for action in CASE_ACTIONS
        if refusal(action, state, unfilled.get(action, _Unfilled()), actor, now) is None
    ]


class _Unfilled:
    """A form not yet filled in: only the fields a rule cannot do without."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def _close(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    outcome = getattr(body, "outcome", None)
    allowed = closing_outcomes(state)
    if outcome not in allowed:
        names = ", ".join(sorted(o.value for o in allowed))
        return f"a case at '{state.stage.label}' can be closed as {names}, not {outcome}"
    return None


_RULES: dict[str, Rule] = {
    "issue_notice": _issue_notice,
    "record_inspection": _record_inspection,
    "record_reinspection": _record_reinspection,
    "record_service": _record_service,
    "grant_extension": _grant_extension,
    "deny_extension": _deny_extension,
    "issue_fine": _issue_fine,
    "schedule_hearing": _schedule_hearing,
    "record_decision": _record_decision,
    "order_remediation": _step_is(EscalationStep.REMEDIATION, "order_remediation"),
    "file_lien": _file_lien,
    "refer_prosecution": _refer_prosecution,
    "record_payment": _record_payment,
    "close": _close,
}


# Every move a case can make: (from stage, trigger, to stage). A trigger is a staff action (update), an
# event from outside (signal) or a timer. The BPMN in bpmn_docs/ is drawn from this table and a test
# keeps the two equal; the path tests check that every move the workflow makes is in it.
TIMERS = ("triage", "compliance_deadline", "payment_due")
SIGNALS = ("owner_reported_compliance", "appeal_filed", "payment_received", "delivery_failed")
_OPEN = tuple(s for s in S if s is not S.CLOSED)
TRANSITIONS: frozenset[tuple[CaseStage, str, CaseStage]] = frozenset(
    {
        (S.RECEIVED, "triage", S.INVESTIGATING),
        (S.INVESTIGATING, "record_inspection", S.VIOLATION_FOUND),
        (S.INVESTIGATING, "record_inspection", S.CLOSURE_REVIEW),
        (S.VIOLATION_FOUND, "issue_notice", S.NOTICE_ISSUED),
        (S.NOTICE_ISSUED, "record_service", S.AWAITING_COMPLIANCE),
        # A service that did not reach the owner (a bounce reported later) is undone: the notice waits for the next method.
        (S.AWAITING_COMPLIANCE, "delivery_failed", S.NOTICE_ISSUED),
        (S.REINSPECTION_DUE, "delivery_failed", S.NOTICE_ISSUED),
        (S.AWAITING_COMPLIANCE, "compliance_deadline", S.REINSPECTION_DUE),
        (S.AWAITING_COMPLIANCE, "owner_reported_compliance", S.REINSPECTION_DUE),
        (S.AWAITING_COMPLIANCE, "grant_extension", S.AWAITING_COMPLIANCE),
        (S.REINSPECTION_DUE, "grant_extension", S.AWAITING_COMPLIANCE),
        (S.AWAITING_COMPLIANCE, "record_reinspection", S.AWAITING_COMPLIANCE),
        (S.AWAITING_COMPLIANCE, "record_reinspection", S.CLOSURE_REVIEW),
        (S.REINSPECTION_DUE, "record_reinspection", S.CLOSURE_REVIEW),
        (S.REINSPECTION_DUE, "record_reinspection", S.ESCALATION_DUE),
        (S.ESCALATION_DUE, "issue_notice", S.NOTICE_ISSUED),
        (S.ESCALATION_DUE, "issue_fine", S.AWAITING_COMPLIANCE),
        (S.ESCALATION_DUE, "schedule_hearing", S.HEARING),
        (S.ESCALATION_DUE, "order_remediation", S.REMEDIATION),
        (S.ESCALATION_DUE, "file_lien", S.ESCALATION_DUE),
        (S.ESCALATION_DUE, "file_lien", S.CLOSURE_REVIEW),
        (S.ESCALATION_DUE, "refer_prosecution", S.PROSECUTION),
        (S.AWAITING_COMPLIANCE, "appeal_filed", S.HEARING),
        (S.REINSPECTION_DUE, "appeal_filed", S.HEARING),
        (S.ESCALATION_DUE, "appeal_filed", S.HEARING),
        (S.HEARING, "record_decision", S.AWAITING_COMPLIANCE),
        (S.HEARING, "record_decision", S.CLOSED),
        (S.REMEDIATION, "record_remediation_cost", S.COST_RECOVERY),
        (S.COST_RECOVERY, "record_payment", S.CLOSURE_REVIEW),
        (S.COST_RECOVERY, "payment_received", S.CLOSURE_REVIEW),
        (S.COST_RECOVERY, "payment_due", S.ESCALATION_DUE),
        (S.COST_RECOVERY, "payment_due", S.CLOSURE_REVIEW),
        *((stage, "close", S.CLOSED) for stage in _OPEN if stage is not S.RECEIVED),
    }
)
