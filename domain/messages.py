"""Messages the case sends people (pydantic only: they cross the workflow boundary)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.stages import Outcome


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


# How far a message has got, as the messages table and the providers' reports say it. Reports arrive late, twice
# and out of order (a "sent" can follow "delivered"), so a report only ever moves a message forward; a failure
# (bounced, failed, undelivered) is final, even after "delivered" (a bounce can come after the server took it).
DELIVERY_PROGRESS = {
    "sending": 0,
    "sent": 1,
    "delivered": 2,
    "bounced": 3,
    "failed": 3,
    "undelivered": 3,
    "opted_out": 3,
}
DELIVERY_FAILED = frozenset({"bounced", "failed", "undelivered"})
# The message left us: the provider took it, and anything it reported after. Sending it again would be a second
# message, so a retried activity that finds one of these returns "already sent". Not "sending" (whether the provider
# has it is unknown) and not "opted_out" (it never left: the number texted STOP, and a retry checks the opt-out
# again). "failed" is here because a provider reports it about a message it took; our own record of a refusal for
# good (a 4xx, no provider id) is also "failed", but Temporal never retries that non-retryable attempt, so a retry
# meets such a row only when the worker died before Temporal heard of the refusal, and then the refusal stands.
LEFT_US = frozenset({"sent", "delivered"}) | DELIVERY_FAILED


def delivery_advances(current: str, reported: str) -> bool:
    """Whether a provider's report of ``reported`` moves a message that is ``current`` forward."""
    return DELIVERY_PROGRESS.get(reported, 0) > DELIVERY_PROGRESS.get(current, 0)


def owner_contact(
    preferred: MessageChannel | None, email: str | None, phone: str | None
) -> tuple[MessageChannel, str] | None:
    """Where a message to the owner goes: the channel the owner prefers (on the assessment roll) when the roll
    has that contact, else e-mail, else SMS; None when the roll has neither."""
    contacts = {MessageChannel.EMAIL: email, MessageChannel.SMS: phone}
    for channel in (preferred, MessageChannel.EMAIL, MessageChannel.SMS):
        address = contacts.get(channel) if channel else None
        if channel and address:
            return channel, address
    return None


class ReminderOf(StrEnum):
    """The deadlines an owner is reminded of (the policy's offsets before each)."""

    COMPLIANCE = "compliance"
    FINE_PAYMENT = "fine_payment"
    HEARING = "hearing"


class OwnerReminder(_Model):
    """A reminder that a deadline the owner faces is near. The activity finds the owner's contact on the roll."""

    key: str = Field(description="case number + step: a retried or replayed reminder is this one, not a new one")
    case_number: str
    deadline: AwareDatetime
    days_left: int
    violation_title: str
    address: str
    of: ReminderOf = ReminderOf.COMPLIANCE
    detail: str = Field(default="", description="the fine (number and amount) or the hearing's place")

    def what_falls_due(self) -> str:
        """The start of the reminder's sentence, completed by the deadline on the city's clock."""
        about = f"the {self.violation_title.lower()} at {self.address}"
        if self.of is ReminderOf.FINE_PAYMENT:
            return f"{self.detail} for {about} is due for payment by"
        if self.of is ReminderOf.HEARING:
            return f"the hearing about {about}{f' ({self.detail})' if self.detail else ''} is on"
        return f"the deadline to correct {about} is"

    def what_to_do(self) -> str:
        if self.of is ReminderOf.FINE_PAYMENT:
            return "Pay it, or see what you owe"
        if self.of is ReminderOf.HEARING:
            return "Attend, or send someone to speak for you; the notice of hearing says how"
        return "If the work is done, report it so the reinspection can come sooner"

    def email(self, zone: ZoneInfo, portal: str | None) -> tuple[str, str]:
        """Subject and body: the deadline on the city's clock (``zone``) and where to act on it."""
        deadline = self.deadline.astimezone(zone)
        subject = f"Reminder: {self.violation_title} at {self.address} — case {self.case_number}"
        body = (
            f"Case {self.case_number}: {self.what_falls_due()} {deadline:%A, %B %d, %Y at %I:%M %p} "
            f"{deadline.tzname()} ({self.days_left} day(s) left). {self.what_to_do()}"
            + (f": {portal} with the access code on your notice." if portal else ".")
        )
        return subject, body

    def sms(self, zone: ZoneInfo, portal: str | None) -> str:
        """The same reminder as a text: case, what, where, the deadline and the portal, in plain GSM-7 (no dashes
        or curly quotes, which would switch the text to UCS-2 and a third of the length per segment), so it
        fits in two segments (306 characters)."""
        deadline = self.deadline.astimezone(zone)
        about = f"the {self.violation_title.lower()} at {self.address}"
        if self.of is ReminderOf.FINE_PAYMENT:
            what, where = f"pay {self.detail} for {about} by", "Pay or see what you owe at"
        elif self.of is ReminderOf.HEARING:
            place = f" ({self.detail})" if self.detail else ""
            what, where = f"hearing about {about}{place} on", "Details at"
        else:
            what, where = f"correct {about} by", "Done? Report it at"
        return (
            f"Case {self.case_number}: {what} {deadline:%a %b %d, %I:%M %p} {deadline.tzname()} "
            f"({self.days_left} day(s) left)."
            + (f" {where} {portal} (code on your notice)." if portal else "")
            + " Reply STOP to opt out."
        )


