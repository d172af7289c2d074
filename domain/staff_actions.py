"""Every staff action a case accepts, declared once: its name (the workflow update's), the body staff send, the
roles that may take it, the stages where it makes sense and the rule that refuses it otherwise.

The workflow's validators, the JSON API, the console's offered actions and the BPMN generator all read
`STAFF_ACTIONS`: adding an action is one entry here and one handler in `workflows/case/`. A refusal is a
sentence for the person who tried: which rule refused, and what would be allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain import actions as act
from domain.access import STAFF, Role
from domain.actions import Actor
from domain.case import CaseState
from domain.court import (
    TicketChoice,
    closing_refusal,
    court_date_refusal,
    filing_refusal,
    outcome_refusal,
    ticket_refusal,
)
from domain.ladder import ESCALATION_ACTIONS, fine_decision_refusal, next_escalation, next_notice
from domain.penalties import ReviewStep, review_decision_refusal, review_request_refusal
from domain.policy import EscalationStep, FineProcedure
from domain.process import closing_outcomes, local_day
from domain.stages import CaseStage, Outcome, ServiceMethod

S = CaseStage
Rule = Callable[[CaseState, Any, Actor, datetime], str | None]


@dataclass(frozen=True)
class StaffActionKind:
    name: str
    body: type[BaseModel]
    roles: frozenset[Role]
    stages: frozenset[CaseStage]
    rule: Rule | None = None
    # The body names an officer (by badge) whom the API looks up and passes along; refused when none is found.
    names_officer: bool = False


# --- The rules that refuse an action at a stage where it would otherwise be allowed --------------------------


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


def _inspection(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
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
    return fine_decision_refusal(state, getattr(body, "decision", None), getattr(body, "fine_amount", None))


def _file_lien(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    refused = _step_is(EscalationStep.LIEN, "file_lien")(state, body, actor, now)
    if refused is None and state.balance <= 0:
        return "there is no unpaid balance to record as a lien"
    return refused


def _refer_prosecution(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    if next_escalation(state) is None and next_notice(state) is None:
        return None  # the ladder is spent: a supervisor may refer
    return _step_is(EscalationStep.PROSECUTION, "refer_prosecution")(state, body, actor, now)


def _file_court_case(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return filing_refusal(state.court)


def _schedule_court_date(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return court_date_refusal(state.court, getattr(body, "court_at", None), now)


def _record_court_outcome(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    return outcome_refusal(state.court, getattr(body, "court_outcome", None), getattr(body, "court_fine", None))


def _record_ticket_choice(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    number = getattr(body, "ticket", 0)
    fine = next((f for f in state.fines if f.seq == number), None)
    return ticket_refusal(
        state.policy.fine_procedure is FineProcedure.PART_I_TICKET,
        fine.ticket if fine else None,
        number,
        fine is not None,
        getattr(body, "choice", None),
        getattr(body, "court_at", None),
        now,
    )


def _penalty_review(step: ReviewStep) -> Rule:
    def rule(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
        number = getattr(body, "penalty", 0)
        fine = next((f for f in state.fines if f.seq == number), None)
        return review_request_refusal(
            state.policy.fine_procedure is FineProcedure.PENALTY_NOTICE,
            number,
            fine.amount if fine else None,
            fine.appeal_deadline if fine else None,
            fine.dispute if fine else None,
            step,
            now,
        )

    return rule


def _review_decision(step: ReviewStep) -> Rule:
    def rule(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
        number = getattr(body, "penalty", 0)
        fine = next((f for f in state.fines if f.seq == number), None)
        return review_decision_refusal(
            number,
            fine.amount if fine else None,
            fine.dispute if fine else None,
            step,
            getattr(body, "decision", None),
            getattr(body, "reduced_to", None),
        )

    return rule


def _record_payment(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    amount = getattr(body, "amount", 0)
    if state.stage is S.CLOSED and not state.collecting:
        return "the case is closed and its account settled"
    if state.balance <= 0:
        return "the case has no balance to pay"
    if amount > state.balance:
        return f"the payment (${amount}) is more than the balance (${state.balance})"
    return None


def _write_off(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    if not state.collecting or state.balance <= 0:
        return "only the unpaid balance of a closed case is written off; this case has none"
    return None


def _close(state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    outcome = getattr(body, "outcome", None)
    allowed = closing_outcomes(state)
    if outcome not in allowed:
        names = ", ".join(sorted(o.value for o in allowed))
        return f"a case at '{state.stage.label}' can be closed as {names}, not {outcome}"
    return closing_refusal(state.court) if outcome is Outcome.PROSECUTED else None


# --- The declaration -------------------------------------------------------------------------------------------

_FIELD = frozenset({Role.OFFICER, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})
_COMPLIANCE = frozenset({S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE})
_OPEN = frozenset(set(S) - {S.CLOSED})
_STARTED = _OPEN - {S.RECEIVED}
_COURT = frozenset({Role.SUPERVISOR, Role.CLERK})

STAFF_ACTIONS: Mapping[str, StaffActionKind] = {
    kind.name: kind
    for kind in (
        StaffActionKind(
            "schedule_inspection", act.ScheduleInspection, _FIELD, frozenset({S.INVESTIGATING}) | _COMPLIANCE
        ),
        StaffActionKind("record_inspection", act.RecordInspection, _FIELD, frozenset({S.INVESTIGATING}), _inspection),
        StaffActionKind(
            "issue_notice", act.IssueNotice, _FIELD, frozenset({S.VIOLATION_FOUND, S.ESCALATION_DUE}), _issue_notice
        ),
        StaffActionKind(
            "record_service", act.RecordService, _FIELD | {Role.CLERK}, frozenset({S.NOTICE_ISSUED}), _record_service
        ),
        StaffActionKind("grant_extension", act.GrantExtension, _SUPERVISOR, _COMPLIANCE, _grant_extension),
        StaffActionKind("deny_extension", act.DenyExtension, _SUPERVISOR, _COMPLIANCE, _deny_extension),
        StaffActionKind("record_reinspection", act.RecordReinspection, _FIELD, _COMPLIANCE, _inspection),
        StaffActionKind("issue_fine", act.IssueFine, _FIELD, frozenset({S.ESCALATION_DUE}), _issue_fine),
        StaffActionKind(
            "schedule_hearing",
            act.ScheduleHearing,
            frozenset({Role.HEARING_OFFICER, Role.CLERK, Role.SUPERVISOR}),
            frozenset({S.ESCALATION_DUE, S.HEARING}),
            _schedule_hearing,
        ),
        StaffActionKind(
            "record_decision",
            act.RecordDecision,
            frozenset({Role.HEARING_OFFICER}),
            frozenset({S.HEARING}),
            _record_decision,
        ),
        StaffActionKind(
            "order_remediation",
            act.OrderRemediation,
            _SUPERVISOR,
            frozenset({S.ESCALATION_DUE}),
            _step_is(EscalationStep.REMEDIATION, "order_remediation"),
        ),
        StaffActionKind(
            "record_remediation_cost",
            act.RecordRemediationCost,
            frozenset({Role.SUPERVISOR, Role.FINANCE}),
            frozenset({S.REMEDIATION}),
        ),
        StaffActionKind(
            "file_lien",
            act.FileLien,
            frozenset({Role.FINANCE, Role.SUPERVISOR}),
            frozenset({S.ESCALATION_DUE}),
            _file_lien,
        ),
        StaffActionKind(
            "refer_prosecution", act.ReferProsecution, _SUPERVISOR, frozenset({S.ESCALATION_DUE}), _refer_prosecution
        ),
        # The court track: the charges filed, the court's dates and its outcome, by whoever deals with the court.
        StaffActionKind("file_court_case", act.FileCourtCase, _COURT, frozenset({S.PROSECUTION}), _file_court_case),
        StaffActionKind(
            "schedule_court_date", act.ScheduleCourtDate, _COURT, frozenset({S.PROSECUTION}), _schedule_court_date
        ),
        StaffActionKind(
            "record_court_outcome", act.RecordCourtOutcome, _COURT, frozenset({S.PROSECUTION}), _record_court_outcome
        ),
        # A Part I ticket's answer arrives while the case goes on (a ticket does not stop the compliance clock).
        StaffActionKind(
            "record_ticket_choice",
            act.RecordTicketChoice,
            _COURT | {Role.OFFICER},
            _STARTED,
            _record_ticket_choice,
        ),
        # A penalty notice's two-step dispute: the screening officer (a city employee), then an independent
        # hearing officer whose decision is final (O. Reg. 333/07).
        StaffActionKind(
            "request_screening_review",
            act.RequestPenaltyReview,
            _COURT,
            _STARTED,
            _penalty_review(ReviewStep.SCREENING),
        ),
        StaffActionKind(
            "record_screening_decision",
            act.RecordReviewDecision,
            _SUPERVISOR,
            _STARTED,
            _review_decision(ReviewStep.SCREENING),
        ),
        StaffActionKind(
            "request_hearing_review", act.RequestPenaltyReview, _COURT, _STARTED, _penalty_review(ReviewStep.HEARING)
        ),
        StaffActionKind(
            "record_hearing_review_decision",
            act.RecordReviewDecision,
            frozenset({Role.HEARING_OFFICER}),
            _STARTED,
            _review_decision(ReviewStep.HEARING),
        ),
        # A closed case still takes payments while money is owed (its account outlives the enforcement).
        StaffActionKind(
            "record_payment", act.RecordPayment, frozenset({Role.FINANCE}), _STARTED | {S.CLOSED}, _record_payment
        ),
        StaffActionKind("write_off", act.WriteOff, frozenset({Role.FINANCE}), frozenset({S.CLOSED}), _write_off),
        StaffActionKind("reassign", act.Reassign, _SUPERVISOR, _OPEN, names_officer=True),
        StaffActionKind("add_note", act.AddNote, STAFF - {Role.ADMIN, Role.EXECUTIVE}, _OPEN),
        # Closing needs a supervisor: audits found cases closed without review (Atlanta 2019).
        StaffActionKind("close", act.Close, _SUPERVISOR, _STARTED, _close),
    )
}
# The inspection page records either inspection, so whoever may record one may open it.
INSPECT = STAFF_ACTIONS["record_inspection"].roles | STAFF_ACTIONS["record_reinspection"].roles
NO_OFFICER = "officer_badge: no active officer has that badge"


def refusal(action: str, state: CaseState, body: object, actor: Actor, now: datetime) -> str | None:
    """Why `action` is not allowed now, or None when it is."""
    kind = STAFF_ACTIONS[action]
    if actor.role not in kind.roles:
        if action == "close":
            return "closing a case needs a supervisor's review"
        return f"{action} needs the role {' or '.join(sorted(kind.roles))}; {actor.username} is {actor.role.value}"
    if state.stage not in kind.stages:
        allowed = ", ".join(sorted(f"'{s.label}'" for s in kind.stages))
        return f"{action} is not possible while the case is at '{state.stage.label}'; it is possible at {allowed}"
    return kind.rule(state, body, actor, now) if kind.rule else None


def offered_actions(state: CaseState, actor: Actor, now: datetime) -> list[str]:
    """The actions worth offering `actor` now: role, stage and every rule that does not depend on what the form
    will say. What the form says (amounts, dates, outcomes) is judged by `refusal` when it is sent; an action on
    one of the case's fines is offered when some fine allows it."""
    unfilled: dict[str, list[_Unfilled]] = {
        "schedule_hearing": [_Unfilled(hearing_at=datetime.max.replace(tzinfo=now.tzinfo))],
        "record_ticket_choice": [_Unfilled(ticket=f.seq, choice=TicketChoice.PAY) for f in state.fines],
        # Withdrawn is an outcome every stage allows (the rule on prosecuted waits for the form).
        "close": [_Unfilled(outcome=Outcome.WITHDRAWN)],
    }
    for action in _ON_A_PENALTY:
        unfilled[action] = [_Unfilled(penalty=f.seq) for f in state.fines]
    return [
        action
        for action in STAFF_ACTIONS
        if any(refusal(action, state, form, actor, now) is None for form in unfilled.get(action, [_Unfilled()]))
    ]


_ON_A_PENALTY = (
    "request_screening_review",
    "record_screening_decision",
    "request_hearing_review",
    "record_hearing_review_decision",
)


class _Unfilled:
    """A form not yet filled in: only the fields a rule cannot do without."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)
