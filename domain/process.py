"""The rules of the case process: where each step leads, who is told, when the owner is reminded, how a case
may close, and every move a case can make (`TRANSITIONS`).

Pure functions of the case state, so the workflow, the API and the tests all ask the same rules. Which staff
action is allowed now, and why not, is declared in `domain.staff_actions`; the escalation ladder in
`domain.ladder`; the clocks a served notice starts in `domain.service_clocks`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from domain.case import CaseState, FineRecord
from domain.court import Appearance
from domain.messages import ReminderOf
from domain.policy import FineProcedure
from domain.stages import CaseStage, Outcome, ServiceMethod

S = CaseStage

CLOSE_ANYTIME = frozenset({Outcome.DISMISSED, Outcome.WITHDRAWN, Outcome.MERGED_DUPLICATE})
# Back-filled inspection dates are shown, not hidden (Atlanta's audit found 170 real days entered as 14).
LATE_ENTRY_AFTER = timedelta(days=2)


def local_day(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d}"


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
    """A reminder to the owner, `at` the policy's offset (`days` before) before `deadline`; `key` makes it once
    only."""

    at: datetime
    key: str
    deadline: datetime
    of: ReminderOf
    detail: str
    days: int


def unpaid_fines(state: CaseState) -> list[FineRecord]:
    """Fines not yet covered by payments, which settle the oldest fine first."""
    paid = sum((p.amount for p in state.payments), Decimal(0))
    unpaid, owed = [], Decimal(0)
    for fine in state.fines:
        owed += fine.amount
        if owed > paid:
            unpaid.append(fine)
    return unpaid


def owner_reminders_pending(state: CaseState, *, every_deadline: bool, wall_clock: bool) -> list[DueReminder]:
    """The owner's reminders not yet sent: the policy's offsets before the compliance deadline and, with
    `every_deadline` (cases started after that change), before each unpaid fine's due date and the hearing.
    A reminder that would have fallen before its deadline was set is skipped, not sent late. With `wall_clock`
    (cases started after that change) the days are the city's: a reminder comes at the deadline's time of day
    however the clocks changed in between."""
    faced: list[tuple[datetime, datetime, str, ReminderOf, str]] = []  # deadline, set at, key, of, detail
    if state.stage is S.AWAITING_COMPLIANCE and state.compliance_deadline and state.deadline_set_at:
        deadline = state.compliance_deadline
        faced.append((deadline, state.deadline_set_at, deadline.isoformat(), ReminderOf.COMPLIANCE, ""))
    if every_deadline and state.stage is not S.CLOSED:
        for fine in unpaid_fines(state):
            if not fine.overdue_flagged and not fine.under_review:
                detail = f"fine {fine.seq} of ${fine.amount}"
                faced.append((fine.due_at, fine.issued_at, f"fine-{fine.seq}", ReminderOf.FINE_PAYMENT, detail))
        hearing = state.hearing
        if hearing and hearing.scheduled_for and hearing.scheduled_at:
            at = hearing.scheduled_for
            place = hearing.location or ""
            faced.append((at, hearing.scheduled_at, f"hearing-{at.isoformat()}", ReminderOf.HEARING, place))
    offsets = state.policy.process.reminder_offsets_days
    return [
        DueReminder(at, key, deadline, of, detail, days)
        for deadline, set_at, name, of, detail in faced
        for at, key, days in _reminders_before(state, deadline, set_at, name, offsets, wall_clock)
    ]


def _reminders_before(
    state: CaseState, deadline: datetime, set_at: datetime, name: str, offsets: tuple[int, ...], wall_clock: bool
) -> list[tuple[datetime, str, int]]:
    """The reminders `offsets` days before `deadline` still to send (by key), each after the deadline was set: in
    the city's days on the `wall_clock`, else in elapsed 24-hour days (an hour off across a clock change)."""
    pending = []
    zone = state.policy.calendar.zone
    for days in offsets:
        if wall_clock:
            at = (deadline.astimezone(zone) - timedelta(days=days)).astimezone(UTC)
        else:
            at = deadline - timedelta(days=days)
        key = f"{name}-{days}"
        if at > set_at and key not in state.reminders_sent:
            pending.append((at, key, days))
    return pending


def court_appearances(state: CaseState) -> list[Appearance]:
    """The court dates the case still faces: the prosecution's until the court decides, and the meetings and trials
    owners chose on Part I tickets."""
    court = state.court
    found = []
    if court is not None and court.filed_at is not None and court.outcome is None:
        found = [court.appearance(number) for number in range(1, len(court.dates) + 1)]
    tickets = (fine.ticket.appearance(fine.seq) for fine in state.fines if fine.ticket is not None)
    return found + [appearance for appearance in tickets if appearance is not None]


