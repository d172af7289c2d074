"""Sending messages exactly once: e-mail through SendGrid, SMS through Twilio, or the dev outbox (adapters/).

Exactly once, by business key: the message row is written before the provider is called and marked sent
with the provider's id after. A retry that finds the row has left us (``LEFT_US``: sent, or anything a provider
reported after) sends nothing (this covers a worker that dies after the provider answered and the row was marked,
before Temporal heard the activity finish, even when a delivery report moved the row on meanwhile).
A retry that finds the row still "sending" cannot tell whether the first attempt reached the provider
(the worker may have died after the provider accepted the message, before the mark); neither provider
offers an idempotency key, so the sender asks the provider first. Twilio lists the messages sent to the
number, and one with this body since the row was written is that attempt's. SendGrid's mail API has no
such lookup, but every e-mail carries its key in ``custom_args`` and SendGrid's event webhook echoes it on
the ``processed`` event, which marks the row sent (api/routes/webhooks.py); so the retry waits for that word
(``EVENT_GRACE``) and, once the row has left us, sends nothing. What a provider's answer means for a
retry is decided in one place, ``refuses_for_good``: outages, throttling and timeouts raise so Temporal retries
with backoff; a refusal that cannot succeed is recorded and raised non-retryable, and the case falls back. A
provider that answered "not now" did not take the message, so its row goes and the retry sends without asking or
waiting; only an attempt that got no answer at all leaves the row "sending".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.senders import (
    Attachment,
    OutboxSender,
    ProviderDeclined,
    ProviderRejected,
    Sender,
)
from adapters.sendgrid_mail import SendGridSender
from adapters.twilio_sms import TwilioSender, twilio_status_callback_url
from config.settings import MessagingBackend, Settings
from domain.messages import (
    LEFT_US,
    ComplainantUpdate,
    FineMessage,
    MessageChannel,
    MessageReceipt,
    NoticeEmail,
    OwnerConfirmation,
    OwnerReminder,
    owner_contact,
)
from records.communications import reply_address_for
from records.db import SessionFactory, transaction
from records.provider_holds import hold, release
from records.tables import Case, Complainant, Complaint, Message, Parcel, SmsOptOut

UTC_ZONE = ZoneInfo("UTC")


class MessagingActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        email: Sender,
        sms: Sender,
        document_store: Path | None = None,
        *,
        local_zone: ZoneInfo = UTC_ZONE,
        owner_portal_url: str | None = None,
        inbound_domain: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._email = email
        self._sms = sms
        self._documents = document_store
        self._zone = local_zone  # deadlines are instants; owners read them on the city's clock
        self._portal = owner_portal_url
        # Residents' replies to a case e-mail come back to the case's own address at this domain (SendGrid's
        # Inbound Parse); without one, replies go to the sender address as before.
        self._inbound_domain = inbound_domain

    @activity.defn(name="send_owner_reminder")
    def send_owner_reminder(self, reminder: OwnerReminder) -> MessageReceipt:
        """On the owner's preferred channel (see `owner_contact`), else nothing to send (recorded)."""
        subject, body = reminder.email(self._zone, self._portal)
        return self._to_owner(
            reminder.key, reminder.case_number, subject, body, sms_body=reminder.sms(self._zone, self._portal)
        )

    def send_owner_confirmation(self, confirmation: OwnerConfirmation) -> MessageReceipt:
        """Confirms what the owner sent through the portal (called by the API when the case has it)."""
        return self._to_owner(confirmation.key, confirmation.case_number, confirmation.subject, confirmation.body)

    def _to_owner(
        self, key: str, case_number: str, subject: str, body: str, *, sms_body: str | None = None
    ) -> MessageReceipt:
        with self._sessions() as session:
            earlier = _left_us(session.exec(select(Message).where(Message.key == key)).first())
            if earlier is not None:
                return earlier
            case = session.get(Case, case_number)
            parcel = session.get(Parcel, case.parcel_id) if case else None
            phone = parcel.owner_phone if parcel else None
            phone_stopped = phone is not None and session.get(SmsOptOut, phone) is not None
        if parcel is None:
            raise ApplicationError(f"case {case_number} has no parcel on record", non_retryable=True)
        preferred = MessageChannel(parcel.owner_preferred_channel) if parcel.owner_preferred_channel else None
        if phone_stopped and parcel.owner_email:  # texted STOP: carriers forbid texts, so the e-mail on the roll
            preferred = MessageChannel.EMAIL
        contact = owner_contact(preferred, parcel.owner_email, parcel.owner_phone)
        if contact is None:
            return MessageReceipt(key=key, channel=None, backend="none", status="no_contact")
        channel, to = contact
        if channel is MessageChannel.EMAIL:
            return self._deliver(key, case_number, channel, self._email, to, subject, body)
        return self._deliver(key, case_number, channel, self._sms, to, subject, sms_body or body)

    @activity.defn(name="send_notice_email")
    def send_notice_email(self, notice: NoticeEmail) -> MessageReceipt:
        """Serves a notice (or sends a later letter) by e-mail, the letter attached; exactly once by key."""
        with self._sessions() as session:
            earlier = _left_us(session.exec(select(Message).where(Message.key == notice.key)).first())
            if earlier is not None:
                return earlier
            case = session.get(Case, notice.case_number)
            parcel = session.get(Parcel, case.parcel_id) if case else None
        if parcel is None or not parcel.owner_email:
            raise ApplicationError("the owner has no e-mail address on the assessment roll", non_retryable=True)
        if self._documents is None or not notice.document_path:
            raise ApplicationError("no document store for the letter", non_retryable=True)
        letter = (self._documents / notice.document_path).read_bytes()
        subject = f"{notice.title} — {notice.address} — case {notice.case_number}"
        body = (
            f"The attached {notice.title.lower()} for {notice.address} (case {notice.case_number}) is served on you "
            "by this e-mail. Please read it: it states what must be done, by when, and how to appeal."
            if notice.served
            else f"Please find attached a letter about case {notice.case_number} ({notice.address}): "
            f"{notice.title.lower()}. Keep it with your records for the property."
        )
        attachment = (Path(notice.document_path).name, letter)
        return self._deliver(
            notice.key,
            notice.case_number,
            MessageChannel.EMAIL,
            self._email,
            parcel.owner_email,
            subject,
            body,
            attachment,
        )

    @activity.defn(name="send_fine_notice")
    def send_fine_notice(self, fine: FineMessage) -> MessageReceipt:
        """A fine, told on the owner's channel: by e-mail with its fine notice attached when the roll has an address
        (the e-mail is the notice's service, as for any letter), else a text while the notice goes by post."""
        subject, body = fine.email(self._zone, self._portal)
        with self._sessions() as session:
            case = session.get(Case, fine.case_number)
            parcel = session.get(Parcel, case.parcel_id) if case else None
        if parcel is not None and parcel.owner_email:
            attachment = None
            if fine.document_path and self._documents is not None:
                attachment = (Path(fine.document_path).name, (self._documents / fine.document_path).read_bytes())
            return self._deliver(
                fine.key,
                fine.case_number,
                MessageChannel.EMAIL,
                self._email,
                parcel.owner_email,
                subject,
                body,
                attachment,
            )
        return self._to_owner(fine.key, fine.case_number, subject, body, sms_body=fine.sms(self._zone, self._portal))

    @activity.defn(name="send_complainant_updates")
    def send_complainant_updates(self, update: ComplainantUpdate) -> list[MessageReceipt]:
        """Each complainant who left an e-mail (else a phone) hears the news once; anonymous reports hear nothing."""
        with self._sessions() as session:
            case = session.get(Case, update.case_number)
            reports = select(Complainant).join(Complaint, col(Complaint.complainant_id) == Complainant.id)
            if update.complaint_id is not None:
                reports = reports.where(Complaint.id == update.complaint_id)
            people = session.exec(reports.where(Complaint.case_number == update.case_number)).all()
        if case is None:
            raise ApplicationError(f"case {update.case_number} is not on record", non_retryable=True)
        subject, body = update.text(case.tracking_code)
        receipts = []
        for person in people:
            key = f"{update.case_number}:complainant-{person.id}:{update.news.value}"
            if person.email:
                channel, sender, to = MessageChannel.EMAIL, self._email, person.email
            elif person.phone:
                channel, sender, to = MessageChannel.SMS, self._sms, person.phone
            else:
                continue
            receipts.append(
                self._deliver(key, update.case_number, channel, sender, to, subject, body, audience="complainant")
            )
        return receipts

    def to_staff(
        self, key: str, case_number: str | None, channel: MessageChannel, to: str, subject: str, body: str
    ) -> MessageReceipt:
        """A message to a staff member, through the same exactly-once path as the residents' (a digest has no case)."""
        sender = self._email if channel is MessageChannel.EMAIL else self._sms
        return self._deliver(key, case_number, channel, sender, to, subject, body, audience="staff")

    def reply_to_resident(
        self, key: str, case_number: str | None, channel: MessageChannel, to: str, subject: str, body: str, party: str
    ) -> MessageReceipt:
        """Staff's answer to someone who wrote or texted (from the case page or the inbox), once by its key."""
        sender = self._email if channel is MessageChannel.EMAIL else self._sms
        return self._deliver(key, case_number, channel, sender, to, subject, body, audience=party)

    def _deliver(
        self,
        key: str,
        case_number: str | None,
        channel: MessageChannel,
        sender: Sender,
        to: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
        *,
        audience: str = "owner",
    ) -> MessageReceipt:
        with transaction(self._sessions) as session:
            sent = session.exec(select(Message).where(Message.key == key)).first()
            earlier_receipt = _left_us(sent)
            if earlier_receipt is not None:
                return earlier_receipt
            # An earlier attempt got as far as the provider call; whether the provider has the message is unknown.
            attempted_since = sent.created_at if sent is not None and sent.status == "sending" else None
            row = sent or Message(
                key=key,
                case_number=case_number,
                audience=audience,
                channel=channel,
                recipient=to,
                subject=subject if channel is MessageChannel.EMAIL else "",
                body=body,
                backend=sender.backend,
            )
            session.add(row)
            opted_out = channel is MessageChannel.SMS and session.get(SmsOptOut, to) is not None
            reply_to = (
                reply_address_for(session, case_number, self._inbound_domain)
                if channel is MessageChannel.EMAIL and case_number and audience != "staff" and self._inbound_domain
                else None
            )
        if opted_out:  # the number texted STOP: carriers forbid sending until it texts START
            return _receipt(self._mark(key, status="opted_out"), already_sent=False)
        try:
            earlier = sender.find_sent(to, body, attempted_since) if attempted_since is not None else None
            if earlier is not None:
                return _receipt(self._mark(key, status="sent", provider_id=earlier), already_sent=True)
            provider_id = sender.send(key, to, subject, body, attachment, reply_to)
        except ProviderRejected as exc:
            self._mark(key, status="failed", error=str(exc))
            self._held(sender, exc.credentials)
            raise ApplicationError(str(exc), type="ProviderRejected", non_retryable=True) from exc
        except ProviderDeclined as exc:
            with transaction(self._sessions) as session:  # no attempt is outstanding: the retry starts afresh
                session.delete(session.exec(select(Message).where(Message.key == key)).one())
            self._held(sender, exc.credentials)
            raise
        with transaction(self._sessions) as session:  # it went, and the provider takes the city's key again
            release(session, sender.backend)
            row = _marked(session, key, status="sent", provider_id=provider_id)
        return _receipt(row, already_sent=False)

    def _held(self, sender: Sender, credentials: str | None) -> None:
        """A provider refusing the city's credentials: the admin hears once, and the console shows it (a 401 is
        retried until the key is fixed; a 403 fails each message, and the case falls back, as any refusal)."""
        if credentials is not None:
            with transaction(self._sessions) as session:
                hold(session, sender.backend, credentials)

    def _mark(self, key: str, **fields: Any) -> Message:
        with transaction(self._sessions) as session:
            return _marked(session, key, **fields)


