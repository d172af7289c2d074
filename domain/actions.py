"""Inputs of the staff actions (workflow updates) and of the events from outside (signals).

The API fills `actor` from the signed-in user, never from the request body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.access import Role
from domain.court import CourtOutcome, TicketChoice
from domain.stages import Channel, Decision, Outcome, ServiceMethod

MAIL_NUMBER = re.compile(r"[A-Z0-9]{8,34}")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Actor(_Input):
    username: str
    role: Role
    name: str


class OfficerChoice(_Input):
    id: int
    badge: str
    name: str


# --- Staff actions: the request bodies (what the console and API clients send) ----------------------


class ScheduleInspection(_Input):
    scheduled_for: datetime


class RecordInspection(_Input):
    violation_found: bool
    findings: str = Field(min_length=1, max_length=10_000)
    checklist: dict[str, bool] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list, max_length=50, description="references to stored evidence")
    inspected_at: datetime | None = Field(default=None, description="when the inspection happened; now if omitted")


class IssueNotice(_Input):
    notice_type: str | None = Field(default=None, description="the next notice on the policy's path if omitted")


class RecordService(_Input):
    method: ServiceMethod
    served_at: datetime | None = None
    tracking_number: str | None = Field(
        default=None,
        description="mail only: the certified or registered mail number on the envelope's label",
    )
    evidence_id: int | None = Field(
        default=None, description="posting only: the stored photo of the notice posted at the property"
    )

    @field_validator("tracking_number")
    @classmethod
    def _a_mail_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Labels print the number in groups (9407 1000 …, RR 123 456 785 CA): stored without the gaps."""
        if value is None:
            return None
        method = info.data.get("method")
        if method is not ServiceMethod.MAIL:
            raise ValueError(f"a mail number goes with service by mail, not by {method}")
        number = re.sub(r"[\s-]", "", value).upper()
        if not MAIL_NUMBER.fullmatch(number):
            raise ValueError("a certified or registered mail number is 8 to 34 letters and digits")
        return number

    @field_validator("evidence_id")
    @classmethod
    def _a_posting_photo(cls, value: int | None, info: ValidationInfo) -> int | None:
        method = info.data.get("method")
        if value is not None and method is not ServiceMethod.POSTING:
            raise ValueError(f"a posting photo goes with service by posting, not by {method}")
        return value


class GrantExtension(_Input):
    days: int = Field(ge=1, le=365)
    reason: str = Field(min_length=1, max_length=2000)


class DenyExtension(_Input):
    reason: str = Field(min_length=1, max_length=2000)


class RecordReinspection(_Input):
    complied: bool
    findings: str = Field(min_length=1, max_length=10_000)
    checklist: dict[str, bool] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list, max_length=50)
    inspected_at: datetime | None = None


class IssueFine(_Input):
    amount: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=2)


class ScheduleHearing(_Input):
    hearing_at: datetime
    location: str = Field(default="City Hall, Hearing Room B", max_length=200)


class RecordDecision(_Input):
    decision: Decision
    reason: str = Field(min_length=1, max_length=5000)
    compliance_days: int | None = Field(default=None, ge=1, le=365, description="a modified deadline")
    fine_amount: Decimal | None = Field(
        default=None, gt=0, max_digits=9, decimal_places=2, description="an appealed fine reduced to this amount"
    )


class OrderRemediation(_Input):
    contractor: str = Field(min_length=1, max_length=200)
    scope: str = Field(min_length=1, max_length=5000)


class RecordRemediationCost(_Input):
    description: str = Field(min_length=1, max_length=2000)
    amount: Decimal = Field(gt=0, max_digits=11, decimal_places=2)
    final: bool = Field(default=False, description="the work is finished and this is the last cost")


class FileLien(_Input):
    reference: str | None = Field(default=None, max_length=100)


class ReferProsecution(_Input):
    reason: str = Field(min_length=1, max_length=5000)


