"""What residents send in: e-mails (SendGrid's Inbound Parse) and texts (Twilio's messaging webhook), stored on
their case's communications log as they arrive, or in the unmatched inbox until staff file them.

Like a complaint, a message is stored by the API before anything else hears of it, once by the provider's id of it
(SendGrid and Twilio post again when they get no answer). An attachment is kept as evidence, judged by its bytes
and size like any upload; one that is refused (too big, not a photo or PDF) is named with the reason, and the rest
of the message is kept all the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import HeaderParser
from zoneinfo import ZoneInfo

from sqlmodel import Session

from adapters.document_store import sha256_of, store_once
from domain.communications import (
    ContactChannel,
    Direction,
    Party,
    case_numbers_in,
    reply_due_at,
    reply_tokens_in,
)
from domain.evidence import EXTENSIONS, MAX_EVIDENCE_BYTES, EvidenceRejected, EvidenceSource, accepted_media_type
from records.communications import (
    Communication,
    already_received,
    case_by_reply_token,
    cases_by_phone,
    existing_cases,
    party_by_email,
)
from records.db import transaction
from records.tables import SmsOptOut
from services.context import AppContext
from services.evidence import store_evidence

MAX_BODY_CHARACTERS = 100_000
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Attached:
    name: str
    data: bytes | None  # None: not read, because it was already too big
    size: int


@dataclass(frozen=True)
class InboundEmail:
    sender: str
    recipients: list[str]  # To, Cc and the SMTP envelope's recipients
    subject: str
    text: str
    headers: str
    attachments: list[Attached] = field(default_factory=list)

    @property
    def provider_ref(self) -> str:
        """The Message-ID, else a digest of the message: SendGrid's retry of the same post is the same message."""
        message_id = HeaderParser().parsestr(self.headers).get("Message-ID", "").strip()
        if message_id:
            return f"email:{message_id}"[:255]
        digest = hashlib.sha256(f"{self.sender}\n{self.subject}\n{self.text}".encode()).hexdigest()
        return f"email:sha256:{digest}"


@dataclass(frozen=True)
class Received:
    """The answer to the provider: where the message went and what of it was kept."""

    communication_id: int
    case_number: str | None
    attachments_kept: int
    attachments_refused: list[dict[str, str]]
    duplicate: bool = False


def plain_text(text: str, html: str) -> str:
    body = text.strip() or _TAG.sub(" ", html).strip()
    return body[:MAX_BODY_CHARACTERS]


def receive_email(context: AppContext, email: InboundEmail, now: datetime | None = None) -> Received:
    received_at = now or datetime.now(UTC)
    with transaction(context.sessions) as session:
        earlier = already_received(session, email.provider_ref)
        if earlier is not None:
            return _answer(earlier, duplicate=True)
        case_number = case_by_reply_token(
            session, reply_tokens_in(email.recipients, context.settings.inbound_email_domain)
        )
        if case_number is None:
            named = existing_cases(session, case_numbers_in(email.subject))
            case_number = named[0] if len(named) == 1 else None
        party = party_by_email(session, case_number, email.sender) if case_number else Party.OTHER
        line = Communication(
            case_number=case_number,
            channel=ContactChannel.EMAIL.value,
            direction=Direction.INCOMING.value,
            party=party.value,
            sender=email.sender[:255],
            subject=email.subject[:500],
            body=email.text,
            occurred_at=received_at,
            logged_by="sendgrid",
            provider_ref=email.provider_ref,
            reply_due_at=reply_due_at(received_at, context.policy.calendar),
        )
        for attached in email.attachments:
            try:
                line.attachments.append(_keep(session, context, case_number, party, attached))
            except EvidenceRejected as refused:
                line.refused_attachments.append({"name": attached.name, "reason": str(refused)})
        session.add(line)
        session.flush()
        return _answer(line)


def _keep(session: Session, context: AppContext, case_number: str | None, party: Party, attached: Attached) -> dict:
    """Evidence on the case; in the inbox, the file alone (named by its hash) until the message is filed."""
    if attached.data is None or attached.size > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(f"the file is {attached.size:,} bytes; the limit is {MAX_EVIDENCE_BYTES:,}")
    if case_number is None:
        media_type = accepted_media_type(attached.data)
        digest = sha256_of(attached.data)
        relative = f"inbox/{digest}{EXTENSIONS[media_type]}"
        store_once(context.settings.document_store_dir / relative, attached.data, relative)
        return {"name": attached.name, "sha256": digest, "size": attached.size, "inbox_path": relative}
    evidence = store_evidence(
        session,
        context.settings.document_store_dir,
        case_number=case_number,
        data=attached.data,
        original_name=attached.name,
        source=EvidenceSource.OWNER_CORRESPONDENCE if party is Party.OWNER else EvidenceSource.CORRESPONDENCE,
        uploaded_by="sendgrid",
        local_zone=ZoneInfo(context.policy.calendar.timezone),
    )
    return {"name": attached.name, "sha256": evidence.sha256, "size": evidence.size, "evidence_id": evidence.id}


def _answer(line: Communication, *, duplicate: bool = False) -> Received:
    assert line.id is not None
    return Received(
        communication_id=line.id,
        case_number=line.case_number,
        attachments_kept=len(line.attachments),
        attachments_refused=line.refused_attachments,
        duplicate=duplicate,
    )


# Twilio's standard opt-out and opt-in keywords (carriers require them to work on every number).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})


def is_opt_in_or_out(body: str) -> bool:
    return body.strip().upper() in STOP_WORDS | START_WORDS


def opt_in_or_out(context: AppContext, phone: str, body: str) -> int:
    """STOP holds every text to the number until START (carrier rules); how many records changed."""
    word = body.strip().upper()
    if not phone or not is_opt_in_or_out(word):
        return 0
    with transaction(context.sessions) as session:
        existing = session.get(SmsOptOut, phone)
        if word in STOP_WORDS and existing is None:
            session.add(SmsOptOut(phone=phone))
            return 1
        if word in START_WORDS and existing is not None:
            session.delete(existing)
            return 1
    return 0


def receive_text(context: AppContext, phone: str, body: str, message_sid: str, now: datetime | None = None) -> Received:
    """One open case of that phone (its owner's or a complainant's) takes the text; several or none, the inbox."""
    received_at = now or datetime.now(UTC)
    with transaction(context.sessions) as session:
        earlier = already_received(session, f"sms:{message_sid}")
        if earlier is not None:
            return _answer(earlier, duplicate=True)
        matches = cases_by_phone(session, phone)
        case_number, party = matches[0] if len(matches) == 1 else (None, Party.OTHER)
        line = Communication(
            case_number=case_number,
            channel=ContactChannel.SMS.value,
            direction=Direction.INCOMING.value,
            party=party.value,
            sender=phone[:32],
            body=body[:MAX_BODY_CHARACTERS],
            occurred_at=received_at,
            logged_by="twilio",
            provider_ref=f"sms:{message_sid}",
            reply_due_at=reply_due_at(received_at, context.policy.calendar),
        )
        session.add(line)
        session.flush()
        return _answer(line)