def _marked(session: Session, key: str, **fields: Any) -> Message:
    """The message's row with `fields` set, in the caller's transaction."""
    row = session.exec(select(Message).where(Message.key == key)).one()
    for name, value in fields.items():
        setattr(row, name, value)
    if fields.get("status") == "sent":
        row.sent_at = datetime.now(UTC)
    session.add(row)
    return row


def _left_us(row: Message | None) -> MessageReceipt | None:
    """For a retry: the receipt of a message that has left us (``LEFT_US``), which must not go again; None when
    it has not. A refusal for good we recorded ("failed" with no provider id, so it never left) is raised again,
    non-retryable as the attempt that met it was, so the case falls back as it would have."""
    if row is None or row.status not in LEFT_US:
        return None
    if row.status == "failed" and row.provider_id is None:
        raise ApplicationError(
            row.error or "the provider refused the message", type="ProviderRejected", non_retryable=True
        )
    return _receipt(row, already_sent=True)


def _receipt(row: Message, *, already_sent: bool) -> MessageReceipt:
    return MessageReceipt(
        key=row.key,
        channel=MessageChannel(row.channel),
        backend=row.backend,
        status=row.status,
        provider_id=row.provider_id,
        already_sent=already_sent,
        sent_at=row.sent_at,
    )


