"""Who hears of an alert, how soon, and when a quiet case has stalled: the rules every alert writer asks.

The workflow, the digests and the webhooks name an alert's audience in their own terms (an officer's badge,
"supervisor", "finance", "program_manager"); `addressees` turns that into the staff accounts that must read it,
so no alert is filed to nobody. `urgent` says which of them go out at once by e-mail or text; the rest wait for
the person's daily digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import get_args
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.access import Role
from domain.digests import DigestKind
from domain.messages import MessageReceipt
from domain.stages import CaseStage

# The city's guide names a program manager who reads the digests; Abate's supervisors hold that office.
PROGRAM_MANAGER = "program_manager"
ROLE_AUDIENCES: dict[str, Role] = {
    "supervisor": Role.SUPERVISOR,
    PROGRAM_MANAGER: Role.SUPERVISOR,
    "finance": Role.FINANCE,
    "hearing_clerk": Role.HEARING_OFFICER,
    "hearing_officer": Role.HEARING_OFFICER,
    "admin": Role.ADMIN,
}
# The kind of the alert a first inspection's missed response target files (workflows/case/workflow.py).
STEP_OVERDUE = "step_overdue"
STALLED = "stalled"
# A case whose number Temporal already holds for another case: it cannot start until an admin sets it right.
CASE_NUMBER_TAKEN = "case_number_taken"
DAILY_DIGEST_HOUR = 7


class AlertChannel(StrEnum):
    """How a staff member asked to hear of an urgent alert at once."""

    EMAIL = "email"
    SMS = "sms"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"email": "E-mail", "sms": "Text message (SMS)", "none": "Only in the console"}[self.value]


class AlertSettings(BaseModel):
    """How a staff member hears of alerts, set by themselves or an admin: urgent ones at once on `alert_channel`,
    the rest in a daily e-mail if they want it."""

    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32)
    alert_channel: AlertChannel
    daily_digest: bool = False  # an unticked box sends nothing


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: str
    active: bool = True
    badge: str | None = None  # the officer record the account is linked to, if any


def addressees(audience: str, staff: Sequence[StaffMember]) -> list[str]:
    """The usernames an alert for `audience` reaches: the officer with that badge, else every active holder of
    the role the audience names. An alert nobody would read (an officer without an account, a role nobody
    holds) goes to the supervisors, then the administrators: nothing goes unheard."""
    active = [member for member in staff if member.active]
    role = ROLE_AUDIENCES.get(audience)
    found = [m.username for m in active if (m.role == role if role else m.badge == audience)]
    for fallback in (Role.SUPERVISOR, Role.ADMIN):
        if found:
            break
        found = [m.username for m in active if m.role == fallback]
    return sorted(found)


def urgent(*, kind: str, stage: str | None, category: str | None) -> bool:
    """Sent at once rather than in the daily digest: anything on a life-safety (Category I) case, a first
    inspection that missed its response target, a case that cannot start, and the scheduled digests themselves."""
    missed_response_target = kind == STEP_OVERDUE and stage == CaseStage.INVESTIGATING.value
    return category == "I" or missed_response_target or kind == CASE_NUMBER_TAKEN or kind in get_args(DigestKind)


def case_number_taken_message(case_number: str) -> str:
    return (
        f"{case_number} is stored but cannot start: Temporal already holds a case {case_number} with another "
        "tracking code (the records database was restored without Temporal's). New cases are numbered past it; "
        "this complaint waits until the two are restored together or it is filed again."
    )


@dataclass(frozen=True)
class Stall:
    """Why a case counts as stalled, and the period it is alarmed for (the alert's key, so once per period)."""

    reason: str
    period: str


def stall(
    *,
    last_activity: datetime,
    step_due_at: datetime | None,
    overdue: bool,
    now: datetime,
    quiet_days: int,
    past_due_days: int,
) -> Stall | None:
    """An open case stalls when nothing has happened on it for `quiet_days` (no staff action, no event), or the
    human step it waits on is more than `past_due_days` past its due date (San Diego's 2022 audit: cases open
    600+ days with no notice). The period is counted in whole spells from the last activity (or the due date),
    so a case still stalled a spell later alarms again, and never twice within one."""
    quiet = (now - last_activity).days
    if quiet >= quiet_days:
        spell = quiet // quiet_days
        return Stall(f"no action or event for {quiet} days", f"quiet-{last_activity:%Y%m%d%H%M%S}-{spell}")
    if overdue and step_due_at is not None and now - step_due_at > timedelta(days=past_due_days):
        late = (now - step_due_at).days
        spell = late // max(past_due_days, 1)
        return Stall(f"its step is {late} days past due", f"past-due-{step_due_at:%Y%m%d%H%M%S}-{spell}")
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertRoundStart(_Model):
    """The AlertRoundWorkflow input its Schedule carries: the city's zone and its stalled-case numbers."""

    time_zone: str = "UTC"
    stalled_after_days: int = 30
    stalled_past_due_days: int = 5


class AlertRound(_Model):
    """One round, stamped with the workflow's clock (so a retried activity sees the same moment)."""

    as_of: AwareDatetime
    time_zone: str = "UTC"
    stalled_after_days: int = 30
    stalled_past_due_days: int = 5

    @property
    def local_day(self) -> str:
        return f"{self.as_of.astimezone(ZoneInfo(self.time_zone)):%Y-%m-%d}"

    @property
    def digest_due(self) -> bool:
        """Each person's daily digest of their other alerts goes at the first round from this hour of the city."""
        return self.as_of.astimezone(ZoneInfo(self.time_zone)).hour >= DAILY_DIGEST_HOUR


class AlertRoundResult(_Model):
    stalled: list[str] = Field(default_factory=list, description="the keys of the stalled-case alerts filed")
    sent: list[MessageReceipt] = Field(default_factory=list, description="urgent alerts and digests sent")
    daily_digests: list[MessageReceipt] = Field(default_factory=list)
