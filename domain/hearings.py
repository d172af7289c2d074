"""What a hearing child workflow takes, holds and returns (defined here, outside the workflow module,
so the sandbox does not rebuild these models for every run)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.stages import Decision, HearingKind


class HearingStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_number: str
    workflow_id: str
    kind: HearingKind
    reason: str
    address: str


class HearingDate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hearing_at: datetime
    location: str


class HearingDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str
    compliance_days: int | None = None
    decided_at: datetime


class HearingState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: HearingDate | None = None
    reminded_for: datetime | None = None
    decision: HearingDecision | None = None
    events: int = 0