def messaging_activities(
    sessions: SessionFactory, settings: Settings, document_store: Path, local_zone: ZoneInfo
) -> MessagingActivities:
    """The backends the settings choose: the dev outbox, or SendGrid and Twilio (production refuses missing keys)."""
    portal = owner_portal_url(settings)
    domain = settings.inbound_email_domain
    if settings.messaging_backend is MessagingBackend.OUTBOX:
        return MessagingActivities(
            sessions,
            OutboxSender(),
            OutboxSender(),
            document_store,
            local_zone=local_zone,
            owner_portal_url=portal,
            inbound_domain=domain,
        )
    assert settings.sendgrid_api_key and settings.twilio_account_sid and settings.twilio_auth_token
    email = SendGridSender(
        settings.sendgrid_api_key.get_secret_value(), settings.sendgrid_from_email, settings.sendgrid_base_url
    )
    sms = TwilioSender(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        settings.twilio_from_number or "",
        settings.twilio_base_url,
        status_callback=twilio_status_callback_url(settings),
    )
    return MessagingActivities(
        sessions, email, sms, document_store, local_zone=local_zone, owner_portal_url=portal, inbound_domain=domain
    )


def owner_portal_url(settings: Settings) -> str:
    """Where owners act on their case: printed on letters and given in reminders."""
    return f"{settings.public_base_url.rstrip('/')}/portal/owner"
