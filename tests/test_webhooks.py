"""Provider webhooks: signed delivery reports update a message; unsigned or forged ones get 403 and change nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment
from twilio.request_validator import RequestValidator

from activities.messaging import MessagingActivities, messaging_activities
from config.settings import MessagingBackend
from domain.access import Role
from domain.actions import StaffAction
from domain.case import CaseSnapshot
from domain.messages import OwnerReminder
from domain.policy import Policy
from domain.stages import CaseStage, ServiceMethod
from records.db import make_engine, session_factory, transaction
from records.tables import Alert, CaseEvent, Message, SmsOptOut
from services.temporal_client import case_handle, start_case
from tests.case_driver import ACTORS
from tests.conftest import Api, make_settings, open_api
from tests.helpers import case_with_owner_contacts, eventually, file_case
from tests.standins.sendgrid import SendGridStandin
from tests.standins.sendgrid_events import EventWebhookSigner, event
from tests.standins.twilio import TwilioStandin
from workers.main import build_worker

TWILIO_TOKEN = "twilio-auth-token-for-tests-0123456789"
PUBLIC = "https://abate.riverton.example"
signer = EventWebhookSigner()


@pytest.fixture
async def hooks(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> AsyncIterator[Api]:
    settings = make_settings(
        sqlite_url,
        temporal_dev.client.service_client.config.target_host,
        sendgrid_webhook_public_key=signer.public_key,
        twilio_auth_token=TWILIO_TOKEN,
        public_base_url=PUBLIC,
    )
    async for api in open_api(settings):
        yield api


def _message(api: Api, policy: Policy, channel: str, provider_id: str, case_number: str | None = None) -> str:
    """A message to the owner as the sender leaves it: sent, with the provider's id (on a new case unless given)."""
    sessions = session_factory(make_engine(api.settings.database_url))
    case_number = case_number or file_case(sessions, policy)[0].case_number
    with transaction(sessions) as session:
        session.add(
            Message(
                key=f"{case_number}:reminder:x",
                case_number=case_number,
                audience="owner",
                channel=channel,
                recipient="owner@example.net",
                body="Reminder",
                backend="sendgrid" if channel == "email" else "twilio",
                status="sent",
                provider_id=provider_id,
            )
        )
    return case_number


def _status(api: Api, provider_id: str) -> str:
    with session_factory(make_engine(api.settings.database_url))() as session:
        return session.exec(select(Message.status).where(Message.provider_id == provider_id)).one()


async def test_a_signed_sendgrid_bounce_marks_the_message_and_alerts(hooks: Api, policy: Policy) -> None:
    case = _message(hooks, policy, "email", "MSGID123")
    body, headers = signer.signed_request(
        [event("bounce", "owner@example.net", "MSGID123"), event("open", "x@example.net", "MSGID123")]
    )
    answer = await hooks.http.post("/webhooks/sendgrid", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 1}
    assert _status(hooks, "MSGID123") == "bounced"
    with session_factory(make_engine(hooks.settings.database_url))() as session:
        [alert] = session.exec(select(Alert).where(Alert.case_number == case)).all()
    assert "bounced" in alert.message


async def test_sendgrid_events_find_an_e_mail_still_sending_by_the_key_it_carried(hooks: Api, policy: Policy) -> None:
    """The sender never heard SendGrid's answer (its worker died), so the row has no provider id: the events name it
    by the key the send put in custom_args, and "processed" is SendGrid's word that it took the e-mail."""
    sessions = session_factory(make_engine(hooks.settings.database_url))
    case_number = file_case(sessions, policy)[0].case_number
    keys = [f"{case_number}:reminder:taken", f"{case_number}:reminder:bounced", f"{case_number}:reminder:unheard"]
    with transaction(sessions) as session:
        for key in keys:
            session.add(
                Message(
                    key=key,
                    case_number=case_number,
                    audience="owner",
                    channel="email",
                    recipient="owner@example.net",
                    body="Reminder",
                    backend="sendgrid",
                )
            )
    taken_at = int(time.time()) - 30
    body, headers = signer.signed_request(
        [
            event("processed", "owner@example.net", "MSGIDTAKEN", timestamp=taken_at, abate_message_key=keys[0]),
            event("processed", "owner@example.net", "MSGIDBOUNCE", abate_message_key=keys[1]),
            event("bounce", "owner@example.net", "MSGIDBOUNCE", abate_message_key=keys[1]),
        ]
    )
    answer = await hooks.http.post("/webhooks/sendgrid", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 3}
    with sessions() as session:
        rows = {m.key: m for m in session.exec(select(Message).where(Message.case_number == case_number))}
        [alert] = session.exec(select(Alert).where(Alert.case_number == case_number)).all()
    taken, bounced, unheard = (rows[k] for k in keys)
    assert (taken.status, taken.provider_id) == ("sent", "MSGIDTAKEN")
    assert taken.sent_at == datetime.fromtimestamp(taken_at, UTC)
    assert (bounced.status, bounced.provider_id) == ("bounced", "MSGIDBOUNCE") and "bounced" in alert.message
    assert (unheard.status, unheard.provider_id) == ("sending", None)  # no word on it: a retry still waits