class CourtReminder(NamedTuple):
    """A reminder to the officer, `at` the policy's offset before a court date; `key` makes it once only."""

    at: datetime
    key: str
    appearance: Appearance


def court_reminders_pending(state: CaseState, *, wall_clock: bool) -> list[CourtReminder]:
    """The officer's reminders before each court date not yet sent (`court_reminder_days`, a week and a day), until
    the case closes. A reminder that would have fallen before the date was set is skipped, not sent late."""
    if state.stage is S.CLOSED:
        return []
    offsets = state.policy.process.court_reminder_days
    return [
        CourtReminder(at, key, appearance)
        for appearance in court_appearances(state)
        for at, key, _days in _reminders_before(
            state, appearance.at, appearance.set_at, appearance.key, offsets, wall_clock
        )
    ]


def compliance_outcome(state: CaseState) -> Outcome:
    """Compliance after an order, a fine or a hearing is order compliance; after a courtesy notice, voluntary."""
    ordered = any(state.policy.notice(n.notice_type).order for n in state.notices)
    return Outcome.ORDER_COMPLIANCE if ordered or state.fines or state.hearings_held else Outcome.VOLUNTARY_COMPLIANCE


def appeal_refusal(state: CaseState, now: datetime, fine: int | None = None) -> str | None:
    """Why an appeal of the current notice (or of fine number `fine`) is refused now; None when it may be heard."""
    notice = state.current_notice
    if state.stage in (S.CLOSED, S.CLOSURE_REVIEW):
        return "the case is closed or closing; there is nothing left to appeal"
    if state.hearing is not None:
        return "an appeal or hearing for this case is already under way"
    carries_fine = notice is not None and state.policy.notice(notice.notice_type).fine
    if state.policy.fine_procedure is FineProcedure.PENALTY_NOTICE and (fine is not None or carries_fine):
        return (
            "a penalty notice is not appealed to a hearing: ask the AMPS office for a screening review "
            "(request_screening_review), then, if need be, for a hearing review of its decision"
        )
    if fine is not None:
        return _fine_appeal_refusal(state, now, fine)
    if notice is None or notice.served_at is None:
        return "no notice has been served yet; the appeal window opens at service"
    kind = state.policy.notice(notice.notice_type)
    # A served courtesy notice has no appeal deadline because it cannot be appealed: say that, not "not served".
    if not kind.appealable or notice.appeal_deadline is None:
        return f"the {kind.title} cannot be appealed{'; ' + kind.appeal_to if kind.appeal_to else ''}"
    if now > notice.appeal_deadline:
        return f"the appeal window closed on {local_day(notice.appeal_deadline)}"
    return None


def _fine_appeal_refusal(state: CaseState, now: datetime, seq: int) -> str | None:
    """A fine is appealed on its own window (its fine notice's, or its carrying notice's), once."""
    levied = next((f for f in state.fines if f.seq == seq), None)
    if levied is None:
        return f"there is no fine {seq} on this case"
    if levied.appealed:
        return f"fine {seq} has already been appealed"
    if levied.appeal_deadline is None:
        return f"fine {seq} has no appeal window open: its notice has not been served"
    if now > levied.appeal_deadline:
        return f"the appeal window for fine {seq} closed on {local_day(levied.appeal_deadline)}"
    return None


def officer_audience(state: CaseState) -> str:
    """Who hears of the case's field work: its officer (by badge), or the supervisor while no officer covers it."""
    return state.officer.badge if state.officer else "supervisor"


def overdue_audience(state: CaseState) -> str:
    """Who is alerted when the step the case waits on is overdue: a first inspection missed its response target,
    which the supervisor answers for (San Diego's audit: a third never inspected); any later step, the officer."""
    return "supervisor" if state.stage is S.INVESTIGATING else officer_audience(state)


def late_entry_note(inspected_at: datetime | None, now: datetime) -> str:
    """The timeline's words for an inspection entered more than `LATE_ENTRY_AFTER` after it happened."""
    if inspected_at is None:
        return ""
    delay = now - inspected_at
    if delay <= LATE_ENTRY_AFTER:
        return ""
    return f" (entered {delay.days} days after the inspection on {inspected_at:%Y-%m-%d})"


def closing_outcomes(state: CaseState) -> frozenset[Outcome]:
    """The outcomes a case may be closed with at its stage (the console offers exactly these)."""
    allowed = set(CLOSE_ANYTIME)
    if state.stage is S.CLOSURE_REVIEW and state.proposed_outcome:
        allowed.add(state.proposed_outcome)
    if state.stage is S.PROSECUTION:
        allowed |= {Outcome.PROSECUTED, Outcome.ORDER_COMPLIANCE}
    return frozenset(allowed)


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
