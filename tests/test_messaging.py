"""Owner messages go out exactly once, through the real SendGrid and Twilio SDKs (to contract-checked stand-ins)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError

from activities.messaging import MessagingActivities
from adapters.senders import OutboxSender, ProviderDeclined
from adapters.sendgrid_mail import SendGridSender
from adapters.twilio_sms import TwilioSender
from domain.messages import MessageChannel, NoticeEmail, OwnerReminder
from domain.policy import Policy
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.tables import Message, SmsOptOut
from tests.helpers import case_with_owner_contacts
from tests.standins.sendgrid import SendGridStandin
from tests.standins.twilio import TwilioStandin

# GSM 03.38's basic character set: a text using only these is 160 characters a segment (153 when split).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.fixture
def sessions(sqlite_url: str) -> SessionFactory:
    return session_factory(make_engine(sqlite_url))


def _messaging(sessions: SessionFactory, sendgrid: SendGridStandin, twilio: TwilioStandin) -> MessagingActivities:
    email = SendGridSender(sendgrid.api_key, "code.enforcement@riverton.example", sendgrid.base_url)
    sms = TwilioSender(twilio.account_sid, twilio.auth_token, "+15550100311", twilio.base_url)
    portal = "https://riverton.example/portal/owner"
    return MessagingActivities(sessions, email, sms, local_zone=ZoneInfo("America/Chicago"), owner_portal_url=portal)


def _reminder(
    sessions: SessionFactory, policy: Policy, *, email: str | None, phone: str | None, key: str = "r1"
) -> OwnerReminder:
    case = case_with_owner_contacts(sessions, policy, email=email, phone=phone)
    return OwnerReminder(
        key=f"{case.case_number}:reminder:{key}",
        case_number=case.case_number,
        deadline=datetime.now(UTC) + timedelta(days=7),
        days_left=7,
        violation_title="Long grass and weeds",
        address="142 Maple Dr",
    )


def _rows(sessions: SessionFactory, key: str) -> list[Message]:
    with sessions() as session:
        return list(session.exec(select(Message).where(Message.key == key)))


def test_an_e_mail_reminder_is_sent_once_however_often_it_is_retried(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin, twilio_standin: TwilioStandin
) -> None:
    messaging = _messaging(sessions, sendgrid_standin, twilio_standin)
    reminder = _reminder(sessions, policy, email="owner@example.net", phone="+15550100999")
    first = messaging.send_owner_reminder(reminder)
    # The worker died after the provider answered and the row was marked: Temporal runs the activity again.
    again = messaging.send_owner_reminder(reminder)
    assert first.channel is MessageChannel.EMAIL and first.status == "sent" and not first.already_sent
    assert again.already_sent and again.provider_id == first.provider_id
    assert len(sendgrid_standin.sent) == 1 and not twilio_standin.sent
    mail: dict[str, Any] = sendgrid_standin.sent[0]
    assert mail["personalizations"][0]["to"][0]["email"] == "owner@example.net"
    assert reminder.case_number in mail["subject"] and "142 Maple Dr" in mail["content"][0]["value"]
    [row] = _rows(sessions, reminder.key)
    assert row.status == "sent" and row.backend == "sendgrid" and row.sent_at is not None


def test_an_outage_is_retried_and_a_refusal_is_recorded_not_retried(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin, twilio_standin: TwilioStandin
) -> None:
    messaging = _messaging(sessions, sendgrid_standin, twilio_standin)
    outage = _reminder(sessions, policy, email="owner@example.net", phone=None, key="outage")
    sendgrid_standin.fail_next(503)
    with pytest.raises(ProviderDeclined):  # not an ApplicationError: Temporal's retry policy tries again
        messaging.send_owner_reminder(outage)
    assert messaging.send_owner_reminder(outage).status == "sent"
    assert len(sendgrid_standin.sent) == 1

    refused = _reminder(sessions, policy, email="owner@example.net", phone=None, key="refused")
    sendgrid_standin.fail_next(400)
    with pytest.raises(ApplicationError) as error:
        messaging.send_owner_reminder(refused)
    assert error.value.non_retryable and error.value.type == "ProviderRejected"
    [row] = _rows(sessions, refused.key)
    assert row.status == "failed" and "400" in (row.error or "")


def test_without_an_e_mail_the_reminder_goes_by_sms_and_without_either_nothing_is_sent(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin, twilio_standin: TwilioStandin
) -> None:
    messaging = _messaging(sessions, sendgrid_standin, twilio_standin)
    by_sms = messaging.send_owner_reminder(_reminder(sessions, policy, email=None, phone="+15550100999", key="sms"))
    assert by_sms.channel is MessageChannel.SMS and by_sms.provider_id and by_sms.provider_id.startswith("SM")
    [sms] = twilio_standin.sent
    assert sms["To"] == "+15550100999" and "7 day(s) left" in sms["Body"]
    # A text, not the e-mail: plain GSM-7 in at most two segments, Twilio counting.
    [resource] = twilio_standin.messages.values()
    assert set(sms["Body"]) <= GSM7 and len(sms["Body"]) <= 306 and resource["num_segments"] in ("1", "2")
    assert "report it so the reinspection can come sooner" not in sms["Body"]
    # The deadline on the city's clock (a 17:00 deadline is not 23:00 UTC to an owner) and where to act on it.
    deadline = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # 5 PM in Riverton, on standard time
    later = messaging.send_owner_reminder(
        _reminder(sessions, policy, email=None, phone="+15550100998", key="clock").model_copy(
            update={"deadline": deadline}
        )
    )
    assert later.channel is MessageChannel.SMS
    body = twilio_standin.sent[-1]["Body"]
    assert body == (
        f"Case {later.key.split(':')[0]}: correct the long grass and weeds at 142 Maple Dr by Fri Dec 04, 05:00 PM CST"
        " (7 day(s) left). Done? Report it at https://riverton.example/portal/owner (code on your notice)."
        " Reply STOP to opt out."
    )
    nobody = messaging.send_owner_reminder(_reminder(sessions, policy, email=None, phone=None, key="none"))
    assert nobody.status == "no_contact" and nobody.channel is None
    assert len(sendgrid_standin.sent) == 0


def test_the_dev_outbox_keeps_what_would_have_been_sent(sessions: SessionFactory, policy: Policy) -> None:
    messaging = MessagingActivities(sessions, OutboxSender(), OutboxSender())
    reminder = _reminder(sessions, policy, email="owner@example.net", phone=None)
    assert messaging.send_owner_reminder(reminder).backend == "outbox"
    [row] = _rows(sessions, reminder.key)
    assert row.recipient == "owner@example.net" and "Long grass and weeds" in row.subject


def test_a_notice_served_by_e_mail_carries_the_letter_once(
    sessions: SessionFactory,
    policy: Policy,
    sendgrid_standin: SendGridStandin,
    twilio_standin: TwilioStandin,
    tmp_path: Path,
) -> None:
    reminder = _reminder(sessions, policy, email="owner@example.net", phone=None)
    letter = tmp_path / reminder.case_number / "notice-1-notice_of_violation.docx"
    letter.parent.mkdir()
    letter.write_bytes(b"PK\x03\x04 the letter as served")
    email = SendGridSender(sendgrid_standin.api_key, "code.enforcement@riverton.example", sendgrid_standin.base_url)
    messaging = MessagingActivities(sessions, email, OutboxSender(), tmp_path)
    notice = NoticeEmail(
        key=f"{reminder.case_number}:notice-1:email",
        case_number=reminder.case_number,
        title="Notice of violation and order to comply",
        address="142 Maple Dr",
        document_path=f"{reminder.case_number}/notice-1-notice_of_violation.docx",
    )
    assert not messaging.send_notice_email(notice).already_sent
    assert messaging.send_notice_email(notice).already_sent
    [mail] = sendgrid_standin.sent
    [attached] = mail["attachments"]
    assert base64.b64decode(attached["content"]) == letter.read_bytes()
    assert attached["filename"] == "notice-1-notice_of_violation.docx"


def test_no_sms_goes_to_a_number_that_texted_stop(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin, twilio_standin: TwilioStandin
) -> None:
    with transaction(sessions) as session:
        session.add(SmsOptOut(phone="+15550100999"))
    receipt = _messaging(sessions, sendgrid_standin, twilio_standin).send_owner_reminder(
        _reminder(sessions, policy, email=None, phone="+15550100999", key="stopped")
    )
    assert receipt.status == "opted_out" and not twilio_standin.sent


@pytest.mark.parametrize("reported", ["delivered", "bounced"])
def test_a_retry_that_finds_a_message_the_provider_reported_on_sends_nothing(
    sessions: SessionFactory,
    policy: Policy,
    sendgrid_standin: SendGridStandin,
    twilio_standin: TwilioStandin,
    tmp_path: Path,
    reported: str,
) -> None:
    """The worker died after marking the row sent, and the delivery report moved it on before Temporal retried."""
    messaging = _messaging(sessions, sendgrid_standin, twilio_standin)
    reminder = _reminder(sessions, policy, email="owner@example.net", phone=None)
    letter = tmp_path / "notice.docx"
    letter.write_bytes(b"PK\x03\x04 the letter")
    notice = NoticeEmail(
        key=f"{reminder.case_number}:notice-1:email",
        case_number=reminder.case_number,
        title="Notice of violation",
        address="142 Maple Dr",
        document_path="notice.docx",
    )
    email = SendGridSender(sendgrid_standin.api_key, "code.enforcement@riverton.example", sendgrid_standin.base_url)
    notices = MessagingActivities(sessions, email, OutboxSender(), tmp_path)
    first = [messaging.send_owner_reminder(reminder), notices.send_notice_email(notice)]
    with transaction(sessions) as session:
        for row in session.exec(select(Message)):
            row.status = reported
            session.add(row)
    again = [messaging.send_owner_reminder(reminder), notices.send_notice_email(notice)]
    assert all(r.already_sent and r.status == reported for r in again)
    assert [r.provider_id for r in again] == [r.provider_id for r in first]
    assert len(sendgrid_standin.sent) == 2  # the reminder and the notice, once each


def test_a_retry_that_finds_our_own_record_of_a_refusal_refuses_again_and_sends_nothing(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin, twilio_standin: TwilioStandin
) -> None:
    messaging = _messaging(sessions, sendgrid_standin, twilio_standin)
    refused = _reminder(sessions, policy, email="owner@example.net", phone=None)
    sendgrid_standin.fail_next(400)  # about this message: refused for good
    with pytest.raises(ApplicationError):
        messaging.send_owner_reminder(refused)
    # The worker died before Temporal heard of the refusal, so Temporal runs the activity again.
    with pytest.raises(ApplicationError) as again:
        messaging.send_owner_reminder(refused)
    assert again.value.non_retryable and again.value.type == "ProviderRejected" and "400" in str(again.value)
    assert not sendgrid_standin.sent and len(sendgrid_standin.requests) == 1


def test_an_e_mail_whose_attempt_got_no_answer_waits_for_sendgrids_word_and_goes_again_only_after_the_grace(
    sessions: SessionFactory, policy: Policy, sendgrid_standin: SendGridStandin
) -> None:
    def messaging(grace: timedelta) -> MessagingActivities:
        email = SendGridSender(
            sendgrid_standin.api_key,
            "code.enforcement@riverton.example",
            sendgrid_standin.base_url,
            timeout=timedelta(seconds=0.5),
            event_grace=grace,
        )
        return MessagingActivities(sessions, email, OutboxSender())

    reminder = _reminder(sessions, policy, email="owner@example.net", phone=None)
    sendgrid_standin.hang_next(seconds=2)  # no answer: whether SendGrid took it is unknown
    with pytest.raises(Exception) as timed_out:
        messaging(timedelta(minutes=10)).send_owner_reminder(reminder)
    assert not isinstance(timed_out.value, (ApplicationError, ProviderDeclined))
    with pytest.raises(ApplicationError) as waiting:
        messaging(timedelta(minutes=10)).send_owner_reminder(reminder)
    assert not waiting.value.non_retryable and "waiting for SendGrid's event webhook" in str(waiting.value)
    assert not sendgrid_standin.sent
    # No event came (no webhook configured): once the grace has passed, the e-mail goes (at least once).
    assert messaging(timedelta(0)).send_owner_reminder(reminder).status == "sent"
    [mail] = sendgrid_standin.sent
    assert mail["custom_args"] == {"abate_message_key": reminder.key}
