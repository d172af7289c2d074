"""Provider webhooks: signed delivery reports update a message; unsigned or forged ones get 403 and change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment
from twilio.request_validator import RequestValidator

from domain.policy import Policy
from records.db import make_engine, session_factory, transaction
from records.tables import Alert, Message, SmsOptOut
from tests.conftest import Api, make_settings, open_api
from tests.helpers import file_case
from tests.standins.sendgrid_events import EventWebhookSigner, event

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


def _message(api: Api, policy: Policy, channel: str, provider_id: str) -> str:
    sessions = session_factory(make_engine(api.settings.database_url))
    case, _ = file_case(sessions, policy)
    with transaction(sessions) as session:
        session.add(
            Message(
                key=f"{case.case_number}:reminder:x",
                case_number=case.case_number,
                audience="owner",
                channel=channel,
                recipient="owner@example.net",
                body="Reminder",
                backend="sendgrid" if channel == "email" else "twilio",
                status="sent",
                provider_id=provider_id,
            )
        )
    return case.case_number


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


async def test_unsigned_or_forged_sendgrid_events_are_refused(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "email", "MSGID456")
    body, headers = signer.signed_request([event("delivered", "owner@example.net", "MSGID456")])
    unsigned = await hooks.http.post("/webhooks/sendgrid", content=body, headers={"Content-Type": "application/json"})
    forged = await hooks.http.post("/webhooks/sendgrid", content=body.replace(b"delivered", b"bounce"), headers=headers)
    other_key = EventWebhookSigner().signed_request([event("delivered", "owner@example.net", "MSGID456")])
    stranger = await hooks.http.post("/webhooks/sendgrid", content=other_key[0], headers=other_key[1])
    assert [r.status_code for r in (unsigned, forged, stranger)] == [403, 403, 403]
    assert _status(hooks, "MSGID456") == "sent"


async def test_twilio_status_callbacks_are_checked_and_applied(hooks: Api, policy: Policy) -> None:
    _message(hooks, policy, "sms", "SM0123456789abcdef0123456789abcdef")
    params = {"MessageSid": "SM0123456789abcdef0123456789abcdef", "MessageStatus": "delivered", "To": "+15550100999"}
    url = f"{PUBLIC}/webhooks/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    forged = await hooks.http.post(
        "/webhooks/twilio", data={**params, "MessageStatus": "failed"}, headers={"X-Twilio-Signature": signature}
    )
    assert forged.status_code == 403 and _status(hooks, params["MessageSid"]) == "sent"
    signed = await hooks.http.post("/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature})
    assert signed.status_code == 200 and _status(hooks, params["MessageSid"]) == "delivered"


async def test_texting_stop_and_start_opts_a_number_out_and_back_in(hooks: Api) -> None:
    url = f"{PUBLIC}/webhooks/twilio"

    async def text(body: str) -> int:
        params = {"From": "+15550100999", "To": "+15550100311", "Body": body, "MessageSid": "SMinbound"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        answer = await hooks.http.post("/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature})
        assert answer.status_code == 200
        return int(answer.json()["updated"])

    def opted_out() -> bool:
        with session_factory(make_engine(hooks.settings.database_url))() as session:
            return session.get(SmsOptOut, "+15550100999") is not None

    assert await text(" stop ") == 1 and opted_out()
    assert await text("hello") == 0 and opted_out()
    assert await text("START") == 1 and not opted_out()
