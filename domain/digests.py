"""Scheduled digests: the supervisors' daily list of open Category I cases and the program manager's weekly summary.

Pydantic models in a module that never imports sqlmodel: they cross the workflow boundary through the
pydantic data converter, and the alerts activity turns them into an `alerts` row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DigestKind = Literal["daily_category_i", "weekly_status"]

# Who reads each digest (the `alerts.audience` column).
AUDIENCE: dict[DigestKind, str] = {"daily_category_i": "supervisor", "weekly_status": "program_manager"}
# Keyed by the alert's kind (`alerts.kind` of a digest is its DigestKind).
TITLES: dict[str, str] = {
    "daily_category_i": "Daily digest of open Category I (life-safety) cases",
    "weekly_status": "Weekly status summary",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DigestStart(_Model):
    """The DigestWorkflow input a Schedule carries: the workflow takes `as_of` from its own clock."""

    kind: DigestKind
    time_zone: str = Field(default="UTC", description="the city's IANA zone: names the digest's day and its times")


class DigestRequest(_Model):
    kind: DigestKind
    as_of: AwareDatetime
    time_zone: str = "UTC"

    @property
    def local_as_of(self) -> datetime:
        return self.as_of.astimezone(ZoneInfo(self.time_zone))

    @property
    def key(self) -> str:
        """One digest per kind and city day: a retry or a re-run of the same day finds this key taken."""
        return f"digest:{self.kind}:{self.local_as_of:%Y-%m-%d}"


class DigestCase(_Model):
    """One line of the daily Category I digest."""

    case_number: str
    violation_code: str
    stage: str
    next_deadline: datetime | None
    overdue: bool
    officer: str | None = Field(description="'Name (badge)' of the assigned officer, None when unassigned")


class OfficerWeek(_Model):
    """One officer's line of the weekly summary: the guide asks for each officer's work, next steps and arrears."""

    officer: str = Field(description="'Name (badge)'")
    cases_worked: int = Field(description="their cases with anything on the timeline this week")
    due_next_week: int = Field(description="their open cases whose next step falls due in the coming 7 days")
    overdue: int


class DigestResult(_Model):
    kind: DigestKind
    key: str
    as_of: datetime
    written: bool = Field(description="False when the digest for this day was already on record (nothing written)")
    message: str = Field(description="the digest's text as stored in the alerts table")
    open_cases: int = Field(default=0, description="open cases the digest covers (Category I only for the daily)")
    overdue: int = Field(default=0, description="of those, how many are overdue")
    # Daily (Category I)
    cases: list[DigestCase] = Field(default_factory=list)
    # Weekly (status summary)
    opened: int = 0
    closed: int = 0
    open_by_stage: dict[str, int] = Field(default_factory=dict)
    outstanding_balance: Decimal = Decimal(0)
    officers: list[OfficerWeek] = Field(default_factory=list)
