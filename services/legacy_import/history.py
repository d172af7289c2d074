"""What the import writes for a planned case: closed cases as history (case row, complaint, timeline with the
legacy dates as events and the legacy status text, outcome, account), open cases as a stored case with the
state its workflow starts from, at its step.

Legacy dates are calendar days; they become instants at noon in the city's time zone (a day, not a moment,
and never on the wrong side of midnight). The server's time of import is only on the "imported" line and the
legacy record, so an audit tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from domain.case import CaseState, FineRecord, HumanStep, Observation, OfficerRef, PaymentRecord
from domain.policy import CasePolicy, Policy
from domain.stages import CaseStage
from records.legacy_cases import IMPORTED, ImportedCase, LedgerFact, TimelineLine
from records.tables import Officer, Parcel
from services.legacy_import.plan import PlannedCase

S = CaseStage
LEGACY_ACTOR = "legacy system"
IMPORT_ACTOR = "import"


@dataclass(frozen=True)
class ImportContext:
    policy: Policy
    officers: dict[str, Officer]
    parcels: dict[str, Parcel]
    source: str
    now: datetime

    def day(self, day: date) -> datetime:
        return datetime.combine(day, time(12), tzinfo=self.policy.calendar.zone)


def imported_case(planned: PlannedCase, context: ImportContext) -> ImportedCase:
    legacy = planned.legacy
    facts = legacy.facts
    snapshot = context.policy.for_case(legacy.violation_code)
    assert snapshot is not None and planned.parcel_id is not None and facts.opened is not None  # refused otherwise
    officer = context.officers.get(legacy.officer_badge or "")
    opened_at = context.day(facts.opened)
    state = None if legacy.closed else _resume(planned, context, snapshot, officer)
    closed_at = context.day(facts.closed) if legacy.closed and facts.closed else None
    stage = planned.stage or S.CLOSED
    case = {
        "violation_code": snapshot.violation.code,
        "parcel_id": planned.parcel_id,
        "stage": stage.value,
        "priority": snapshot.violation.priority,
        "category": snapshot.violation.category.value,
        "channel": legacy.channel.value,
        "assigned_officer_id": officer.id if officer else None,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "outcome": legacy.outcome.value if legacy.outcome else None,
        "balance": legacy.fines - legacy.paid,
        "joins_reports": False,
        **_projection(state),
    }
    complaint = {
        "violation_code": snapshot.violation.code,
        "parcel_id": planned.parcel_id,
        "location_text": facts.address or context.parcels[planned.parcel_id].address,
        "description": "; ".join(v.description for v in legacy.violations),
        "channel": legacy.channel.value,
        "received_at": opened_at,
    }
    return ImportedCase(
        legacy_case_number=legacy.legacy_number,
        fingerprint=planned.fingerprint,
        source=context.source,
        legacy_status=facts.status,
        opened_year=facts.opened.year,
        case=case,
        complaint=complaint,
        complainant_name=facts.complainant_name or None,
        timeline=_timeline(planned, context, stage),
        ledger=_ledger(legacy.fines, legacy.paid, legacy.legacy_number),
        resume=state.model_dump(mode="json", exclude={"policy"}) if state else None,
        owner_name=facts.owner_name,
        owner_mailing_address=facts.owner_mailing_address,
    )


def correction_line(planned: PlannedCase, context: ImportContext) -> TimelineLine:
    return TimelineLine(
        key="import-corrected",
        kind="import_corrected",
        stage=(planned.stage or S.CLOSED).value,
        summary=f"Corrected from legacy case {planned.legacy.legacy_number} by a new import of {context.source}",
        occurred_at=context.now,
        data={"legacy_case_number": planned.legacy.legacy_number, "source": context.source},
        actor=IMPORT_ACTOR,
    )


def _projection(state: CaseState | None) -> dict[str, object]:
    if state is None:
        return {"next_deadline": None, "compliance_deadline": None, "overdue": False, "waiting_on": None}
    return {
        "response_due_at": state.response_due_at,
        "next_deadline": state.next_deadline,
        "compliance_deadline": state.compliance_deadline,
        "overdue": state.overdue,
        "waiting_on": state.step.description if state.step else None,
    }


def _timeline(planned: PlannedCase, context: ImportContext, stage: CaseStage) -> list[TimelineLine]:
    legacy = planned.legacy
    facts = legacy.facts
    number = legacy.legacy_number
    assert facts.opened is not None
    said = {"legacy_case_number": number, "legacy_status": facts.status}
    lines = [
        TimelineLine(
            "legacy-opened",
            "legacy_opened",
            S.RECEIVED.value,
            f"Opened in the legacy system as case {number} ({legacy.channel.value.replace('_', ' ')})",
            context.day(facts.opened),
            said,
            LEGACY_ACTOR,
        )
    ]
    for i, violation in enumerate(legacy.violations, start=1):
        status = f", {violation.status}" if violation.status else ""
        lines.append(
            TimelineLine(
                f"legacy-violation-{i}",
                "legacy_violation_found",
                S.VIOLATION_FOUND.value,
                f"Violation found: {violation.description} ({violation.legacy_type} → {violation.code}){status}",
                context.day(violation.found_on or facts.opened),
                {
                    **said,
                    "code": violation.code,
                    "legacy_type": violation.legacy_type,
                    "violation_status": violation.status,
                },
                LEGACY_ACTOR,
            )
        )
    if legacy.closed and facts.closed:
        assert legacy.outcome is not None
        lines.append(
            TimelineLine(
                "legacy-closed",
                "legacy_closed",
                S.CLOSED.value,
                f"Closed in the legacy system: {facts.status} ({legacy.outcome.value.replace('_', ' ')})",
                context.day(facts.closed),
                {**said, "outcome": legacy.outcome.value},
                LEGACY_ACTOR,
            )
        )
    kept = "kept as history" if legacy.closed else f"continues as a workflow at: {stage.label}"
    lines.append(
        TimelineLine(
            "import-1-imported",
            IMPORTED,
            stage.value,
            f"Imported from legacy case {number} ({context.source}), status {facts.status!r}: {kept}",
            context.now,
            {**said, "source": context.source, "parcel_matched_by": planned.matched_by},
            IMPORT_ACTOR,
        )
    )
    return lines


def _ledger(fines: Decimal, paid: Decimal, number: str) -> list[LedgerFact]:
    facts = []
    if fines:
        facts.append(LedgerFact("fine", fines, f"Fines of legacy case {number}"))
    if paid:
        facts.append(LedgerFact("payment", paid, f"Payments on legacy case {number}"))
    return facts


def _resume(planned: PlannedCase, context: ImportContext, snapshot: CasePolicy, officer: Officer | None) -> CaseState:
    """The state an open case's workflow starts from: its step, its officer, its violations and its deadline.
    A step already due is left for the workflow to flag, so the overdue alert and timeline line come from it."""
    legacy, calendar, now = planned.legacy, context.policy.calendar, context.now
    facts = legacy.facts
    assert facts.opened is not None and planned.stage is not None and planned.parcel_id is not None
    opened_at = context.day(facts.opened)
    parcel = context.parcels[planned.parcel_id]
    state = CaseState(
        case_number="",  # set when the case is numbered (records.legacy_cases)
        stage=planned.stage,
        policy=snapshot,
        opened_at=opened_at,
        # The legacy file's owner where the roll has none (the import writes it to the roll too).
        parcel=parcel.facts().model_copy(
            update={
                "owner_name": parcel.owner_name or facts.owner_name,
                "owner_mailing_address": parcel.owner_mailing_address or facts.owner_mailing_address,
            }
        ),
        officer=OfficerRef(id=officer.id, badge=officer.badge, name=officer.name) if officer and officer.id else None,
    )
    found = [v for v in legacy.violations if v.found_on]
    if planned.stage is not S.INVESTIGATING and found:
        state.observed = Observation(
            conditions=tuple(v.description for v in legacy.violations),
            inspected_at=context.day(found[0].found_on),  # type: ignore[arg-type]
        )
    comply_by = calendar.due_at(facts.comply_by) if facts.comply_by else None
    process = snapshot.process
    match planned.stage:
        case S.INVESTIGATING:
            due = calendar.business_days_after(opened_at, snapshot.violation.response_target_business_days)
            state.response_due_at = due
            state.step = HumanStep(
                action="record_inspection", role="officer", due_at=due, description="first inspection"
            )
        case S.AWAITING_COMPLIANCE:
            state.compliance_deadline, state.deadline_set_at = comply_by, now
        case S.REINSPECTION_DUE:
            due = comply_by or calendar.business_days_after(now, process.reinspection_lead_business_days)
            state.compliance_deadline = comply_by
            state.step = HumanStep(
                action="record_reinspection", role="officer", due_at=due, description="record reinspection"
            )
        case S.PROSECUTION:
            due = calendar.calendar_days_after(now, process.prosecution_review_days)
            state.step = HumanStep(action="close", role="supervisor", due_at=due, description="close")
    if legacy.fines:
        state.fines.append(
            FineRecord(seq=1, amount=legacy.fines, issued_at=opened_at, due_at=opened_at, overdue_flagged=True)
        )
    if legacy.paid:
        state.payments.append(
            PaymentRecord(amount=legacy.paid, method="legacy", reference=legacy.legacy_number, received_at=now)
        )
    return state