async def test_unsigned_or_forged_sendgrid_events_are_refused(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "email", "MSGID456")
    body, headers = signer.signed_request([event("delivered", "owner@example.net", "MSGID456")])
    unsigned = await hooks.http.post("/webhooks/sendgrid", content=body, headers={"Content-Type": "application/json"})
    forged = await hooks.http.post("/webhooks/sendgrid", content=body.replace(b"delivered", b"bounce"), headers=headers)
    other_key = EventWebhookSigner().signed_request([event("delivered", "owner@example.net", "MSGID456")])
    stranger = await hooks.http.post("/webhooks/sendgrid", content=other_key[0], headers=other_key[1])
    assert [r.status_code for r in (unsigned, forged, stranger)] == [403, 403, 403]
    assert _status(hooks, "MSGID456") == "sent"


async def test_sendgrid_events_signed_outside_the_replay_window_are_refused(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "email", "MSGIDOLD")
    events = [event("bounce", "owner@example.net", "MSGIDOLD")]
    stale = signer.signed_request(events, timestamp=str(int(time.time()) - 11 * 60))
    answer = await hooks.http.post("/webhooks/sendgrid", content=stale[0], headers=stale[1])
    assert answer.status_code == 403 and "replay window" in answer.json()["detail"]
    assert _status(hooks, "MSGIDOLD") == "sent"
    recent = signer.signed_request(events, timestamp=str(int(time.time()) - 5 * 60))  # SendGrid's own delay
    assert (await hooks.http.post("/webhooks/sendgrid", content=recent[0], headers=recent[1])).status_code == 200
    assert _status(hooks, "MSGIDOLD") == "bounced"