class FileCourtCase(_Input):
    """The charges laid in court on a referred case: the court, the docket number it gave, the bylaw sections."""

    court: str = Field(min_length=1, max_length=200, description="e.g. Ontario Court of Justice, Walkerton")
    docket: str = Field(min_length=1, max_length=64, description="the court's number for the case")
    charges: list[str] = Field(min_length=1, max_length=20, description="the bylaw sections charged")

    @field_validator("charges", mode="before")
    @classmethod
    def _sections(cls, value: object) -> object:
        """The console's one text box lists the sections separated by commas or semicolons."""
        if isinstance(value, str):
            return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
        return value

    @field_validator("charges")
    @classmethod
    def _each_named(cls, value: list[str]) -> list[str]:
        sections = [section.strip() for section in value]
        if not all(sections) or any(len(section) > 100 for section in sections):
            raise ValueError("each charge is a bylaw section of 1 to 100 characters")
        return sections


class ScheduleCourtDate(_Input):
    court_at: datetime
    purpose: str = Field(default="appearance", min_length=1, max_length=100, description="first appearance, trial…")
    location: str = Field(default="", max_length=200, description="the courtroom, if not the court's own address")


class RecordCourtOutcome(_Input):
    court_outcome: CourtOutcome
    court_fine: Decimal | None = Field(
        default=None, gt=0, max_digits=11, decimal_places=2, description="the fine the court imposed on conviction"
    )
    days_to_pay: int | None = Field(default=None, ge=1, le=730, description="days the court gave to pay the fine")
    notes: str = Field(default="", max_length=5000)


class RecordTicketChoice(_Input):
    """The owner's answer to a Part I ticket, as it reached the city (the court office tells the municipality)."""

    ticket: int = Field(ge=1, description="the ticket, by its fine number")
    choice: TicketChoice
    court_at: datetime | None = Field(default=None, description="the early resolution meeting's or trial's date")
    location: str = Field(default="", max_length=200)


class RequestPenaltyReview(_Input):
    """The owner asks for a review of a penalty notice (by its fine number), as it reached the AMPS office."""

    penalty: int = Field(ge=1)
    grounds: str = Field(min_length=1, max_length=5000)


class RecordReviewDecision(_Input):
    penalty: int = Field(ge=1)
    decision: Decision = Field(description="upheld (affirmed), modified (reduced) or dismissed (cancelled)")
    reduced_to: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=2)
    reason: str = Field(min_length=1, max_length=5000)


class RecordPayment(_Input):
    amount: Decimal = Field(gt=0, max_digits=11, decimal_places=2)
    method: str = Field(min_length=1, max_length=40)
    reference: str = Field(min_length=1, max_length=100)


class Reassign(_Input):
    officer_badge: str = Field(min_length=1, max_length=32)


class AddNote(_Input):
    text: str = Field(min_length=1, max_length=10_000)


class WriteOff(_Input):
    reason: str = Field(min_length=1, max_length=5000, description="why the balance will not be collected")


class Close(_Input):
    outcome: Outcome
    reason: str = Field(min_length=1, max_length=5000)


class StaffAction(_Input):
    """What the workflow receives for every staff action: who, and the body (reassign also the officer found)."""

    actor: Actor
    body: dict[str, object]
    officer: OfficerChoice | None = None


# --- Events from outside: signals ----------------------------------------------------------------


class DuplicateComplaint(_Input):
    complaint_id: int
    channel: Channel


class OwnerReportedCompliance(_Input):
    note: str = Field(default="", max_length=5000)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class ExtensionRequested(_Input):
    days: int = Field(ge=1, le=365)
    reason: str = Field(min_length=1, max_length=5000)


class AppealFiled(_Input):
    grounds: str = Field(min_length=1, max_length=10_000)
    appellant: str = Field(default="owner of record", max_length=200)
    fine: int | None = Field(default=None, ge=1, description="the fine appealed, by its number; none: the notice")


class PaymentReceived(_Input):
    amount: Decimal = Field(gt=0, max_digits=11, decimal_places=2)
    method: str = Field(min_length=1, max_length=40)
    reference: str = Field(min_length=1, max_length=100)


