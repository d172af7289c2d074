"""The case's communications log: e-mails and texts residents send (stored by the webhooks as they arrive, like a
complaint), calls and visits staff log, the replies staff send; each case's reply address; disputes of the code.

A message no case claims waits in the unmatched inbox (`case_number` empty) until staff file it. Replies due are
columns of the incoming line (`reply_due_at`, `replied_at`), so "what is owed, by when" and the time to reply are
one query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from domain.communications import (
    Direction,
    Party,
    address_of,
    new_reply_token,
    phone_key,
    reply_address,
    time_to_reply_hours,
)
from domain.stages import CaseStage
from records.tables import Case, Complainant, Complaint, Parcel, _utc_column


class ReplyAddress(SQLModel, table=True):
    """The token of a case's reply address, made the first time the case e-mails anyone and kept."""

    __tablename__ = "case_reply_addresses"

    case_number: str = Field(foreign_key="cases.case_number", primary_key=True, max_length=16)
    token: str = Field(unique=True, max_length=32)


class Communication(SQLModel, table=True):
    __tablename__ = "communications"
    __table_args__ = (UniqueConstraint("provider_ref", name="uq_communications_provider_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    # Empty while it waits in the unmatched inbox.
    case_number: str | None = Field(default=None, foreign_key="cases.case_number", index=True, max_length=16)
    channel: str = Field(max_length=8)  # domain.communications.ContactChannel
    direction: str = Field(max_length=8)
    party: str = Field(max_length=16)
    sender: str = ""  # the address or phone it came from (or went to); empty for a logged visit
    subject: str = ""
    body: str = ""
    occurred_at: datetime | None = _utc_column(nullable=False)
    logged_by: str = Field(max_length=64)  # a username, or the provider that posted it
    # SendGrid's Message-ID or Twilio's MessageSid: a provider's retry of the same post files nothing twice.
    provider_ref: str | None = Field(default=None, max_length=255)
    message_key: str | None = Field(default=None, max_length=120)  # the reply's message (`messages.key`)
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refused_attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reply_due_at: datetime | None = _utc_column()
    replied_at: datetime | None = _utc_column()
    reply_id: int | None = Field(default=None, foreign_key="communications.id")
    filed_by: str | None = Field(default=None, max_length=64)  # who filed it from the unmatched inbox


class Dispute(SQLModel, table=True):
    """An owner's or complainant's dispute of the officer's reading of the code, shown on the case until resolved."""

    __tablename__ = "code_disputes"

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True, max_length=16)
    party: str = Field(max_length=16)
    summary: str
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime | None = _utc_column(nullable=False, server_now=True)
    resolution: str | None = None
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = _utc_column()


def reply_address_for(session: Session, case_number: str, inbound_domain: str) -> str:
    """The case's reply address, made once (two senders racing to make it: the second reads the first's)."""
    found = session.get(ReplyAddress, case_number)
    if found is None:
        try:
            with session.begin_nested():
                found = ReplyAddress(case_number=case_number, token=new_reply_token())
                session.add(found)
        except IntegrityError:
            found = session.get(ReplyAddress, case_number)
            assert found is not None
    return reply_address(found.token, inbound_domain)


def case_by_reply_token(session: Session, tokens: list[str]) -> str | None:
    for token in tokens:
        number = session.exec(select(ReplyAddress.case_number).where(ReplyAddress.token == token)).first()
        if number is not None:
            return number
    return None


def existing_cases(session: Session, numbers: list[str]) -> list[str]:
    return list(session.exec(select(Case.case_number).where(col(Case.case_number).in_(numbers))))


def party_by_email(session: Session, case_number: str, sender: str) -> Party:
    """The owner on the roll or a complainant of the case, by the address an e-mail came from; else other."""
    address = address_of(sender)
    case = session.get(Case, case_number)
    parcel = session.get(Parcel, case.parcel_id) if case else None
    if parcel is not None and address and address == (parcel.owner_email or "").strip().lower():
        return Party.OWNER
    complainants = session.exec(
        select(Complainant.email)
        .join(Complaint, col(Complaint.complainant_id) == Complainant.id)
        .where(Complaint.case_number == case_number)
    )
    if address and any(address == (email or "").strip().lower() for email in complainants):
        return Party.COMPLAINANT
    return Party.OTHER


def party_by_phone(session: Session, case_number: str, phone: str) -> Party:
    for number, party in cases_by_phone(session, phone, open_only=False):
        if number == case_number:
            return party
    return Party.OTHER


def cases_by_phone(session: Session, phone: str, *, open_only: bool = True) -> list[tuple[str, Party]]:
    """The (open) cases whose owner (on the roll) or complainant has this phone, and which of them it is."""
    wanted = phone_key(phone)
    if not wanted:
        return []
    is_open = col(Case.stage) != CaseStage.CLOSED.value if open_only else true()
    found: dict[str, Party] = {}
    owners = session.exec(
        select(Case.case_number, Parcel.owner_phone)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(is_open, col(Parcel.owner_phone).is_not(None))
    )
    for number, owner_phone in owners:
        if phone_key(owner_phone) == wanted:
            found[number] = Party.OWNER
    reporters = session.exec(
        select(Complaint.case_number, Complainant.phone)
        .join(Complainant, col(Complainant.id) == Complaint.complainant_id)
        .join(Case, col(Case.case_number) == Complaint.case_number)
        .where(is_open, col(Complainant.phone).is_not(None))
    )
    for number, reporter_phone in reporters:
        if phone_key(reporter_phone) == wanted:
            found.setdefault(number, Party.COMPLAINANT)
    return sorted(found.items())


def already_received(session: Session, provider_ref: str) -> Communication | None:
    return session.exec(select(Communication).where(Communication.provider_ref == provider_ref)).first()


def communications_of(session: Session, case_number: str) -> list[Communication]:
    return list(
        session.exec(
            select(Communication)
            .where(Communication.case_number == case_number)
            .order_by(col(Communication.occurred_at), col(Communication.id))
        )
    )


def unmatched(session: Session) -> list[Communication]:
    """The unmatched inbox, oldest first: the first in is the first owed a reply."""
    return list(
        session.exec(
            select(Communication)
            .where(col(Communication.case_number).is_(None))
            .order_by(col(Communication.occurred_at), col(Communication.id))
        )
    )


def close_replies_due(session: Session, case_number: str, party: str, reply: Communication) -> int:
    """A reply to someone answers everything they sent the case that was still owed a reply."""
    owed = session.exec(
        select(Communication).where(
            Communication.case_number == case_number,
            Communication.party == party,
            Communication.direction == Direction.INCOMING.value,
            col(Communication.reply_due_at).is_not(None),
            col(Communication.replied_at).is_(None),
        )
    ).all()
    for line in owed:
        line.replied_at, line.reply_id = reply.occurred_at, reply.id
        session.add(line)
    return len(owed)


def replies_overdue(session: Session, as_of: datetime) -> list[tuple[Communication, Case | None]]:
    """Every incoming line whose reply was due by `as_of` and has not been sent, with its case (none in the inbox)."""
    rows = session.exec(
        select(Communication, Case)
        .join(Case, col(Case.case_number) == Communication.case_number, isouter=True)
        .where(
            col(Communication.reply_due_at) <= as_of,
            col(Communication.replied_at).is_(None),
        )
        .order_by(col(Communication.id))
    )
    return list(rows.all())


def open_disputes(session: Session, case_number: str) -> list[Dispute]:
    return list(
        session.exec(
            select(Dispute)
            .where(Dispute.case_number == case_number, col(Dispute.resolved_at).is_(None))
            .order_by(col(Dispute.id))
        )
    )


@dataclass(frozen=True)
class ReplyTime:
    """One resident's contact and how long the city took to answer it (the reports' time to reply)."""

    communication_id: int
    case_number: str | None
    channel: str
    received_at: datetime
    due_at: datetime
    replied_at: datetime | None
    hours: float | None
    on_time: bool | None


def times_to_reply(session: Session, since: datetime, until: datetime) -> list[ReplyTime]:
    """Each e-mail, text and incoming call received in [since, until) that opened a reply due, answered or not."""
    rows = session.exec(
        select(Communication)
        .where(
            col(Communication.reply_due_at).is_not(None),
            col(Communication.occurred_at) >= since,
            col(Communication.occurred_at) < until,
        )
        .order_by(col(Communication.occurred_at), col(Communication.id))
    )
    times = []
    for line in rows:
        assert line.id is not None and line.occurred_at is not None and line.reply_due_at is not None
        replied = line.replied_at
        times.append(
            ReplyTime(
                communication_id=line.id,
                case_number=line.case_number,
                channel=line.channel,
                received_at=line.occurred_at,
                due_at=line.reply_due_at,
                replied_at=replied,
                hours=time_to_reply_hours(line.occurred_at, replied) if replied else None,
                on_time=replied <= line.reply_due_at if replied else None,
            )
        )
    return times
