"""What enters and leaves the API. Public models decide what leaves: no complainant identity in any of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from domain.case import FailedService
from domain.policy import ViolationType
from domain.routing import Point
from domain.stages import CaseStage, Channel
from records.intake import ComplainantDetails
from services.intake import StaffReport


class GeoPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ComplainantIn(BaseModel):
    """Optional: a complaint may be anonymous. Kept apart from the case and never shown to the owner."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ().-]{7,31}$")

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone)


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    violation_code: str = Field(min_length=1, max_length=24)
    address: str | GeoPoint = Field(description="a street address in the city, or a point {lat, lon}")
    description: str = Field(min_length=3, max_length=5000)
    channel: Channel
    complainant: ComplainantIn | None = None
    open_new_case: bool = Field(
        default=False,
        description="open a new case even when this property already has an open case for this violation type "
        "(by default the complaint joins that case)",
    )
    reason: str | None = Field(
        default=None,
        max_length=1000,
        validate_default=True,
        description="why a new case is opened beside the open one (required with open_new_case); on its timeline",
    )

    @field_validator("address")
    @classmethod
    def _address_not_blank(cls, value: str | GeoPoint) -> str | GeoPoint:
        if isinstance(value, str) and not value.strip():
            raise ValueError("give a street address or a point {lat, lon}")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_for_a_new_case(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("open_new_case") and not value:
            raise ValueError("say why a new case is opened beside the open case about this property and violation type")
        return value

    def report(self) -> StaffReport:
        """The complaint as the intake service files it."""
        address = self.address if isinstance(self.address, str) else Point(self.address.lat, self.address.lon)
        person = self.complainant if self.complainant and not self.complainant.is_empty else None
        return StaffReport(
            violation_code=self.violation_code,
            address=address,
            description=self.description,
            channel=self.channel,
            complainant=ComplainantDetails(**person.model_dump()) if person else None,
        )


class ComplaintAccepted(BaseModel):
    case_number: str
    stage: CaseStage
    tracking_code: str
    message: str
    joined_open_case: bool = Field(
        default=False, description="the complaint joined the open case about this property and violation type"
    )


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class ViolationTypePublic(BaseModel):
    code: str
    title: str
    section: str
    category: str
    priority: int
    specialty: str
    response_target_business_days: int
    description: str

    @classmethod
    def of(cls, violation: ViolationType) -> ViolationTypePublic:
        return cls.model_validate(violation.model_dump())


class ParcelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    parcel_id: str
    address: str
    zone_code: str
    land_use: str
    lat: float
    lon: float


class OwnerOfRecord(BaseModel):
    name: str
    mailing_address: str
    email: str | None
    phone: str | None
    preferred_channel: str | None = Field(default=None, description="email or sms, as the roll says; reminders use it")


class OfficerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    badge: str
    name: str
    email: str | None
    phone: str | None


class Deadline(BaseModel):
    kind: str
    due_at: datetime
    overdue: bool


class TimelineEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    stage: str
    summary: str
    actor: str
    occurred_at: datetime


def document_url(relative: str | None) -> str | None:
    """The authenticated download of a stored document (`api/routes/documents.py`); case numbers and stored file
    names are URL-safe."""
    if relative is None:
        return None
    case_number, _, name = relative.partition("/")
    return f"/api/v1/cases/{case_number}/documents/{name}"


class FailedServicePublic(BaseModel):
    """A service that did not reach the owner, with the letter (and PDF) that was sent and did not arrive."""

    method: str
    attempted_at: datetime
    failed_at: datetime
    reason: str
    document_sha256: str | None = None
    document_url: str | None = None
    pdf_sha256: str | None = None
    pdf_url: str | None = None

    @classmethod
    def of(cls, stored: dict[str, Any]) -> FailedServicePublic:
        failed = FailedService.model_validate(stored)  # older rows hold the letter's fields flat
        letter = failed.letter
        return cls(
            method=failed.method.value,
            attempted_at=failed.attempted_at,
            failed_at=failed.failed_at,
            reason=failed.reason,
            document_sha256=letter.sha256 if letter else None,
            document_url=document_url(letter.path) if letter else None,
            pdf_sha256=letter.pdf_sha256 if letter else None,
            pdf_url=document_url(letter.pdf_path) if letter else None,
        )


class NoticePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="before")
    @classmethod
    def _links(cls, notice: Any) -> Any:
        """The stored paths (`<case>/<file>`) become download links; the paths themselves stay inside."""
        if isinstance(notice, dict):
            return notice
        fields = {name: getattr(notice, name, None) for name in cls.model_fields}
        fields["document_url"] = document_url(getattr(notice, "document_path", None))
        fields["pdf_url"] = document_url(getattr(notice, "pdf_path", None))
        fields["failed_services"] = [FailedServicePublic.of(f) for f in fields["failed_services"] or []]
        return fields

    seq: int
    notice_type: str
    title: str
    issued_at: datetime
    served_at: datetime | None
    service_method: str | None
    appeal_deadline: datetime | None
    document_url: str | None = None
    pdf_url: str | None = None
    pdf_sha256: str | None = None
    pdf_unavailable_reason: str | None = Field(default=None, description="why the letter has no PDF beside it")
    tracking_number: str | None = Field(default=None, description="the certified or registered mail number")
    posting_evidence_id: int | None = Field(default=None, description="the photo of the notice posted at the property")
    mailed_at: datetime | None = None
    created_by: str | None = Field(default=None, description="who issued the notice (None for older notices)")
    served_by: str | None
    document_sha256: str | None
    awaiting_service_by: str | None = Field(
        description="after a failed service: the method the policy names next; the notice is not served until then"
    )
    failed_services: list[FailedServicePublic] = Field(
        description="services that did not reach the owner, oldest first, each with the letter that was sent"
    )


class DocumentPublic(BaseModel):
    """A letter of the case as stored: never replaced, its hash proves what was sent."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    audience: str = Field(description="owner or complainant (a complainant letter is never shown to the owner)")
    delivery: str = Field(description="email, mail, posting, personal, or record (kept on file)")
    path: str
    sha256: str
    template: str
    created_at: datetime


class LedgerLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entry_type: str
    amount: Decimal
    description: str
    due_at: datetime | None
    reference: str | None
    recorded_at: datetime


class HearingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    workflow_id: str
    kind: str
    scheduled_for: datetime | None
    location: str | None
    decision: str | None


class CaseDetail(BaseModel):
    case_number: str
    tracking_code: str
    stage: str
    stage_label: str
    priority: int
    category: str
    violation: ViolationTypePublic | None
    assigned_officer: OfficerPublic | None
    parcel: ParcelPublic
    owner: OwnerOfRecord
    opened_at: datetime
    next_deadline: datetime | None
    compliance_deadline: datetime | None
    waiting_on: str | None
    overdue: bool
    balance: Decimal
    deadlines: list[Deadline]
    notices: list[NoticePublic]
    documents: list[DocumentPublic]
    account: list[LedgerLinePublic]
    hearings: list[HearingPublic]
    outcome: str | None
    closed_at: datetime | None
    workflow_started: bool
    # A case imported from a legacy system: its number there, and when the import wrote it (server time).
    legacy_case_number: str | None = None
    imported_at: datetime | None = None
    temporal_ui_url: str
    timeline: list[TimelineEvent]
