"""Exactly once, with a real worker process killed at the worst moment: the provider has accepted the message, the
worker has not heard back, so neither the messages table nor Temporal knows it was sent. A second worker retries the
activity; the message must not go out again (an SMS: Twilio's list says so; an e-mail: SendGrid's event webhook).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from domain.case import CaseStart
from domain.policy import Policy
from records.db import SessionFactory, make_engine, session_factory
from records.intake import ComplainantDetails
from records.tables import Message
from services.temporal_client import case_handle, start_case
from tests.conftest import TEST_SECRET, make_settings, open_api
from tests.helpers import eventually, file_case
from tests.standins.sendgrid import SendGridStandin
from tests.standins.server import Standin
from tests.standins.twilio import TwilioStandin

CITY_NUMBER = "+15550100311"
NEIGHBOUR = "+15550100777"
NEIGHBOUR_EMAIL = "neighbour@example.net"


def _worker_environment(
    database_url: str,
    temporal: WorkflowEnvironment,
    queue: str,
    store: Path,
    sendgrid: SendGridStandin,
    twilio: TwilioStandin,
) -> dict[str, str]:
    """`python -m workers.main` configured as a deployment would be: by environment, providers on."""
    return {
        **os.environ,
        "ABATE_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": queue,
        "DOCUMENT_STORE_DIR": str(store),
        "MESSAGING_BACKEND": "providers",
        "SENDGRID_API_KEY": sendgrid.api_key,
        "SENDGRID_BASE_URL": sendgrid.base_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": CITY_NUMBER,
        "TWILIO_BASE_URL": twilio.base_url,
    }


class Workers:
    """Worker processes started by the test; any still running at the end are stopped."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self._logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self._logs / f"worker-{len(self.started) + 1}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.main"],
            env=self.environment,
            cwd=self._logs,  # no stray .env
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(
    sqlite_url: str,
    temporal_dev: WorkflowEnvironment,
    sendgrid_standin: SendGridStandin,
    twilio_standin: TwilioStandin,
    tmp_path: Path,
) -> Iterator[Workers]:
    queue = f"exactly-once-{uuid.uuid4()}"
    environment = _worker_environment(
        sqlite_url, temporal_dev, queue, tmp_path / "documents", sendgrid_standin, twilio_standin
    )
    started = Workers(environment, tmp_path)
    yield started
    started.stop_all()


def _messages(sessions: SessionFactory, case_number: str) -> list[Message]:
    with sessions() as session:
        return list(session.exec(select(Message).where(Message.case_number == case_number)))


async def _killed_while_the_provider_holds_its_answer(
    workers: Workers, temporal: WorkflowEnvironment, start: CaseStart, provider: Standin
) -> None:
    """Starts the case on a first worker and kills it (SIGKILL) once the provider has accepted its message but
    before the worker hears the answer: the worst moment, when nothing on our side knows the message went."""
    accepted, release = provider.hold_next()
    first = workers.start()
    await start_case(temporal.client, workers.environment["TEMPORAL_TASK_QUEUE"], start)
    try:
        assert await asyncio.to_thread(accepted.wait, 60), "the first worker never sent the message"
        first.send_signal(signal.SIGKILL)
        assert await asyncio.to_thread(first.wait, 30) == -signal.SIGKILL
    finally:
        release.set()


