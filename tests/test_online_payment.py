"""Paying online through Stripe Checkout: the owner's pay button opens a Checkout Session (the official SDK against
stripe-mock, Stripe's mock that validates requests against its OpenAPI specification), and Stripe's signed webhook
records the payment on the case exactly once; an unsigned or forged event is refused and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from config.settings import PROJECT_ROOT
from records.db import make_engine, session_factory
from records.online_payments import OnlinePayment
from records.tables import LedgerLine
from services.online_payments import checkout
from tests.conftest import Api, free_port, make_settings, open_api
from tests.helpers import eventually
from tests.portal_flow import ACTIONS, access_code_on, case_of, letter_text, until_stage

STRIPE_MOCK = PROJECT_ROOT / ".tools" / "bin" / "stripe-mock"
WEBHOOK_SECRET = "whsec_test_secret_for_abate"


@pytest.fixture(scope="module")
def stripe_mock() -> Iterator[str]:
    """stripe-mock on a free port (built by scripts/setup into .tools/bin)."""
    port = free_port()
    process = subprocess.Popen(
        [str(STRIPE_MOCK), "-http-port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("stripe-mock did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def api(
    sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path, stripe_mock: str
) -> AsyncIterator[Api]:
    settings = make_settings(
        sqlite_url,
        temporal_dev.client.service_client.config.target_host,
        document_store_dir=tmp_path / "documents",
        stripe_secret_key="sk_test_123",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_mock,
    )
    async for client in open_api(settings):
        yield client


def signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    """The payload and its Stripe-Signature header, made the way Stripe signs: HMAC-SHA256 of "timestamp.payload"."""
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def completed(case_number: str, session_id: str, cents: int) -> dict[str, Any]:
    return {
        "id": f"evt_{session_id}",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": case_number,
                "metadata": {"case_number": case_number},
                "amount_total": cents,
                "payment_intent": "pi_test_1",
            }
        },
    }


async def _ticketed(api: Api) -> tuple[str, str]:
    """Construction noise: its only notice is an administrative citation, which carries a $100 fine."""
    report = {
        "violation_code": "NS-CONSTRUCTION",
        "address": "142 Maple Dr",
        "description": "Jackhammers at 5 a.m.",
        "channel": "phone",
    }
    case_number = (await api.post("/api/v1/complaints", "clerk", json=report)).json()["case_number"]
    await until_stage(api, case_number, "investigating")
    body = {"violation_found": True, "findings": "Heard at 5:10 a.m."}
    assert (await api.post(ACTIONS.format(case_number, "record_inspection"), "officer", json=body)).status_code == 200
    assert (await api.post(ACTIONS.format(case_number, "issue_notice"), "officer")).status_code == 200
    served = await api.post(ACTIONS.format(case_number, "record_service"), "officer", json={"method": "personal"})
    assert served.status_code == 200, served.text
    return case_number, access_code_on(letter_text(api, case_number))


def _payments(api: Api, case_number: str) -> list[Decimal]:
    with session_factory(make_engine(api.settings.database_url))() as session:
        lines = session.exec(
            select(LedgerLine).where(LedgerLine.case_number == case_number, LedgerLine.entry_type == "payment")
        )
        return [line.amount for line in lines]


async def test_the_owner_pays_by_checkout_and_the_webhook_records_it_once(api: Api, worker: None) -> None:
    case_number, code = await _ticketed(api)
    signed_in = await api.http.post("/portal/owner", data={"case_number": case_number, "access_code": code})
    assert signed_in.status_code == 303
    page = (await api.http.get(f"/portal/owner/{case_number}")).text
    assert "Pay $100.00 online" in page
    # The SDK creates the Checkout Session (stripe-mock checks the request against Stripe's API) and the owner goes to it.
    paying = await api.http.post(f"/portal/owner/{case_number}/pay")
    assert paying.status_code == 303 and paying.headers["location"].startswith("https://")

    # Forged and unsigned events are refused and change nothing.
    payload, headers = signed(completed(case_number, "cs_test_forged", 10000), secret="whsec_someone_else")
    assert (await api.http.post("/webhooks/stripe", content=payload, headers=headers)).status_code == 400
    unsigned = json.dumps(completed(case_number, "cs_test_forged", 10000)).encode()
    assert (await api.http.post("/webhooks/stripe", content=unsigned)).status_code == 400

    # The real event, delivered twice (Stripe retries): one payment.
    payload, headers = signed(completed(case_number, "cs_test_paid", 10000))
    first = await api.http.post("/webhooks/stripe", content=payload, headers=headers)
    again = await api.http.post("/webhooks/stripe", content=payload, headers=headers)
    assert first.json() == {"recorded": True} and again.json() == {"recorded": False}
    detail = await eventually(lambda: case_of(api, case_number), until=lambda c: Decimal(c["balance"]) == 0)
    assert Decimal(detail["balance"]) == 0
    assert _payments(api, case_number) == [Decimal(100)]
    with session_factory(make_engine(api.settings.database_url))() as session:
        keys = session.exec(select(OnlinePayment.key)).all()
    assert keys == ["cs_test_paid"]

    # A refund is owed again and shows on the account; a failed payment is on the case's timeline.
    refund = {
        "id": "evt_refund_1",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_test_1",
                "object": "charge",
                "amount_refunded": 10000,
                "metadata": {"case_number": case_number},
            }
        },
    }
    failed = {
        "id": "evt_failed_1",
        "object": "event",
        "type": "payment_intent.payment_failed",
        "data": {
            "object": {
                "id": "pi_test_2",
                "object": "payment_intent",
                "amount": 10000,
                "metadata": {"case_number": case_number},
                "last_payment_error": {"message": "Your card was declined."},
            }
        },
    }
    for event in (refund, failed, refund):
        payload, headers = signed(event)
        assert (await api.http.post("/webhooks/stripe", content=payload, headers=headers)).status_code == 200
    detail = await eventually(
        lambda: case_of(api, case_number),
        until=lambda c: Decimal(c["balance"]) == 100 and "payment_failed" in [e["kind"] for e in c["timeline"]],
    )
    failures = [e["summary"] for e in detail["timeline"] if e["kind"] == "payment_failed"]
    assert failures == ["Online payment of $100 failed (pi_test_2): Your card was declined.; nothing was paid"]
    assert [(line["entry_type"], Decimal(line["amount"])) for line in detail["account"]][-1] == ("refund", Decimal(100))


def test_without_a_stripe_key_there_is_no_pay_button() -> None:
    settings = make_settings("sqlite://", "127.0.0.1:7233")
    assert checkout(settings) is None
