"""Sending messages exactly once: e-mail through SendGrid, SMS through Twilio, or the dev outbox.

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

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from python_http_client.exceptions import HTTPError as SendGridHTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Attachment as SendGridAttachment
from sendgrid.helpers.mail import CustomArg, Disposition, FileContent, FileName, FileType, Mail
from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

from config.settings import MessagingBackend, Settings
from domain.messages import (
    LEFT_US,
    ComplainantUpdate,
    MessageChannel,
    MessageReceipt,
    NoticeEmail,
    OwnerConfirmation,
    OwnerReminder,
    owner_contact,
)
from records.db import SessionFactory, transaction
from records.tables import Case, Complainant, Complaint, Message, Parcel, SmsOptOut

# How far back, and how far off the provider's clock may be, when a retry looks for an earlier attempt's message.
SENT_LOOKUP_PAGE = 50
CLOCK_SKEW = timedelta(minutes=5)
# A provider that has not answered by then is treated as down (the attempt raises and Temporal retries): well
# under the activity's start-to-close timeout (workflows/common.py), so the attempt fails on its own terms and
# records why, rather than being abandoned by Temporal mid-call.
PROVIDER_TIMEOUT = timedelta(seconds=10)
# A retry that finds an e-mail still "sending" waits this long after the first attempt for SendGrid's event webhook
# to say whether SendGrid accepted it: SendGrid posts events in batches about every 30 seconds and retries a webhook
# that failed, so ten minutes covers an ordinary delay and a short outage of our API. With no word by then, SendGrid
# most likely never took the e-mail and it goes again; a deployment without the webhook configured never hears, so
# there a retry in that window sends once the grace has passed (at least once, not exactly once).
EVENT_GRACE = timedelta(minutes=10)
# The custom argument that carries a message's key to SendGrid and back on each of its events.
MESSAGE_KEY_ARG = "abate_message_key"


class ProviderRejected(Exception):
    """The provider refused the message for a reason a retry cannot mend."""


class ProviderDeclined(Exception):
    """The provider answered that it did not take the message this time (an outage, a throttle, a wrong key):
    unlike an attempt that got no answer, nothing is outstanding, so the retry Temporal makes sends at once."""


def refuses_for_good(status: int) -> bool:
    """Whether a provider's HTTP error refuses this message for good (recorded; the case falls back) rather than
    reporting an outage that Temporal's retry policy waits out.

    5xx, 408 (request timeout) and 429 (rate limited) pass with time. So does 401: a wrong or revoked API key
    refuses every message alike, and each one can still go once the operator corrects the key, so retrying
    (backing off to once a minute) delivers them then, instead of failing every case's services at once for a
    configuration slip. Any other 4xx (400 invalid number, 403 unverified sender, 404, 413 too large, 422…)
    is about this message, and sending it again as it is cannot succeed.
    """
    return 400 <= status < 500 and status not in (401, 408, 429)


Attachment = tuple[str, bytes]  # file name, content


class Sender(Protocol):
    backend: str

    def send(self, key: str, to: str, subject: str, body: str, attachment: Attachment | None = None) -> str:
        """Sends the message whose business key is ``key``; returns the provider's message id."""

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of this message if an earlier attempt (since ``since``) got it there; None when it
        did not, or when the provider cannot tell. Raises (retryably) while the answer is still to come."""


class OutboxSender:
    """Dev default: the message is stored as it would have been sent (the messages table is the outbox)."""

    backend = "outbox"

    def send(self, key: str, to: str, subject: str, body: str, attachment: Attachment | None = None) -> str:
        return f"outbox:{to}"

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # the outbox is the messages table itself: an unmarked row was never stored as sent


class SendGridSender:
    backend = "sendgrid"

    def __init__(
        self,
        api_key: str,
        from_email: str,
        host: str | None = None,
        *,
        timeout: timedelta = PROVIDER_TIMEOUT,
        event_grace: timedelta = EVENT_GRACE,
    ) -> None:
        self._client = SendGridAPIClient(api_key=api_key, **({"host": host} if host else {}))
        # The SDK has no timeout argument; its HTTP client's documented `timeout` applies to every request.
        self._client.client.timeout = timeout.total_seconds()
        self._from = from_email
        self._event_grace = event_grace

    def send(self, key: str, to: str, subject: str, body: str, attachment: Attachment | None = None) -> str:
        mail = Mail(from_email=self._from, to_emails=to, subject=subject, plain_text_content=body)
        mail.custom_arg = CustomArg(MESSAGE_KEY_ARG, key)  # echoed on every event: the webhook finds the row by it
        if attachment is not None:
            name, content = attachment
            mail.attachment = SendGridAttachment(
                FileContent(base64.b64encode(content).decode("ascii")),
                FileName(name),
                FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                Disposition("attachment"),
            )
        try:
            response = self._client.send(mail)
        except SendGridHTTPError as exc:
            if refuses_for_good(exc.status_code):
                raise ProviderRejected(f"SendGrid refused the e-mail ({exc.status_code}): {exc.body!r}") from exc
            raise ProviderDeclined(f"SendGrid did not take the e-mail ({exc.status_code}): {exc.body!r}") from exc
        return str(response.headers.get("X-Message-Id", ""))

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Mail send has no lookup (the Email Activity API is a paid add-on outside the mail contract); the event
        webhook's word on the first attempt moves the row on by itself, so until the grace has passed this waits."""
        left = since + self._event_grace - datetime.now(UTC)
        if left > timedelta(0):
            raise ApplicationError(
                "waiting for SendGrid's event webhook to say whether the first attempt was accepted "
                f"(sending again in {int(left.total_seconds())} s if it does not)",
                type="AwaitingProviderEvent",
            )
        return None


