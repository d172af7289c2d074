"""Messages the case sends people (pydantic only: they cross the workflow boundary)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OwnerReminder(_Model):
    """A reminder that a compliance deadline is near. The activity finds the owner's contact on the roll."""

    key: str = Field(description="case number + step: a retried or replayed reminder is this one, not a new one")
    case_number: str
    deadline: AwareDatetime
    days_left: int
    violation_title: str
    address: str


class NoticeEmail(_Model):
    """A served notice sent by e-mail with its letter attached (the letter is read from the document store)."""

    key: str
    case_number: str
    title: str
    address: str
    document_path: str


class MessageReceipt(_Model):
    key: str
    channel: MessageChannel | None
    backend: str
    status: str = Field(description="sent, no_contact or failed")
    provider_id: str | None = None
    already_sent: bool = False
    sent_at: datetime | None = None