class PaymentFailed(_Input):
    """An online payment that did not go through: nothing was paid, finance and the timeline hear of it."""

    amount: Decimal = Field(ge=0, max_digits=11, decimal_places=2)
    reference: str = Field(min_length=1, max_length=255)
    reason: str = Field(default="", max_length=500)


class PaymentRefunded(_Input):
    """A payment given back (by the processor): what it paid is owed again."""

    amount: Decimal = Field(gt=0, max_digits=11, decimal_places=2)
    reference: str = Field(min_length=1, max_length=255)


class DeliveryFailed(_Input):
    """A provider reported that a message to the owner did not arrive (the webhooks), or refused it for good."""

    message_key: str = Field(min_length=1, max_length=120)
    channel: str = Field(pattern=r"^(email|sms)$")
    status: str = Field(description="bounced, failed or undelivered", max_length=16)
    reason: str = Field(default="", max_length=500)


# --- The same events when staff enter them for someone outside -----------------------------------------
# Staff type what reached them by phone, letter or at the counter: the entry says who it came from, how, and the
# facts that make it mean something. These models are stricter than the signals' (which the portal and recorded
# histories also send), so only what staff enter is held to them; the signal gets its own fields from the entry.


class ReceivedVia(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    COUNTER = "counter"
    IN_PERSON = "in_person"


class _StaffEntry(_Input):
    on_behalf_of: str = Field(min_length=2, max_length=200, description="who it came from: the owner, their agent…")
    received_via: ReceivedVia

    def facts(self) -> str:
        """The entry in words for the timeline; each event says what it adds."""
        raise NotImplementedError

    def signal(self) -> _Input:
        raise NotImplementedError


class OwnerReportedComplianceEntry(_StaffEntry):
    note: str = Field(min_length=3, max_length=5000, description="what the owner says was done")
    done_on: date = Field(description="when the owner says it was done")

    def facts(self) -> str:
        return f"says it was put right on {self.done_on:%Y-%m-%d}: {self.note}"

    def signal(self) -> OwnerReportedCompliance:
        return OwnerReportedCompliance(note=f"{self.note} (done on {self.done_on:%Y-%m-%d})")


class ExtensionRequestedEntry(ExtensionRequested, _StaffEntry):
    def facts(self) -> str:
        return f"asks for {self.days} more days: {self.reason}"

    def signal(self) -> ExtensionRequested:
        return ExtensionRequested(days=self.days, reason=self.reason)


class AppealFiledEntry(_StaffEntry):
    grounds: str = Field(min_length=1, max_length=10_000)
    fine: int | None = Field(default=None, ge=1, description="the fine appealed, by its number; none: the notice")

    def facts(self) -> str:
        return f"appeals{f' fine {self.fine}' if self.fine else ''}: {self.grounds}"

    def signal(self) -> AppealFiled:
        return AppealFiled(grounds=self.grounds, appellant=self.on_behalf_of, fine=self.fine)


class PaymentReceivedEntry(PaymentReceived, _StaffEntry):
    def facts(self) -> str:
        return f"paid ${self.amount} ({self.method}, {self.reference})"

    def signal(self) -> PaymentReceived:
        return PaymentReceived(amount=self.amount, method=self.method, reference=self.reference)


StaffEntry = OwnerReportedComplianceEntry | ExtensionRequestedEntry | AppealFiledEntry | PaymentReceivedEntry
# An entry identical to one made this recently is the same news entered twice (two clerks, a double click).
REPEAT_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class EarlierEntry:
    event: str
    body: dict[str, object]
    entered_by: str
    at: datetime


def repeated_entry(earlier: list[EarlierEntry], event: str, body: dict[str, object], now: datetime) -> str | None:
    """Why an entry is refused as a repeat of one just made, in words for the person entering it; None if new."""
    for entry in earlier:
        if entry.event == event and entry.body == body and timedelta(0) <= now - entry.at < REPEAT_WINDOW:
            minutes = int((now - entry.at) / timedelta(minutes=1))
            ago = "less than a minute ago" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
            return (
                f"{entry.entered_by} entered the same {event.replace('_', ' ')} {ago}; it is on the timeline and "
                f"is not recorded twice (an entry that differs in any fact is recorded)"
            )
    return None
