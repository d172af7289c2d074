"""What a case workflow carries: its start, its one state object, and what its activities exchange.

These are pydantic models in a module that never imports sqlmodel: they cross the workflow boundary
through the pydantic data converter, and activities turn them into rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.calendar import BusinessCalendar
from domain.policy import ViolationType
from domain.stages import CaseStage, Channel


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseStart(_Model):
    """The workflow input. The policy snapshot (violation type and calendar) is the rule the case keeps."""

    case_number: str
    tracking_code: str
    opened_at: datetime
    channel: Channel
    parcel_id: str
    address: str
    zone: str
    violation: ViolationType
    calendar: BusinessCalendar

    @property
    def summary(self) -> str:
        """The static summary operators see in the Temporal UI."""
        return f"{self.case_number} · {self.violation.title} · {self.address}"


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


class OfficerRef(_Model):
    id: int
    badge: str
    name: str


class AssignmentRequest(_Model):
    zone: str
    specialty: str


class ResponseDueRequest(_Model):
    opened_at: datetime
    business_days: int
    calendar: BusinessCalendar


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
    overdue: bool


class Transition(_Model):
    """One change of a case: the projection after it and the timeline line that explains it."""

    projection: CaseProjection
    event: TimelineEntry


class CaseState(_Model):
    """The one state object of a case; continue-as-new carries it whole and the snapshot query returns it."""

    case_number: str
    stage: CaseStage
    violation: ViolationType
    calendar: BusinessCalendar
    opened_at: datetime
    parcel: ParcelFacts | None = None
    officer: OfficerRef | None = None
    response_due_at: datetime | None = None
    overdue: bool = False
    events_recorded: int = 0

    @property
    def next_deadline(self) -> datetime | None:
        return None if self.stage is CaseStage.CLOSED else self.response_due_at

    def projection(self) -> CaseProjection:
        return CaseProjection(
            case_number=self.case_number,
            stage=self.stage,
            assigned_officer_id=self.officer.id if self.officer else None,
            response_due_at=self.response_due_at,
            next_deadline=self.next_deadline,
            overdue=self.overdue,
        )