async def test_a_worker_killed_after_twilio_accepted_the_sms_does_not_send_it_twice(
    sqlite_url: str,
    policy: Policy,
    temporal_dev: WorkflowEnvironment,
    twilio_standin: TwilioStandin,
    workers: Workers,
) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    # A neighbour who left only a phone number hears by SMS that the complaint was received.
    case, start = file_case(sessions, policy, complainant=ComplainantDetails(name=None, email=None, phone=NEIGHBOUR))
    await _killed_while_the_provider_holds_its_answer(workers, temporal_dev, start, twilio_standin)
    assert len(twilio_standin.sent) == 1
    [unsure] = _messages(sessions, case.case_number)
    assert unsure.status == "sending" and unsure.provider_id is None  # nobody here knows it went out

    # The second worker gets the activity once Temporal gives up on the first attempt (its 30 s timeout).
    workers.start()

    async def settled() -> list[Message]:
        return _messages(sessions, case.case_number)

    [row] = await eventually(settled, until=lambda rows: [r.status for r in rows] == ["sent"], within=120)
    assert len(twilio_standin.sent) == 1, f"the neighbour got the SMS more than once: {twilio_standin.sent}"
    [sms] = twilio_standin.sent
    [sid] = twilio_standin.messages
    assert sms == {
        "To": NEIGHBOUR,
        "From": CITY_NUMBER,
        "Body": twilio_standin.messages[sid]["body"],
        "StatusCallback": "http://127.0.0.1:8000/webhooks/twilio",  # PUBLIC_BASE_URL's default: where Twilio reports
    }
    assert row.provider_id == sid and row.recipient == NEIGHBOUR and case.case_number in row.body
    # The retry asked Twilio for what it already had, and sent nothing new.
    lookups = [r for r in twilio_standin.requests if r.method == "GET"]
    assert lookups and all(r.status == 200 and not r.violations for r in lookups)

    history = await case_handle(temporal_dev.client, case.case_number).fetch_history()
    attempts: list[Any] = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert 2 in attempts  # the complainant update really ran twice: once per worker
    await case_handle(temporal_dev.client, case.case_number).terminate("test over")


async def test_a_worker_killed_after_sendgrid_accepted_the_e_mail_does_not_send_it_twice(
    sqlite_url: str,
    policy: Policy,
    temporal_dev: WorkflowEnvironment,
    sendgrid_standin: SendGridStandin,
    workers: Workers,
) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    # A neighbour who left only an e-mail hears by e-mail that the complaint was received.
    details = ComplainantDetails(name=None, email=NEIGHBOUR_EMAIL, phone=None)
    case, start = file_case(sessions, policy, complainant=details)
    await _killed_while_the_provider_holds_its_answer(workers, temporal_dev, start, sendgrid_standin)
    [unsure] = _messages(sessions, case.case_number)
    assert unsure.status == "sending" and unsure.provider_id is None and len(sendgrid_standin.sent) == 1

    # The second worker retries once Temporal gives up on the first attempt (its 30 s timeout), and waits.
    workers.start()
    handle = case_handle(temporal_dev.client, case.case_number)

    async def last_failure() -> str:
        pending = (await handle.describe()).raw_description.pending_activities
        return " ".join(p.last_failure.message for p in pending)

    await eventually(last_failure, until=lambda m: "waiting for SendGrid's event webhook" in m, within=120)
    assert len(sendgrid_standin.sent) == 1

    # SendGrid's event webhook reports the e-mail processed (and delivered), naming it by the key it carried.
    settings = make_settings(
        sqlite_url,
        temporal_dev.client.service_client.config.target_host,
        sendgrid_webhook_public_key=sendgrid_standin.event_signer.public_key,
    )
    body, headers = sendgrid_standin.signed_events()
    async for api in open_api(settings):
        answer = await api.http.post("/webhooks/sendgrid", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json() == {"updated": 2}

    async def sending() -> list[str]:
        pending = (await handle.describe()).raw_description.pending_activities
        return [p.activity_type.name for p in pending]

    # The retry now finds the row no longer "sending" and returns "already sent".
    await eventually(sending, until=lambda names: "send_complainant_updates" not in names, within=120)
    [row] = _messages(sessions, case.case_number)
    assert len(sendgrid_standin.sent) == 1, f"the neighbour got the e-mail more than once: {sendgrid_standin.sent}"
    [mail] = sendgrid_standin.sent
    [held] = [r for r in sendgrid_standin.requests if r.accepted]
    assert mail["custom_args"] == {"abate_message_key": row.key}
    assert row.status == "delivered" and row.provider_id == held.resource_id and row.sent_at is not None
    await handle.terminate("test over")
