"""The court track: a prosecution as the court sees it (the court, its docket number, the charges laid, the dates
the case is called, how it ended and any fine the court imposed), and an Ontario Part I ticket's choice (pay, an
early resolution meeting, or a trial), with the rules that refuse a step out of order.

The models are the case state's (`CaseState.court`, `FineRecord.ticket`); the rules are asked by the staff
actions' declarations (`domain.staff_actions`) and the officer's reminders by the workflow's timers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# A Part I trial or early resolution meeting is held by the Provincial Offences Court (POA s.5.1, s.5.2).
PART_I_COURT = "Provincial Offences Court"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CourtOutcome(StrEnum):
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    WITHDRAWN = "withdrawn"
    STAYED = "stayed"


class TicketChoice(StrEnum):
    """What a person served a Part I offence notice does within 15 days (POA s.5, s.5.1, s.5.2)."""

    PAY = "pay"
    EARLY_RESOLUTION = "early_resolution"
    TRIAL = "trial"


class CourtDate(_Model):
    """A day the case is called in court; the officer, as the city's witness, is reminded before it."""

    at: datetime
    purpose: str
    set_at: datetime
    location: str = ""


class CourtRecord(_Model):
    """A prosecution from its referral: filed (court, docket, charges), its dates, and its outcome."""

    referred_at: datetime
    reason: str
    court: str | None = None
    docket: str | None = None
    charges: list[str] = Field(default_factory=list)
    filed_at: datetime | None = None
    dates: list[CourtDate] = Field(default_factory=list)
    outcome: CourtOutcome | None = None
    decided_at: datetime | None = None
    fine: Decimal = Decimal(0)
    fine_due_at: datetime | None = None

    @property
    def title(self) -> str:
        """How the calendar and the timeline name it: "Court: <court>, docket <n>"."""
        return f"Court: {self.court}, docket {self.docket}"

    def appearance(self, number: int) -> Appearance:
        """Court date `number` (from 1) as the calendar and the officer's reminders see it."""
        date = self.dates[number - 1]
        return Appearance(
            key=f"court-{number}",
            at=date.at,
            set_at=date.set_at,
            title=self.title,
            purpose=date.purpose,
            location=date.location or self.court or "",
        )


class TicketRecord(_Model):
    """The choice a ticketed owner made, when the city heard of it, and the meeting's or trial's date."""

    choice: TicketChoice
    chosen_on: datetime
    hearing_at: datetime | None = None
    location: str = ""

    def appearance(self, ticket: int) -> Appearance | None:
        """The meeting or trial on ticket number `ticket`, if the owner chose one."""
        if self.hearing_at is None:
            return None
        return Appearance(
            key=f"ticket-{ticket}",
            at=self.hearing_at,
            set_at=self.chosen_on,
            title=f"Court: {PART_I_COURT}, ticket {ticket}",
            purpose=self.choice.value.replace("_", " "),
            location=self.location or PART_I_COURT,
        )


class Appearance(_Model):
    """A court date of either track, as the officer's reminders and the calendar see it."""

    key: str
    at: datetime
    set_at: datetime
    title: str
    purpose: str
    location: str


def ticket_words(choice: TicketChoice) -> str:
    return {
        TicketChoice.PAY: "pay the set fine",
        TicketChoice.EARLY_RESOLUTION: "meet the prosecutor for an early resolution",
        TicketChoice.TRIAL: "go to trial",
    }[choice]


# --- The rules ------------------------------------------------------------------------------------------------


def filing_refusal(court: CourtRecord | None) -> str | None:
    if court is None:
        return (
            "this case was referred for prosecution before the court track was kept; record the court's steps as notes"
        )
    if court.filed_at is not None:
        return f"the charges are already filed ({court.title}); schedule its dates or record its outcome"
    return None


def court_date_refusal(court: CourtRecord | None, at: datetime | None, now: datetime) -> str | None:
    if court is None or court.filed_at is None:
        return "the charges have not been filed with a court yet (file_court_case)"
    if court.outcome is not None:
        return f"the court has decided the case ({court.outcome.value}); no further court date can be set"
    if at is not None and at <= now:
        return "a court date must be in the future"
    return None


def outcome_refusal(court: CourtRecord | None, outcome: CourtOutcome | None, fine: Decimal | None) -> str | None:
    if court is None or court.filed_at is None:
        return "there is no court outcome before the charges are filed (file_court_case)"
    if court.outcome is not None:
        return f"the court's outcome is already recorded ({court.outcome.value} on {court.decided_at:%Y-%m-%d})"
    if fine is not None and outcome is not CourtOutcome.CONVICTED:
        return f"a court fine follows a conviction only; the outcome is {outcome}"
    return None


def ticket_refusal(
    part_i_tickets: bool,
    ticket: TicketRecord | None,
    number: int,
    exists: bool,
    choice: TicketChoice | None,
    court_at: datetime | None,
    now: datetime,
) -> str | None:
    """Why the owner's choice on ticket `number` cannot be recorded; None when it can."""
    if not part_i_tickets:
        return "this violation type's fines are not Part I offence notices (tickets) under the policy; there is no choice to record"
    if not exists:
        return f"there is no ticket {number} on this case"
    if ticket is not None:
        return f"the owner's choice on ticket {number} is already recorded ({ticket_words(ticket.choice)})"
    if choice is TicketChoice.PAY and court_at is not None:
        return "paying the set fine has no meeting or trial date"
    if choice is not TicketChoice.PAY and court_at is None:
        return f"to {ticket_words(choice or TicketChoice.TRIAL)} the owner is given a date: enter it (court_at)"
    if court_at is not None and court_at <= now:
        return "the meeting or trial date must be in the future"
    return None


def closing_refusal(court: CourtRecord | None) -> str | None:
    """A case closed as prosecuted once the court has decided, not while its charges are before it."""
    if court is not None and court.filed_at is not None and court.outcome is None:
        return f"the charges are still before the court ({court.title}): record the court's outcome first"
    return None