_TWILIO_API_HOST = re.compile(r"^api(\.[a-z0-9-]+){0,2}\.twilio\.com$")


def rehosted_twilio_url(url: str, base_url: str) -> str:
    """``url`` on Twilio's REST API host (or a regional one), moved to ``base_url``; anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not _TWILIO_API_HOST.match(parts.hostname or ""):
        raise ValueError(f"only Twilio's API host is re-hosted; refusing to send {url!r} anywhere")
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class RehostedTwilioHttpClient(TwilioHttpClient):
    """The SDK's own transport, sending api.twilio.com requests to another host (a proxy, or a test stand-in).

    ``twilio.rest.Client`` has no base-URL option; a custom ``http_client`` is its documented hook.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        return super().request(method, rehosted_twilio_url(url, self.base_url), *args, **kwargs)


class TwilioSender:
    backend = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str | None = None,
        *,
        status_callback: str | None = None,
        timeout: timedelta = PROVIDER_TIMEOUT,
    ) -> None:
        seconds = timeout.total_seconds()
        http = RehostedTwilioHttpClient(base_url, timeout=seconds) if base_url else TwilioHttpClient(timeout=seconds)
        self._client = TwilioClient(account_sid, auth_token, http_client=http)
        self._from = from_number
        # Twilio reports delivery only to a URL named on each message; without it an SMS stays "sent" forever.
        self._status_callback = status_callback

    def send(self, key: str, to: str, subject: str, body: str, attachment: Attachment | None = None) -> str:
        callback = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=to, from_=self._from, body=body, **callback)
        except TwilioRestException as exc:
            if refuses_for_good(exc.status):
                raise ProviderRejected(f"Twilio refused the SMS ({exc.status}, error {exc.code}): {exc.msg}") from exc
            raise ProviderDeclined(f"Twilio did not take the SMS ({exc.status}, error {exc.code}): {exc.msg}") from exc
        return str(message.sid)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Newest first: an attempt that reached Twilio is among the latest messages to that number."""
        try:
            recent = self._client.messages.list(
                to=to, from_=self._from, page_size=SENT_LOOKUP_PAGE, limit=SENT_LOOKUP_PAGE
            )
        except TwilioRestException as exc:
            if refuses_for_good(exc.status):
                raise ProviderRejected(
                    f"Twilio refused the message lookup ({exc.status}, error {exc.code}): {exc.msg}"
                ) from exc
            raise
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= since - CLOCK_SKEW):
                return str(message.sid)
        return None


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
    ) -> None:
        self._sessions = sessions
        self._email = email
        self._sms = sms
        self._documents = document_store
        self._zone = local_zone  # deadlines are instants; owners read them on the city's clock
        self._portal = owner_portal_url

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

    @activity.defn(name="send_complainant_updates")
    def send_complainant_updates(self, update: ComplainantUpdate) -> list[MessageReceipt]:
        """Each complainant who left an e-mail (else a phone) hears the news once; anonymous reports hear nothing."""
        with self._sessions() as session:
            case = session.get(Case, update.case_number)
            people = session.exec(
                select(Complainant)
                .join(Complaint, col(Complaint.complainant_id) == Complainant.id)
                .where(Complaint.case_number == update.case_number)
            ).all()
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

    def _deliver(
        self,
        key: str,
        case_number: str,
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
        if opted_out:  # the number texted STOP: carriers forbid sending until it texts START
            return _receipt(self._mark(key, status="opted_out"), already_sent=False)
        try:
            earlier = sender.find_sent(to, body, attempted_since) if attempted_since is not None else None
            if earlier is not None:
                return _receipt(self._mark(key, status="sent", provider_id=earlier), already_sent=True)
            provider_id = sender.send(key, to, subject, body, attachment)
        except ProviderRejected as exc:
            self._mark(key, status="failed", error=str(exc))
            raise ApplicationError(str(exc), type="ProviderRejected", non_retryable=True) from exc
        except ProviderDeclined:
            with transaction(self._sessions) as session:  # no attempt is outstanding: the retry starts afresh
                session.delete(session.exec(select(Message).where(Message.key == key)).one())
            raise
        return _receipt(self._mark(key, status="sent", provider_id=provider_id), already_sent=False)

    def _mark(self, key: str, **fields: Any) -> Message:
        with transaction(self._sessions) as session:
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
    if settings.messaging_backend is MessagingBackend.OUTBOX:
        return MessagingActivities(
            sessions, OutboxSender(), OutboxSender(), document_store, local_zone=local_zone, owner_portal_url=portal
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
    return MessagingActivities(sessions, email, sms, document_store, local_zone=local_zone, owner_portal_url=portal)


def twilio_status_callback_url(settings: Settings) -> str:
    """Where Twilio posts each SMS's delivery status, and so the URL its signature covers."""
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio"


def owner_portal_url(settings: Settings) -> str:
    """Where owners act on their case: printed on letters and given in reminders."""
    return f"{settings.public_base_url.rstrip('/')}/portal/owner"