async def test_late_reports_never_move_a_message_backwards(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "email", "MSGIDLATE")

    async def report(*kinds: str) -> None:
        body, headers = signer.signed_request([event(k, "owner@example.net", "MSGIDLATE") for k in kinds])
        assert (await hooks.http.post("/webhooks/sendgrid", content=body, headers=headers)).status_code == 200

    await report("delivered", "processed")
    assert _status(hooks, "MSGIDLATE") == "delivered"
    await report("bounce")  # a bounce after the receiving server took it is still a bounce
    await report("delivered")  # a late, repeated report
    assert _status(hooks, "MSGIDLATE") == "bounced"

    sid = "SM00000000000000000000000000000001"
    _message(hooks, policy, "sms", sid)
    url = f"{PUBLIC}/webhooks/twilio"
    for status in ("delivered", "sent", "queued"):
        params = {"MessageSid": sid, "MessageStatus": status, "To": "+15550100999"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        answer = await hooks.http.post("/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature})
        assert answer.status_code == 200
        assert _status(hooks, sid) == "delivered"


async def test_twilio_status_callbacks_are_checked_and_applied(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "sms", "SM0123456789abcdef0123456789abcdef")
    params = {"MessageSid": "SM0123456789abcdef0123456789abcdef", "MessageStatus": "delivered", "To": "+15550100999"}
    url = f"{PUBLIC}/webhooks/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    forged = await hooks.http.post(
        "/webhooks/twilio", data={**params, "MessageStatus": "failed"}, headers={"X-Twilio-Signature": signature}
    )
    assert forged.status_code == 403 and _status(hooks, params["MessageSid"]) == "sent"
    unsigned = await hooks.http.post("/webhooks/twilio", data={**params, "MessageStatus": "failed"})
    assert unsigned.status_code == 403 and _status(hooks, params["MessageSid"]) == "sent"
    signed = await hooks.http.post("/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature})
    assert signed.status_code == 200 and _status(hooks, params["MessageSid"]) == "delivered"


def _owner_by_phone_only(api: Api, policy: Policy, phone: str = "+15550100999") -> str:
    """A new case whose owner the roll reaches only by phone."""
    sessions = session_factory(make_engine(api.settings.database_url))
    return case_with_owner_contacts(sessions, policy, email=None, phone=phone).case_number


def _provider_messaging(
    api: Api, twilio: TwilioStandin, store: Path, sendgrid: SendGridStandin | None = None
) -> MessagingActivities:
    """The worker's messaging, wired from the same settings as the API that receives the callbacks."""
    settings = api.settings.model_copy(
        update={
            "messaging_backend": MessagingBackend.PROVIDERS,
            "sendgrid_api_key": SecretStr(sendgrid.api_key if sendgrid else "SG.unused"),
            "sendgrid_base_url": sendgrid.base_url if sendgrid else None,
            "twilio_account_sid": twilio.account_sid,
            "twilio_base_url": twilio.base_url,
            "twilio_from_number": "+15550100311",
        }
    )
    return messaging_activities(
        session_factory(make_engine(api.settings.database_url)), settings, store, ZoneInfo("UTC")
    )


def _reminder(case_number: str, key: str) -> OwnerReminder:
    return OwnerReminder(
        key=f"{case_number}:reminder:{key}",
        case_number=case_number,
        deadline=datetime.now(UTC) + timedelta(days=7),
        days_left=7,
        violation_title="Long grass and weeds",
        address="142 Maple Dr",
    )


async def test_an_sms_names_the_status_callback_and_twilio_s_signed_report_updates_it(
    hooks: Api, policy: Policy, tmp_path: Path
) -> None:
    case_number = _owner_by_phone_only(hooks, policy)
    with TwilioStandin(auth_token=TWILIO_TOKEN) as twilio:
        receipt = _provider_messaging(hooks, twilio, tmp_path).send_owner_reminder(_reminder(case_number, "7"))
        [create] = twilio.requests
        assert create.accepted and not create.violations
        assert create.parsed["StatusCallback"] == f"{PUBLIC}/webhooks/twilio"
        assert receipt.provider_id is not None
        params, headers = twilio.status_callback(receipt.provider_id, "delivered")
    answer = await hooks.http.post("/webhooks/twilio", data=params, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 1}
    assert _status(hooks, receipt.provider_id) == "delivered"


async def test_the_bounce_sendgrid_reports_for_a_sent_reminder_marks_it_and_alerts(
    hooks: Api, policy: Policy, tmp_path: Path
) -> None:
    sessions = session_factory(make_engine(hooks.settings.database_url))
    case, _ = file_case(sessions, policy)  # 142 Maple Dr: the roll has the owner's e-mail
    with SendGridStandin(event_signer=signer) as sendgrid, TwilioStandin(auth_token=TWILIO_TOKEN) as twilio:
        sendgrid.bounce_next("550 5.1.1 mailbox unavailable")
        receipt = _provider_messaging(hooks, twilio, tmp_path, sendgrid).send_owner_reminder(
            _reminder(case.case_number, "7")
        )
        assert receipt.status == "sent" and receipt.provider_id
        body, headers = sendgrid.signed_events()  # processed, then bounce, as SendGrid posts them
    answer = await hooks.http.post("/webhooks/sendgrid", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 1}
    assert _status(hooks, receipt.provider_id) == "bounced"
    with sessions() as session:
        row = session.exec(select(Message).where(Message.provider_id == receipt.provider_id)).one()
        [alert] = session.exec(select(Alert.message).where(Alert.case_number == case.case_number)).all()
    assert row.error == "550 5.1.1 mailbox unavailable" and "email to the owner bounced" in alert


async def _text(api: Api, sender: str, body: str) -> int:
    """The owner texts the city's number; Twilio posts the incoming message, signed."""
    url = f"{PUBLIC}/webhooks/twilio"
    params = {"From": sender, "To": "+15550100311", "Body": body, "MessageSid": "SMinbound"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    answer = await api.http.post("/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    return int(answer.json()["updated"])


async def test_after_stop_no_sms_goes_and_after_start_they_go_again(hooks: Api, policy: Policy, tmp_path: Path) -> None:
    case_number = _owner_by_phone_only(hooks, policy, "+15550100888")
    with TwilioStandin(auth_token=TWILIO_TOKEN) as twilio:
        messaging = _provider_messaging(hooks, twilio, tmp_path)
        assert await _text(hooks, "+15550100888", "STOP") == 1
        stopped = messaging.send_owner_reminder(_reminder(case_number, "7"))
        assert stopped.status == "opted_out" and twilio.sent == []
        assert await _text(hooks, "+15550100888", "START") == 1
        resumed = messaging.send_owner_reminder(_reminder(case_number, "1"))
        assert resumed.status == "sent" and [m["To"] for m in twilio.sent] == ["+15550100888"]


async def test_texting_stop_and_start_opts_a_number_out_and_back_in(hooks: Api) -> None:
    async def text(body: str) -> int:
        return await _text(hooks, "+15550100999", body)

    def opted_out() -> bool:
        with session_factory(make_engine(hooks.settings.database_url))() as session:
            return session.get(SmsOptOut, "+15550100999") is not None

    assert await text(" stop ") == 1 and opted_out()
    assert await text("hello") == 0 and opted_out()
    assert await text("START") == 1 and not opted_out()


@pytest.fixture
async def hooks_worker(hooks: Api, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[None]:
    """The real worker on the webhook API's task queue (dev outbox messaging)."""
    sessions = session_factory(make_engine(hooks.settings.database_url))
    with ThreadPoolExecutor(4) as executor:
        queue = hooks.settings.temporal_task_queue
        async with build_worker(temporal_dev.client, queue, sessions, executor, document_store=tmp_path / "documents"):
            yield


async def test_a_bounced_service_e_mail_reaches_its_case_which_falls_back_to_mail(
    hooks: Api, hooks_worker: None, temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    sessions = session_factory(make_engine(hooks.settings.database_url))
    case, start = file_case(sessions, policy, "PS-REFUSE")  # 142 Maple Dr: the owner has an e-mail on the roll
    assert await start_case(temporal_dev.client, hooks.settings.temporal_task_queue, start)
    handle = case_handle(temporal_dev.client, case.case_number)

    async def snapshot() -> CaseSnapshot:
        return await handle.query("snapshot", result_type=CaseSnapshot)

    await eventually(snapshot, until=lambda s: s.state.stage is CaseStage.INVESTIGATING)
    for action, body in (
        ("record_inspection", {"violation_found": True, "findings": "Debris in the yard"}),
        ("issue_notice", {}),
        ("record_service", {"method": "email"}),
    ):
        await handle.execute_update(
            action, StaffAction(actor=ACTORS[Role.OFFICER], body=body), result_type=CaseSnapshot
        )
    key = f"{case.case_number}:notice-1:email"
    with transaction(sessions) as session:  # as SendGrid would have answered the send
        message = session.exec(select(Message).where(Message.key == key)).one()
        message.provider_id = "SGSERVICE1"
        session.add(message)
    signed, headers = signer.signed_request(
        [event("bounce", "owner@example.net", "SGSERVICE1", reason="550 no such user")]
    )
    answer = await hooks.http.post("/webhooks/sendgrid", content=signed, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 1}
    again = await hooks.http.post("/webhooks/sendgrid", content=signed, headers=headers)  # SendGrid retries
    assert again.json() == {"updated": 0}
    after = await eventually(snapshot, until=lambda s: s.state.stage is CaseStage.NOTICE_ISSUED)
    notice = after.state.notices[-1]
    assert notice.served_at is None and notice.awaiting_service_by is ServiceMethod.MAIL
    assert notice.failed_services[0].reason == "bounced (550 no such user)"
    assert _status(hooks, "SGSERVICE1") == "bounced"
    # The case alerted its officer once, with what to do next; the route did not alert as well.
    detail = await hooks.get(f"/api/v1/cases/{case.case_number}", "officer")
    [served] = detail.json()["notices"]
    assert served["awaiting_service_by"] == "mail" and served["served_at"] is None
    with sessions() as session:
        alerts = session.exec(select(Alert.message).where(Alert.case_number == case.case_number)).all()
    assert len([a for a in alerts if "bounced" in a]) == 1 and any("serve it by mail" in a for a in alerts)
    await handle.terminate(reason="test finished")


async def test_a_failed_sms_reported_by_twilio_reaches_its_case_which_alerts_the_officer(
    hooks: Api, hooks_worker: None, temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    sessions = session_factory(make_engine(hooks.settings.database_url))
    case, start = file_case(sessions, policy)
    assert await start_case(temporal_dev.client, hooks.settings.temporal_task_queue, start)
    handle = case_handle(temporal_dev.client, case.case_number)
    with TwilioStandin(auth_token=TWILIO_TOKEN) as twilio:  # the reminder as Twilio took it, and its report
        sms = twilio.client().messages.create(
            to="+15550100999", from_="+15550100311", body="Reminder", status_callback=f"{PUBLIC}/webhooks/twilio"
        )
        assert sms.sid is not None
        _message(hooks, policy, "sms", sms.sid, case.case_number)
        params, headers = twilio.status_callback(sms.sid, "undelivered", error_code=30003)
    answer = await hooks.http.post("/webhooks/twilio", data=params, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"updated": 1}
    assert _status(hooks, sms.sid) == "undelivered"

    async def snapshot() -> CaseSnapshot:
        return await handle.query("snapshot", result_type=CaseSnapshot)

    await eventually(snapshot, until=lambda s: f"{case.case_number}:reminder:x" in s.state.failed_deliveries)

    async def recorded() -> tuple[list[str], list[str]]:
        with sessions() as session:
            events = session.exec(
                select(CaseEvent.summary).where(
                    CaseEvent.case_number == case.case_number, CaseEvent.kind == "delivery_failed"
                )
            ).all()
            alerts = session.exec(select(Alert.message).where(Alert.case_number == case.case_number)).all()
        return list(events), list(alerts)

    [line], alerts = await eventually(recorded, until=lambda found: len(found[0]) == 1)
    assert "sms to the owner" in line and "undelivered (Twilio error 30003)" in line
    assert len([a for a in alerts if "undelivered" in a]) == 1  # the case alerted; the route did not as well
    await handle.terminate(reason="test finished")
