"""Staff's side of the communications log: replies to residents, calls and visits, the unmatched inbox, disputes.

A reply goes through the same exactly-once sender as every message (its key is the line it answers and its words,
so a form sent twice sends once) and closes what that person was owed. Refusals are `Refused` with the rule in
plain words, which the console shows beside the form.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from activities.messaging import MessagingActivities, messaging_activities
from adapters.senders import ProviderDeclined
from domain.alerts import CODE_DISPUTE, PROGRAM_MANAGER
from domain.communications import (
    ContactChannel,
    Direction,
    DisputeEntry,
    DisputeResolution,
    LoggedContact,
    Party,
    ResidentReply,
    address_of,
    reply_due_at,
)
from domain.evidence import EvidenceSource
from domain.messages import MessageChannel
from records.communications import Communication, Dispute, close_replies_due, party_by_email, party_by_phone
from records.db import transaction
from records.notifications import file_alert
from records.tables import Alert, Case, Parcel, User
from services.context import AppContext
from services.evidence import store_evidence


class Refused(Exception):
    """An action on the log that a rule refuses; the message names the rule."""


def _messaging(context: AppContext) -> MessagingActivities:
    return messaging_activities(
        context.sessions, context.settings, context.settings.document_store_dir, ZoneInfo(context.city.timezone)
    )


def reply(context: AppContext, user: User, case_number: str, line_id: int, answer: ResidentReply) -> str:
    """Answers an e-mail by e-mail and a text by text; returns the message's key."""
    with context.sessions() as session:
        line = session.get(Communication, line_id)
    if line is None or line.case_number != case_number:
        raise Refused(f"there is no message {line_id} on case {case_number}")
    if line.direction != Direction.INCOMING.value or line.channel not in (ContactChannel.EMAIL, ContactChannel.SMS):
        raise Refused("only an e-mail or a text is answered from here; a call is answered by logging the call back")
    channel = MessageChannel(line.channel)
    to = address_of(line.sender) if channel is MessageChannel.EMAIL else line.sender
    key = f"reply:{line_id}:{hashlib.sha256(answer.body.encode()).hexdigest()[:16]}"
    subject = line.subject if line.subject.lower().startswith("re:") else f"Re: {line.subject or f'case {case_number}'}"
    # Anyone not known to be the owner may be a complainant: the outbox keeps such a reply from other roles.
    audience = "owner" if line.party == Party.OWNER.value else "complainant"
    try:
        receipt = _messaging(context).reply_to_resident(key, case_number, channel, to, subject, answer.body, audience)
    except ProviderDeclined as exc:
        raise Refused(f"the reply was not sent: {exc}. It can be sent again once the provider takes it") from exc
    with transaction(context.sessions) as session:
        if session.exec(select(Communication.id).where(Communication.message_key == key)).first() is None:
            sent = Communication(
                case_number=case_number,
                channel=channel.value,
                direction=Direction.OUTGOING.value,
                party=line.party,
                sender=to,
                subject=subject,
                body=answer.body,
                occurred_at=receipt.sent_at or datetime.now(UTC),
                logged_by=user.username,
                message_key=key,
            )
            session.add(sent)
            session.flush()
            close_replies_due(session, case_number, line.party, sent)
    return key


def log_contact(context: AppContext, user: User, case_number: str, contact: LoggedContact) -> int:
    """An incoming call is owed a reply by the close of the next business day; a call or visit out answers what
    that person was owed."""
    at = contact.occurred_at or datetime.now(UTC)
    incoming_call = contact.direction is Direction.INCOMING and contact.channel.value == ContactChannel.CALL.value
    with transaction(context.sessions) as session:
        if session.get(Case, case_number) is None:
            raise Refused(f"there is no case {case_number}")
        line = Communication(
            case_number=case_number,
            channel=contact.channel.value,
            direction=contact.direction.value,
            party=contact.party.value,
            body=contact.summary,
            occurred_at=at,
            logged_by=user.username,
            reply_due_at=reply_due_at(at, context.policy.calendar) if incoming_call else None,
        )
        session.add(line)
        session.flush()
        if contact.direction is Direction.OUTGOING:
            close_replies_due(session, case_number, contact.party.value, line)
        assert line.id is not None
        return line.id


