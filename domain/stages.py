"""Where a case stands, how it can end, and how a notice reaches the owner.

The workflow owns the stage; the projection, search attributes, BPMN and UI mirror it. Stage names
follow the case process drawn in `bpmn_docs/case_process.bpmn` (and San Diego's stage names in their own words for the labels).
"""

from enum import StrEnum


class CaseStage(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    VIOLATION_FOUND = "violation_found"
    NOTICE_ISSUED = "notice_issued"
    AWAITING_COMPLIANCE = "awaiting_compliance"
    REINSPECTION_DUE = "reinspection_due"
    ESCALATION_DUE = "escalation_due"
    HEARING = "hearing"
    REMEDIATION = "remediation"
    COST_RECOVERY = "cost_recovery"
    PROSECUTION = "prosecution"
    CLOSURE_REVIEW = "closure_review"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self]


# Every stage but closed, by name: a database index serves `stage IN (...)`, not `stage != 'closed'`.
OPEN_STAGES = tuple(stage for stage in CaseStage if stage is not CaseStage.CLOSED)

_LABELS = {
    CaseStage.RECEIVED: "Received – awaiting triage",
    CaseStage.INVESTIGATING: "Case opened – inspection",
    CaseStage.VIOLATION_FOUND: "Violation found – notice being prepared",
    CaseStage.NOTICE_ISSUED: "Notice issued – awaiting service",
    CaseStage.AWAITING_COMPLIANCE: "Compliance period",
    CaseStage.REINSPECTION_DUE: "Reinspection due",
    CaseStage.ESCALATION_DUE: "Not complied – escalation",
    CaseStage.HEARING: "Hearing",
    CaseStage.REMEDIATION: "Abatement by the city",
    CaseStage.COST_RECOVERY: "Cost recovery",
    CaseStage.PROSECUTION: "Referred for prosecution",
    CaseStage.CLOSURE_REVIEW: "Awaiting supervisor review to close",
    CaseStage.CLOSED: "Closed",
}


class Outcome(StrEnum):
    VOLUNTARY_COMPLIANCE = "voluntary_compliance"
    ORDER_COMPLIANCE = "order_compliance"
    REMEDIATED_BY_CITY = "remediated_by_city"
    PROSECUTED = "prosecuted"
    DISMISSED = "dismissed"
    UNFOUNDED = "unfounded"
    MERGED_DUPLICATE = "merged_duplicate"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    """How a complaint reached the city (San Diego's case sources, in our words)."""

    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    PORTAL = "portal"
    COUNCIL = "council"
    OPEN311 = "open311"
    OFFICER = "officer"


class ServiceMethod(StrEnum):
    PERSONAL = "personal"
    MAIL = "mail"
    EMAIL = "email"
    POSTING = "posting"


class HearingKind(StrEnum):
    APPEAL = "appeal"
    ADMINISTRATIVE = "administrative"


class Decision(StrEnum):
    UPHELD = "upheld"
    MODIFIED = "modified"
    DISMISSED = "dismissed"
