"""Provider outages through a real worker and Temporal's own retry policy: an outage, a throttle or a provider that
stops answering is retried with backoff until the message goes, once; a refusal that cannot succeed is recorded
at the first answer and not retried. The messages are the complainant's news at intake, sent by the case itself.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from activities.messaging import MessagingActivities
from adapters.sendgrid_mail import SendGridSender
from adapters.twilio_sms import TwilioSender
from domain.policy import Policy
from records.db import SessionFactory, make_engine, session_factory
from records.intake import ComplainantDetails
from records.tables import Message
from services.temporal_client import case_handle, start_case
from tests.helpers import eventually, file_case
from tests.standins.fixtures import sendgrid_standin, twilio_standin  # noqa: F401
from tests.standins.sendgrid import SendGridStandin
from tests.standins.server import Standin
from tests.standins.twilio import TwilioStandin
from workers.main import build_worker

NEIGHBOUR_EMAIL = "neighbour@example.net"
NEIGHBOUR_PHONE = "+15550100777"
# Short, so a provider that stops answering costs the test a second, not the production ten.
TIMEOUT = timedelta(seconds=1)


class Providers:
    def __init__(self, sessions: SessionFactory, queue: str, sendgrid: SendGridStandin, twilio: TwilioStandin) -> None:
        self.sessions, self.queue, self.sendgrid, self.twilio = sessions, queue, sendgrid, twilio


@pytest.fixture
async def providers(
    sqlite_url: str,
    temporal_dev: WorkflowEnvironment,
    sendgrid_standin: SendGridStandin,  # noqa: F811
    twilio_standin: TwilioStandin,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[Providers]:
    sessions = session_factory(make_engine(sqlite_url))
    # No event webhook here: a retry after an attempt SendGrid never answered sends again at once (the mode a
    # deployment without the webhook falls to once the grace has passed; tests/test_exactly_once.py waits for it).
    email = SendGridSender(
        sendgrid_standin.api_key,
        "code.enforcement@riverton.example",
        sendgrid_standin.base_url,
        timeout=TIMEOUT,
        event_grace=timedelta(0),
    )
    sms = TwilioSender(
        twilio_standin.account_sid, twilio_standin.auth_token, "+15550100311", twilio_standin.base_url, timeout=TIMEOUT
    )
    messaging = MessagingActivities(sessions, email, sms, tmp_path / "documents")
    queue = f"outages-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(
            temporal_dev.client, queue, sessions, executor, document_store=tmp_path / "documents", messaging=messaging
        ):
            yield Providers(sessions, queue, sendgrid_standin, twilio_standin)


async def _open_case(providers: Providers, temporal: WorkflowEnvironment, policy: Policy, *, by_sms: bool) -> str:
    """A case whose complainant left only an e-mail (or only a phone): the case tells them it was received."""
    details = ComplainantDetails(
        name=None, email=None if by_sms else NEIGHBOUR_EMAIL, phone=NEIGHBOUR_PHONE if by_sms else None
    )
    case, start = file_case(providers.sessions, policy, complainant=details)
    assert await start_case(temporal.client, providers.queue, start)
    return case.case_number


async def _settled(providers: Providers, case_number: str, status: str) -> Message:
    async def rows() -> list[Message]:
        with providers.sessions() as session:
            return list(session.exec(select(Message).where(Message.case_number == case_number)))

    [row] = await eventually(rows, until=lambda found: [m.status for m in found] == [status], within=60)
    return row


async def _attempts(temporal: WorkflowEnvironment, case_number: str, activity: str) -> int:
    """How many attempts Temporal made at the activity (the started event records the last one)."""
    history = await case_handle(temporal.client, case_number).fetch_history()
    scheduled = {
        e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    [attempt] = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and scheduled[e.activity_task_started_event_attributes.scheduled_event_id] == activity
    ]
    return attempt


async def test_an_outage_then_a_provider_that_stops_answering_is_retried_until_one_e_mail_goes(
    providers: Providers, temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    providers.sendgrid.fail_next(503)
    providers.sendgrid.hang_next(seconds=3)  # longer than the sender waits: its attempt times out
    case_number = await _open_case(providers, temporal_dev, policy, by_sms=False)
    row = await _settled(providers, case_number, "sent")
    [mail] = providers.sendgrid.sent
    assert mail["personalizations"][0]["to"][0]["email"] == NEIGHBOUR_EMAIL
    assert row.recipient == NEIGHBOUR_EMAIL and row.provider_id and row.error is None
    assert await _attempts(temporal_dev, case_number, "send_complainant_updates") == 3

    async def answered() -> list[int]:
        return sorted(r.status for r in providers.sendgrid.requests)

    assert await eventually(answered, until=lambda s: len(s) == 3) == [202, 503, 504]
    await case_handle(temporal_dev.client, case_number).terminate("test over")


@pytest.mark.parametrize(
    ("by_sms", "status", "retried"),
    [
        (False, 429, True),  # SendGrid throttles: wait and send
        (True, 429, True),
        (True, 401, True),  # a wrong key is the operator's to fix; the message can still go then
        (False, 400, False),  # a malformed request stays malformed
        (False, 403, True),  # an unverified sender is the operator's to fix too; the message goes then
        (True, 400, False),  # e.g. 21211, not a valid phone number
    ],
)
async def test_a_throttle_is_retried_and_a_refusal_is_recorded_at_once(
    providers: Providers, temporal_dev: WorkflowEnvironment, policy: Policy, by_sms: bool, status: int, retried: bool
) -> None:
    provider: Standin = providers.twilio if by_sms else providers.sendgrid
    provider.fail_next(status)
    case_number = await _open_case(providers, temporal_dev, policy, by_sms=by_sms)
    row = await _settled(providers, case_number, "sent" if retried else "failed")
    sent = providers.twilio.sent if by_sms else providers.sendgrid.sent
    # The provider answered "not now", so nothing was outstanding: the retry sends at once, without asking first.
    assert [r.method for r in provider.requests] == (["POST", "POST"] if retried else ["POST"])
    sends = [r.status for r in provider.requests]
    assert sends == ([status, 201 if by_sms else 202] if retried else [status])
    assert len(sent) == (1 if retried else 0)
    assert await _attempts(temporal_dev, case_number, "send_complainant_updates") == (2 if retried else 1)
    if not retried:
        assert str(status) in (row.error or "")
    await case_handle(temporal_dev.client, case_number).terminate("test over")
