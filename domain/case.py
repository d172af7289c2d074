"""What a case workflow carries: its start, its one state object, and what its activities exchange.

These are pydantic models in a module that never imports sqlmodel: they cross the workflow boundary
through the pydantic data converter, and activities turn them into rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.calendar import BusinessCalendar
from domain.court import Appearance, CourtRecord, TicketRecord
from domain.penalties import PenaltyDispute
from domain.policy import CasePolicy
from domain.privacy import Identity, withhold_identities
from domain.stages import CaseStage, Channel, Decision, HearingKind, Outcome, ServiceMethod


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseStart(_Model):
    """The workflow input. The policy snapshot is the rule the case keeps; `resume` carries a continued case."""

    case_number: str
    tracking_code: str
    opened_at: datetime
    channel: Channel
    parcel_id: str
    address: str
    zone: str
    policy: CasePolicy
    resume: CaseState | None = None
    # A case imported from a legacy system keeps its number there: operators find it by it (a search attribute).
    legacy_case_number: str | None = None
    continue_as_new_after_events: int | None = Field(
        default=None, description="tests force a low threshold; otherwise Temporal's suggestion decides"
    )

    @property
    def summary(self) -> str:
        """The static summary operators see in the Temporal UI."""
        return f"{self.case_number} · {self.policy.violation.title} · {self.address}"


class ParcelFacts(_Model):
    """The property and owner of record, from the assessment roll."""

    parcel_id: str
    address: str
    zone: str
    land_use: str
    lat: float
    lon: float
    owner_name: str
    owner_mailing_address: str
    # Contacts on the roll (None in snapshots taken before they were carried).
    owner_email: str | None = None
    owner_phone: str | None = None


class OfficerRef(_Model):
    id: int
    badge: str
    name: str


class AssignmentRequest(_Model):
    zone: str
    specialty: str


class DeadlineRequest(_Model):
    """A deadline counted from `start`: business days, or calendar days ending on a business day."""

    start: datetime
    days: int
    business_days: bool
    calendar: BusinessCalendar


class TriageRequest(_Model):
    """What triage reads at once: the parcel on the roll, then an officer for its zone and the violation's
    specialty, and the first inspection's due date."""

    parcel_id: str
    specialty: str
    first_inspection: DeadlineRequest


class TriageFacts(_Model):
    parcel: ParcelFacts
    officer: OfficerRef | None
    first_inspection_due: datetime


# --- The state ----------------------------------------------------------------------------------


class LetterDocument(_Model):
    """A letter as stored, once and never overwritten: the template (and its version) that made it, the .docx with
    its hash, and the PDF for printing beside it, or why there is none. Paths are relative to the document store."""

    path: str
    sha256: str
    template: str | None = None  # None for letters kept under a failed service before this model
    template_version: str | None = None
    pdf_path: str | None = None
    pdf_sha256: str | None = None
    pdf_unavailable_reason: str | None = None

    @classmethod
    def lifted(cls, data: Any, names: dict[str, str]) -> Any:
        """Cases recorded before the letter was nested carry its fields flat (`names`: old name → field here);
        continued cases and stored failed services still hold them, so they are taken into `letter` on reading."""
        if not isinstance(data, dict) or not any(old in data for old in names):
            return data
        data = dict(data)
        flat = {new: data.pop(old) for old, new in names.items() if old in data}
        if flat.get("path") is not None and flat.get("sha256") is not None and data.get("letter") is None:
            data["letter"] = flat
        return data


class FailedService(_Model):
    """A service that did not reach the owner: the notice counts as not served, and its clocks did not run."""

    method: ServiceMethod
    attempted_at: datetime
    failed_at: datetime
    reason: str
    # The letter that was sent and did not arrive (None in records older than the letters).
    letter: LetterDocument | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_letter(cls, data: Any) -> Any:
        return LetterDocument.lifted(data, _FAILED_LETTER_FIELDS)


_FAILED_LETTER_FIELDS = {
    "document_path": "path",
    "document_sha256": "sha256",
    "pdf_path": "pdf_path",
    "pdf_sha256": "pdf_sha256",
}
_NOTICE_LETTER_FIELDS = {
    **_FAILED_LETTER_FIELDS,
    "template": "template",
    "template_version": "template_version",
    "pdf_unavailable_reason": "pdf_unavailable_reason",
}


