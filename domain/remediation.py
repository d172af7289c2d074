"""What a remediation (abatement) child workflow takes, holds and returns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class RemediationStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_number: str
    workflow_id: str
    contractor: str
    scope: str
    address: str
    due_at: datetime


class CostLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    amount: Decimal


class RemediationResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total: Decimal
    lines: list[CostLine]
    completed_at: datetime


class RemediationState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[CostLine] = Field(default_factory=list)
    completed: bool = False
    overdue_reported: bool = False
    events: int = 0