class NoticeEmail(_Model):
    """A letter e-mailed with the letter attached (read from the document store): a served notice, or one of
    the letters that follow it (`served` False), which the owner also gets by e-mail when the roll has an address."""

    key: str
    case_number: str
    title: str
    address: str
    document_path: str
    served: bool = True


class FineMessage(_Model):
    """A fine told to the owner on their channel: what it costs, what for, when it is due, and by when and how it can
    be appealed. By e-mail the fine notice letter is attached (when it was made here; a served notice that carries
    a fine went out as its own letter)."""

    key: str
    case_number: str
    address: str
    fine_number: int
    amount: Decimal
    section: str = Field(description="the bylaw section the fine enforces")
    conditions: tuple[str, ...] = Field(default=(), description="the unremedied conditions the officer observed")
    due_at: AwareDatetime
    appeal_deadline: AwareDatetime | None = None
    appeal_to: str = ""
    how_to_appeal: str = ""
    document_path: str | None = None

    def email(self, zone: ZoneInfo, portal: str | None) -> tuple[str, str]:
        due = self.due_at.astimezone(zone)
        what = f"; observed: {'; '.join(self.conditions)}" if self.conditions else ""
        appeal = ""
        if self.appeal_deadline is not None:
            last = self.appeal_deadline.astimezone(zone)
            appeal = (
                f" You may appeal this fine to {self.appeal_to} until {last:%A, %B %d, %Y at %I:%M %p} {last.tzname()}: "
                f"{self.how_to_appeal.rstrip('.') or 'the fine notice says how'}"
                + (f", or online at {portal} with the access code on your notice." if portal else ".")
            )
        body = (
            f"Case {self.case_number}, {self.address}: fine {self.fine_number} of ${self.amount:,.2f} for the "
            f"violation of {self.section}, which was found not corrected{what}. Payment is due by "
            f"{due:%A, %B %d, %Y at %I:%M %p} {due.tzname()}.{appeal}"
            + (" The fine notice is attached." if self.document_path else "")
        )
        return f"Fine {self.fine_number} of ${self.amount:,.2f} — {self.address} — case {self.case_number}", body

    def sms(self, zone: ZoneInfo, portal: str | None) -> str:
        """In plain GSM-7 and short: the fine notice itself comes by post."""
        due = self.due_at.astimezone(zone)
        appeal = ""
        if self.appeal_deadline is not None:
            appeal = f" Appeal by {self.appeal_deadline.astimezone(zone):%b %d}."
        return (
            f"Case {self.case_number}: fine {self.fine_number} of ${self.amount:,.2f} ({self.section}, not corrected) "
            f"due {due:%b %d}.{appeal} Notice by mail."
            + (f" Pay or appeal at {portal} (code on your notice)." if portal else "")
            + " Reply STOP to opt out."
        )


class OwnerConfirmation(_Model):
    """The owner's own request through the portal, confirmed back to the owner's contact on the roll."""

    key: str = Field(description="case number + the owner request's id: a repeated confirmation is this one")
    case_number: str
    address: str
    subject: str
    body: str


class MessageReceipt(_Model):
    key: str
    channel: MessageChannel | None
    backend: str
    status: str = Field(description="sent, opted_out, no_contact or failed")
    provider_id: str | None = None
    already_sent: bool = False
    sent_at: datetime | None = None


class ComplainantNews(StrEnum):
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"


# What a complainant may be told of an outcome: public words, nothing about the owner.
PUBLIC_OUTCOMES = {
    Outcome.VOLUNTARY_COMPLIANCE: "the condition was corrected",
    Outcome.ORDER_COMPLIANCE: "the condition was corrected after enforcement",
    Outcome.REMEDIATED_BY_CITY: "the City corrected the condition",
    Outcome.PROSECUTED: "the matter was concluded in court",
    Outcome.DISMISSED: "the case was dismissed",
    Outcome.UNFOUNDED: "no violation was found",
    Outcome.MERGED_DUPLICATE: "it was joined to another case about the same property",
    Outcome.WITHDRAWN: "the report was withdrawn",
}


class ComplainantUpdate(_Model):
    """News for the people who reported the case; the activity finds who left contact details."""

    case_number: str
    news: ComplainantNews
    violation_title: str
    address: str
    violation_found: bool | None = None
    outcome: Outcome | None = None
    # Only the person who made this report: one that joined the open case is acknowledged on its own.
    complaint_id: int | None = None

    def text(self, tracking_code: str) -> tuple[str, str]:
        """Subject and body: the report, the public step and the tracking code; never the owner."""
        about = f"your report about {self.violation_title.lower()} at {self.address}"
        if self.news is ComplainantNews.RECEIVED:
            body = (
                f"Thank you for {about}. It is case {self.case_number}; follow it with tracking code {tracking_code}."
            )
        elif self.news is ComplainantNews.INSPECTED:
            found = (
                "a violation was found and the City will act on it"
                if self.violation_found
                else "no violation was found"
            )
            body = f"An officer has inspected the property in {about} (case {self.case_number}): {found}."
        else:
            outcome = PUBLIC_OUTCOMES[self.outcome] if self.outcome else "the case is closed"
            body = f"Case {self.case_number}, {about}, is closed: {outcome}. Thank you for reporting it."
        return f"Case {self.case_number}: {self.news.value}", body