class NoticeRecord(_Model):
    seq: int
    notice_type: str
    title: str
    issued_at: datetime
    # Who issued it (the officer's username); None for notices issued before it was recorded.
    created_by: str | None = None
    served_at: datetime | None = None
    service_method: ServiceMethod | None = None
    appeal_deadline: datetime | None = None
    served_by: str | None = None
    # The proof of service: the certified/registered mail number, or the photo of the posted notice.
    tracking_number: str | None = None
    posting_evidence_id: int | None = None
    # The letter as served; None until it is served, and for notices recorded before letters existed.
    letter: LetterDocument | None = None
    # After a failed service: the next method of the policy, which staff carry out and record (record_service).
    awaiting_service_by: ServiceMethod | None = None
    failed_services: list[FailedService] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _flat_letter(cls, data: Any) -> Any:
        return LetterDocument.lifted(data, _NOTICE_LETTER_FIELDS)

    def failed_by(self, method: ServiceMethod) -> bool:
        return any(f.method is method for f in self.failed_services)


class FineRecord(_Model):
    seq: int
    amount: Decimal = Field(description="what the fine is now: as levied, or as an appeal reduced it (0: cancelled)")
    issued_at: datetime
    due_at: datetime
    overdue_flagged: bool = False
    # The fine's own appeal window: from its fine notice, or from the service of the notice that carried it. None
    # for fines levied before fines were notices, and for a carrying notice not yet served.
    appeal_deadline: datetime | None = None
    appealed: bool = False
    # A Part I ticket (`fine_procedure` in the policy): what the owner chose to do about it, once recorded.
    ticket: TicketRecord | None = None
    # A penalty notice's screening review and hearing review (domain/penalties.py), once asked for.
    dispute: PenaltyDispute | None = None

    @property
    def under_review(self) -> bool:
        """A penalty under review is not chased for payment until it is decided."""
        return self.dispute is not None and self.dispute.pending


class FeeRecord(_Model):
    """A reinspection fee the policy bills (`reinspection_fee`, domain/ladder.py), and whether a letter has told the
    owner of it yet (each fee goes on the next letter to the owner, once)."""

    reinspection: int = Field(ge=1, description="which reinspection of the case it is for: 2 for the second")
    amount: Decimal = Field(gt=0)
    billed_at: datetime
    due_at: datetime
    told: bool = False


class PaymentRecord(_Model):
    amount: Decimal
    method: str
    reference: str
    received_at: datetime


class CostRecord(_Model):
    description: str
    amount: Decimal
    recorded_at: datetime


class PausedClock(_Model):
    """The compliance time left when an appeal was filed, in the kind of days the compliance period ran in."""

    days_left: int = Field(ge=0)
    business_days: bool = False


class HearingRef(_Model):
    workflow_id: str
    kind: HearingKind
    requested_at: datetime
    schedule_due_at: datetime
    scheduled_for: datetime | None = None
    location: str | None = None
    # When the date was set: reminders that would fall before it are not sent late.
    scheduled_at: datetime | None = None
    decision_due_at: datetime | None = None
    # What was left of the compliance clock, as a duration: written by cases appealed before `paused_clock`, never
    # read (kept so their snapshots still load).
    paused_remaining: timedelta | None = None
    # The compliance clock stops while an appeal is heard; the days left of it run again from an upholding decision.
    paused_clock: PausedClock | None = None
    # An appeal of a fine (by its number), not of the notice: the decision upholds, reduces or cancels the fine.
    fine_seq: int | None = None


class RemediationRef(_Model):
    workflow_id: str
    contractor: str
    scope: str = ""  # "" in snapshots older than the remediation notice
    ordered_at: datetime
    due_at: datetime


class ExtensionRequest(_Model):
    days: int
    reason: str
    requested_at: datetime
    decision_due_at: datetime


class OwnerReport(_Model):
    """The owner's last report of compliance the case took note of, and the stage it left the case in: the same report
    again while the case is still there is nothing new (the owner's page sends one per press of its button)."""

    note: str
    evidence: list[str]
    stage: CaseStage