def file_from_inbox(context: AppContext, user: User, line_id: int, case_number: str) -> None:
    """Files an unmatched message to the case staff name; its attachments become the case's evidence."""
    with transaction(context.sessions) as session:
        line = session.get(Communication, line_id)
        if line is None:
            raise Refused(f"there is no message {line_id} in the inbox")
        if line.case_number is not None:
            raise Refused(f"the message was already filed to case {line.case_number}")
        if session.get(Case, case_number) is None:
            raise Refused(f"there is no case {case_number}; check the number")
        by_email = line.channel == ContactChannel.EMAIL.value
        party = (party_by_email if by_email else party_by_phone)(session, case_number, line.sender)
        kept = []
        for attached in line.attachments:
            path = attached.get("inbox_path")
            if path:
                evidence = store_evidence(
                    session,
                    context.settings.document_store_dir,
                    case_number=case_number,
                    data=(context.settings.document_store_dir / path).read_bytes(),
                    original_name=attached["name"],
                    source=EvidenceSource.OWNER_CORRESPONDENCE
                    if party is Party.OWNER
                    else EvidenceSource.CORRESPONDENCE,
                    uploaded_by=user.username,
                    local_zone=ZoneInfo(context.policy.calendar.timezone),
                )
                attached = {key: value for key, value in attached.items() if key != "inbox_path"}
                attached["evidence_id"] = evidence.id
            kept.append(attached)
        line.attachments, line.case_number, line.party, line.filed_by = kept, case_number, party.value, user.username
        session.add(line)


def record_dispute(context: AppContext, user: User, case_number: str, entry: DisputeEntry) -> str | None:
    """Shown on the case until resolved; the program manager is alerted at once and the city attorney's contact is
    e-mailed. Returns why that e-mail could not go now, if it could not (the dispute is recorded all the same)."""
    with transaction(context.sessions) as session:
        case = session.get(Case, case_number)
        if case is None:
            raise Refused(f"there is no case {case_number}")
        parcel = session.get(Parcel, case.parcel_id)
        dispute = Dispute(
            case_number=case_number, party=entry.party.value, summary=entry.summary, recorded_by=user.username
        )
        session.add(dispute)
        session.flush()
        alert = Alert(
            key=f"dispute:{dispute.id}",
            case_number=case_number,
            audience=PROGRAM_MANAGER,
            kind=CODE_DISPUTE,
            message=f"{case_number}: the {entry.party.value} disputes the officer's reading of the code",
        )
        file_alert(session, alert, stage=case.stage)
        address = parcel.address if parcel else ""
    link = f"{context.settings.public_base_url.rstrip('/')}/cases/{case_number}"
    body = (
        f"A dispute of the code's reading was recorded on case {case_number} ({address}) by {user.full_name}.\n\n"
        f"Disputed by: the {entry.party.value}\n\n{entry.summary}\n\nThe case: {link}\n"
    )
    try:
        _messaging(context).to_staff(
            f"dispute-{dispute.id}-city-attorney",
            case_number,
            MessageChannel.EMAIL,
            context.settings.city_attorney_email,
            f"Code dispute on case {case_number}",
            body,
        )
    except ProviderDeclined as exc:
        return str(exc)
    return None


def resolve_dispute(context: AppContext, user: User, case_number: str, dispute_id: int, how: DisputeResolution) -> None:
    with transaction(context.sessions) as session:
        dispute = session.get(Dispute, dispute_id)
        if dispute is None or dispute.case_number != case_number:
            raise Refused(f"there is no dispute {dispute_id} on case {case_number}")
        if dispute.resolved_at is not None:
            raise Refused(f"the dispute was resolved on {dispute.resolved_at:%Y-%m-%d} by {dispute.resolved_by}")
        dispute.resolution, dispute.resolved_by, dispute.resolved_at = how.resolution, user.username, datetime.now(UTC)
        session.add(dispute)
