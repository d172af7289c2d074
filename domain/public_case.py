"""What the public may read of a case: its stage in plain words, the dates of its key steps, what comes next
and how it ended. Only the timeline kinds listed here are ever shown, each in fixed words: an officer's
findings, notes and who reported the case stay inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.messages import PUBLIC_OUTCOMES
from domain.stages import CaseStage, Outcome

S = CaseStage

PUBLIC_STAGES = {
    S.RECEIVED: "Report received",
    S.INVESTIGATING: "Waiting for an officer to inspect",
    S.VIOLATION_FOUND: "Violation found; a notice is being prepared",
    S.NOTICE_ISSUED: "Notice issued to the owner",
    S.AWAITING_COMPLIANCE: "The owner has been told to correct it",
    S.REINSPECTION_DUE: "Waiting for a reinspection",
    S.ESCALATION_DUE: "Not corrected; further enforcement",
    S.HEARING: "Before a hearing",
    S.REMEDIATION: "The City is having it corrected",
    S.COST_RECOVERY: "Corrected by the City; costs being recovered",
    S.PROSECUTION: "Referred to the City Attorney",
    S.CLOSURE_REVIEW: "Being reviewed for closing",
    S.CLOSED: "Closed",
}

# Timeline kinds that are public, in the words the public reads (never the summary staff wrote).
PUBLIC_STEPS = {
    "complaint_received": "Report received",
    "triaged": "Assigned to an officer",
    "inspection_violation_found": "Inspected: a violation was found",
    "inspection_no_violation": "Inspected: no violation was found",
    "notice_issued": "Notice issued to the owner",
    "notice_served": "Notice served on the owner",
    "compliance_deadline_passed": "Deadline to correct passed",
    "reinspection_complied": "Reinspected: corrected",
    "reinspection_not_complied": "Reinspected: not corrected",
    "fine_issued": "Penalty issued",
    "hearing_scheduled": "Hearing scheduled",
    "decision_recorded": "Hearing decision made",
    "remediation_ordered": "The City ordered the work done",
    "remediation_completed": "The City's contractor finished the work",
    "lien_filed": "Costs recorded against the property",
    "referred_for_prosecution": "Referred to the City Attorney",
    "closed": "Case closed",
}


@dataclass(frozen=True)
class PublicStep:
    on: date
    what: str


def public_steps(events: list[tuple[str, date]]) -> list[PublicStep]:
    return [PublicStep(on=on, what=PUBLIC_STEPS[kind]) for kind, on in events if kind in PUBLIC_STEPS]


def public_outcome(outcome: str | None) -> str | None:
    return PUBLIC_OUTCOMES[Outcome(outcome)].capitalize() if outcome else None


def next_milestone(stage: CaseStage, *, inspection_due: date | None, compliance_deadline: date | None) -> str | None:
    """The next thing a resident can expect, with its date where the case has one."""
    if stage in (S.RECEIVED, S.INVESTIGATING):
        return (
            f"An officer inspects the property by {inspection_due:%B %-d, %Y}"
            if inspection_due
            else ("An officer will be assigned to inspect the property")
        )
    if stage is S.AWAITING_COMPLIANCE and compliance_deadline:
        return f"The owner must correct it by {compliance_deadline:%B %-d, %Y}; an officer then reinspects"
    return {
        S.VIOLATION_FOUND: "A notice is sent to the owner",
        S.NOTICE_ISSUED: "The notice is served on the owner; the deadline to correct starts then",
        S.REINSPECTION_DUE: "An officer reinspects the property",
        S.ESCALATION_DUE: "The City takes the next enforcement step",
        S.HEARING: "A hearing officer decides",
        S.REMEDIATION: "The City's contractor does the work",
        S.COST_RECOVERY: "The City recovers its costs",
        S.PROSECUTION: "The court process",
        S.CLOSURE_REVIEW: "A supervisor reviews the case and closes it",
    }.get(stage)


def local_date(instant: datetime | None, zone: str) -> date | None:
    return instant.astimezone(ZoneInfo(zone)).date() if instant else None


@dataclass(frozen=True)
class PublicCaseView:
    """A case as anyone may see it: nothing here names the complainant, the owner or an officer's words."""

    case_number: str
    tracking_code: str
    violation: str
    address: str
    opened_on: date
    stage: str
    milestone: str | None
    outcome: str | None
    steps: list[PublicStep]