class Observation(_Model):
    """What the officer saw at the last inspection that found the violation: the owner's letters print it."""

    conditions: tuple[str, ...]
    inspected_at: datetime

    @classmethod
    def of(cls, checklist: dict[str, bool], findings: str, inspected_at: datetime) -> Observation:
        """The checklist items the officer marked as found, in the checklist's order, then the officer's words."""
        conditions = [item for item, found in checklist.items() if found]
        return cls(conditions=(*conditions, findings.strip()), inspected_at=inspected_at)

    def withholding(self, people: Iterable[Identity]) -> Observation:
        """The same observation with every complainant's name, e-mail and phone taken out of it: the officer's
        findings are typed freely ("the neighbour, Mrs Diaz, showed me…"), and what the owner reads must never
        say who complained."""
        people = list(people)
        return self.model_copy(update={"conditions": tuple(withhold_identities(c, people) for c in self.conditions)})


class HumanStep(_Model):
    """The named human step a case waits on, with its due date: a case is never without one or a timer."""

    action: str
    role: str
    due_at: datetime
    description: str


class CaseState(_Model):
    """The one state object of a case; continue-as-new carries it whole and the snapshot query shows it."""

    case_number: str
    stage: CaseStage
    policy: CasePolicy
    opened_at: datetime
    parcel: ParcelFacts | None = None
    officer: OfficerRef | None = None
    response_due_at: datetime | None = None
    inspection_scheduled_for: datetime | None = None
    observed: Observation | None = None
    step: HumanStep | None = None
    overdue: bool = False
    notices: list[NoticeRecord] = Field(default_factory=list)
    compliance_deadline: datetime | None = None
    deadline_set_at: datetime | None = None
    reminders_sent: list[str] = Field(default_factory=list)
    escalations_taken: int = 0
    fines: list[FineRecord] = Field(default_factory=list)
    # Reinspections recorded (a case started before they were counted counts from there) and the fees they billed.
    reinspections: int = 0
    fees: list[FeeRecord] = Field(default_factory=list)
    payments: list[PaymentRecord] = Field(default_factory=list)
    costs: list[CostRecord] = Field(default_factory=list)
    lien_filed_at: datetime | None = None
    lien_reference: str | None = None
    lien_amount: Decimal | None = None
    lien_released_at: datetime | None = None
    # Enforcement ended (closed) with money owing: the account stays open until it is paid or finance writes it off.
    collecting: bool = False
    written_off: Decimal = Decimal(0)
    hearings_held: int = 0
    hearing: HearingRef | None = None
    # A prosecution referred since the court track: its court, docket, charges, dates and outcome (domain/court.py).
    court: CourtRecord | None = None
    remediation: RemediationRef | None = None
    remediated: bool = False
    payment_due_at: datetime | None = None
    extension_request: ExtensionRequest | None = None
    extensions_granted: int = 0
    refused_appeals: list[str] = Field(default_factory=list)
    owner_report: OwnerReport | None = None
    duplicates_attached: int = 0
    proposed_outcome: Outcome | None = None
    outcome: Outcome | None = None
    closed_at: datetime | None = None
    events_recorded: int = 0
    letters_written: int = 0
    # Message keys whose delivery failure the case has already handled (providers report an event more than once).
    failed_deliveries: list[str] = Field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        owed = sum((f.amount for f in self.fines), Decimal(0)) + sum((c.amount for c in self.costs), Decimal(0))
        owed += sum((f.amount for f in self.fees), Decimal(0))
        owed += self.court.fine if self.court else Decimal(0)
        return owed - sum((p.amount for p in self.payments), Decimal(0)) - self.written_off

    @property
    def notices_issued(self) -> int:
        return len(self.notices)

    @property
    def current_notice(self) -> NoticeRecord | None:
        return self.notices[-1] if self.notices else None

    @property
    def next_deadline(self) -> datetime | None:
        """What operators sort by: the nearest date the case will act on, or be overdue at."""
        dates = [
            d
            for d in (
                self.step.due_at if self.step else None,
                self.compliance_deadline if self.stage is CaseStage.AWAITING_COMPLIANCE else None,
                self.payment_due_at if self.stage is CaseStage.COST_RECOVERY else None,
                self.extension_request.decision_due_at if self.extension_request else None,
            )
            if d is not None
        ]
        return min(dates) if dates and self.stage is not CaseStage.CLOSED else None

    def projection(self) -> CaseProjection:
        return CaseProjection(
            case_number=self.case_number,
            stage=self.stage,
            assigned_officer_id=self.officer.id if self.officer else None,
            response_due_at=self.response_due_at,
            next_deadline=self.next_deadline,
            compliance_deadline=self.compliance_deadline,
            overdue=self.overdue,
            balance=self.balance,
            waiting_on=self.step.description if self.step else None,
            outcome=self.outcome,
            closed_at=self.closed_at,
        )


class CaseSnapshot(_Model):
    """What the `snapshot` query returns: the state plus what is derived from it."""

    state: CaseState
    balance: Decimal
    next_deadline: datetime | None
    waiting_on: HumanStep | None
    sleeping_until: datetime | None = Field(description="the timer the case sleeps on, when no human step is due")


# --- What activities write ----------------------------------------------------------------------


class TimelineEntry(_Model):
    key: str = Field(description="unique within the case, so a retried write is the same line")
    kind: str
    stage: CaseStage
    summary: str
    actor: str = "system"
    data: dict[str, Any] = Field(default_factory=dict)


class CaseProjection(_Model):
    case_number: str
    stage: CaseStage
    assigned_officer_id: int | None
    response_due_at: datetime | None
    next_deadline: datetime | None
    compliance_deadline: datetime | None = None
    overdue: bool
    balance: Decimal = Decimal(0)
    waiting_on: str | None = None
    outcome: Outcome | None = None
    closed_at: datetime | None = None


class NoticeEntry(NoticeRecord):
    kind: Literal["notice"] = "notice"


class MoneyEntry(_Model):
    """A line of the case's account: a fine or remediation cost owed, or a payment received."""

    kind: Literal["money"] = "money"
    # A fine_adjustment is negative: what an appeal took off a fine (the fine's line itself is never changed). A
    # refund is what a payment gave back, owed again; a write_off (negative) is what finance gave up collecting.
    entry_type: Literal[
        "fine",
        "fine_adjustment",
        "remediation_cost",
        "reinspection_fee",
        "court_fine",
        "payment",
        "refund",
        "write_off",
    ]
    amount: Decimal
    description: str
    due_at: datetime | None = None
    reference: str | None = None


class LienEntry(_Model):
    kind: Literal["lien"] = "lien"
    amount: Decimal
    reference: str
    released: bool = Field(default=False, description="paid in full: the lien filed under `reference` is released")


class AlertEntry(_Model):
    kind: Literal["alert"] = "alert"
    audience: str = Field(description="a role (supervisor, finance…) or an officer's badge")
    message: str


class HearingEntry(_Model):
    kind: Literal["hearing"] = "hearing"
    workflow_id: str
    hearing_kind: HearingKind
    scheduled_for: datetime | None = None
    location: str | None = None
    decision: Decision | None = None


class CourtDateEntry(_Model):
    """A court date for the hearing calendar (a prosecution's, or a Part I ticket's meeting or trial)."""

    kind: Literal["court_date"] = "court_date"
    key: str = Field(description="the case's own name for the date, so a retried write is the same row")
    at: datetime
    title: str = Field(description='"Court: <court>, docket <n>"')
    purpose: str
    location: str

    @classmethod
    def of(cls, appearance: Appearance) -> CourtDateEntry:
        return cls(
            key=appearance.key,
            at=appearance.at,
            title=appearance.title,
            purpose=appearance.purpose,
            location=appearance.location,
        )


LedgerEntry = Annotated[
    NoticeEntry | MoneyEntry | LienEntry | AlertEntry | HearingEntry | CourtDateEntry, Field(discriminator="kind")
]


class Transition(_Model):
    """One change of a case: the projection after it, the timeline line that explains it, and its records."""

    projection: CaseProjection
    event: TimelineEntry
    entries: list[LedgerEntry] = Field(default_factory=list)


class CaseEventRecord(_Model):
    """A timeline line written by a child workflow (hearing, remediation), which owns no projection."""

    case_number: str
    event: TimelineEntry
    entries: list[LedgerEntry] = Field(default_factory=list)


CaseStart.model_rebuild()
