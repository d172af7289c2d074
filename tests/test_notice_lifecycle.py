"""What a case sends, from its first notice to its closure, on the time-skipping server: every letter stored once
in order, every message sent once in order through the real SendGrid SDK (to its contract-checked stand-in),
and a notice whose service fails falling back to the policy's next method without running its clocks."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from activities.messaging import MessagingActivities
from adapters.sendgrid_mail import SendGridSender
from adapters.twilio_sms import TwilioSender
from domain.actions import DeliveryFailed
from domain.evidence import EvidenceSource
from domain.policy import Policy
from domain.stages import CaseStage, Outcome, ServiceMethod
from records.db import make_engine, session_factory, transaction
from records.documents import CaseDocument
from records.intake import ComplainantDetails
from records.tables import Alert, CaseEvent, CaseNotice, Complainant, Complaint, Message, Parcel, SmsOptOut
from services.evidence import store_evidence
from tests.case_driver import CaseDriver, case_driver
from tests.conftest import prepare_database
from tests.helpers import eventually
from tests.standins.sendgrid import SendGridStandin
from tests.standins.twilio import TwilioStandin
from tests.test_evidence import photo

S = CaseStage
DAY = timedelta(days=1)
FINDINGS = {"findings": "Porch roof sagging; photos taken"}
PAT = ComplainantDetails(name="Pat Neighbour", email="pat.neighbour@example.org", phone=None)


@pytest.fixture(scope="module")
def sendgrid() -> Iterator[SendGridStandin]:
    with SendGridStandin() as standin:
        yield standin
    assert not standin.internal_errors


@pytest.fixture(scope="module")
def twilio() -> Iterator[TwilioStandin]:
    with TwilioStandin() as standin:
        yield standin
    assert not standin.internal_errors


@pytest.fixture(scope="module")
async def lifecycle(
    temporal_time: WorkflowEnvironment,
    tmp_path_factory: pytest.TempPathFactory,
    policy: Policy,
    sendgrid: SendGridStandin,
    twilio: TwilioStandin,
) -> AsyncIterator[CaseDriver]:
    """Cases whose messages go through the real SendGrid and Twilio SDKs to the stand-ins."""
    url = prepare_database(f"sqlite:///{tmp_path_factory.mktemp('lifecycle') / 'abate.sqlite3'}")
    sessions = session_factory(make_engine(url))

    def messaging(store: Path) -> MessagingActivities:
        email = SendGridSender(sendgrid.api_key, "code.enforcement@riverton.example", sendgrid.base_url)
        sms = TwilioSender(twilio.account_sid, twilio.auth_token, "+15550100311", twilio.base_url)
        return MessagingActivities(sessions, email, sms, store)

    async with case_driver(temporal_time, sessions, policy, f"lifecycle-{uuid.uuid4()}", messaging) as driver:
        yield driver


def _documents(cases: CaseDriver, case: str) -> list[CaseDocument]:
    with cases.sessions() as session:
        return list(
            session.exec(select(CaseDocument).where(CaseDocument.case_number == case).order_by(col(CaseDocument.id)))
        )


def _messages(cases: CaseDriver, case: str) -> list[Message]:
    with cases.sessions() as session:
        return list(session.exec(select(Message).where(Message.case_number == case).order_by(col(Message.id))))


async def _bounce(cases: CaseDriver, case: str, key: str) -> None:
    """What the SendGrid webhook route sends the case when SendGrid reports the bounce (tested in test_webhooks)."""
    event = DeliveryFailed(message_key=key, channel="email", status="bounced", reason="550 mailbox unavailable")
    await cases.signal(case, "delivery_failed", event)
    await cases.signal(case, "delivery_failed", event)  # providers repeat events: the second changes nothing


async def test_one_case_from_notice_to_closure_sends_each_letter_and_message_once_in_order(
    lifecycle: CaseDriver, sendgrid: SendGridStandin
) -> None:
    cases = lifecycle
    sendgrid.reset()
    case = await cases.open("BD-UNSAFE", complainant=PAT)  # 142 Maple Dr: the owner has an e-mail on the roll

    async def stored() -> list[str]:  # the acknowledgement (and its PDF) is written after triage has answered
        return [d.kind for d in _documents(cases, case)]

    await eventually(stored, until=lambda kinds: kinds == ["acknowledgement"])
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")

    # Served by e-mail, and the e-mail bounces: the notice is not served, and no clock runs from it.
    snapshot = await cases.act(case, "record_service", {"method": "email"})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.compliance_deadline is not None
    await _bounce(cases, case, f"{case}:notice-1:email")
    snapshot = await cases.until(case, lambda s: s.state.stage is S.NOTICE_ISSUED)
    notice = snapshot.state.notices[-1]
    assert notice.served_at is None and notice.appeal_deadline is None and notice.letter is None
    assert notice.awaiting_service_by is ServiceMethod.MAIL  # the policy's order: e-mail, mail, posting
    assert [(f.method, f.reason) for f in notice.failed_services] == [
        (ServiceMethod.EMAIL, "bounced (550 mailbox unavailable)")
    ]
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "record_service"
    assert snapshot.state.compliance_deadline is None and snapshot.sleeping_until == snapshot.waiting_on.due_at
    assert "by mail to the mailing address of record" in snapshot.waiting_on.description
    with cases.sessions() as session:
        row = session.exec(select(CaseNotice).where(CaseNotice.case_number == case)).one()
        alerts = session.exec(select(Alert.message).where(Alert.case_number == case)).all()
    assert row.served_at is None and row.awaiting_service_by == "mail" and row.failed_services[0]["method"] == "email"
    assert [a for a in alerts if "not served" in a] and len([a for a in alerts if "bounced" in a]) == 1
    refused = await cases.refused(case, "record_service", {"method": "email"})
    assert refused.startswith("service of this notice by email already failed") and "serve it by mail" in refused

    # Served again by mail: the clocks start at this service (plus the policy's days for mail).
    snapshot = await cases.act(case, "record_service", {"method": "mail"})
    served = snapshot.state.notices[-1]
    assert served.service_method is ServiceMethod.MAIL and served.awaiting_service_by is None
    assert served.served_at is not None and snapshot.state.compliance_deadline is not None
    deadline = snapshot.state.compliance_deadline
    assert (deadline.date() - served.served_at.astimezone(deadline.tzinfo).date()).days >= 10 + 5

    await cases.signal(case, "extension_requested", {"days": 20, "reason": "Waiting for the engineer's report"})
    await cases.until(case, lambda s: s.state.extension_request is not None)
    await cases.act(case, "deny_extension", {"reason": "The structure is dangerous now"})
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=30)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})
    hearing_at = await cases.now() + timedelta(days=12)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    await cases.act(case, "record_decision", {"decision": "upheld", "reason": "The order stands"})
    await cases.signal(case, "extension_requested", {"days": 5, "reason": "Contractor booked"})
    await cases.until(case, lambda s: s.state.extension_request is not None)
    await cases.act(case, "grant_extension", {"days": 5, "reason": "A contractor is booked"})
    await cases.signal(case, "owner_reported_compliance", {"note": "Shored up"})
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})
    await cases.act(case, "order_remediation", {"contractor": "Riverton Demolition", "scope": "Shore and secure"})
    await cases.act(case, "record_remediation_cost", {"description": "Shoring", "amount": "450.00"})
    await cases.act(case, "record_remediation_cost", {"description": "Labour", "amount": "300.00", "final": True})
    await cases.until(case, lambda s: s.state.stage is S.ESCALATION_DUE, step=DAY, attempts=40)  # unpaid: a lien
    snapshot = await cases.act(case, "file_lien", {"reference": "TAX-ROLL-2027-0077"})
    assert snapshot.state.proposed_outcome is Outcome.REMEDIATED_BY_CITY and snapshot.balance == Decimal(750) + Decimal(
        25
    )  # and the second reinspection's fee
    await cases.act(case, "close", {"outcome": "remediated_by_city", "reason": "Abated; costs on the tax roll"})
    await cases.keep_history(case, "notice_to_closure_letters")

    documents = _documents(cases, case)
    assert [(d.kind, d.audience, d.delivery) for d in documents] == [
        ("acknowledgement", "complainant", "record"),
        ("notice_of_violation", "owner", "email"),  # the emergency order as first served: bounced
        ("notice_of_violation", "owner", "mail"),  # served again, with the dates of this service
        ("extension_denied", "owner", "email"),
        ("reinspection_notice", "owner", "email"),
        ("notice_of_hearing", "owner", "email"),
        ("hearing_decision", "owner", "email"),
        ("extension_granted", "owner", "email"),
        ("reinspection_notice", "owner", "email"),
        ("remediation_notice", "owner", "email"),
        ("lien_notice", "owner", "email"),
        ("closure_owner", "owner", "email"),
        ("closure_complainant", "complainant", "record"),
    ]
    assert len({d.path for d in documents}) == len(documents)  # each stored once, none replaced
    for document in documents:
        data = (cases.document_store / document.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.sha256

    messages = _messages(cases, case)
    with cases.sessions() as session:
        pat = session.exec(
            select(Complainant.id)
            .join(Complaint, col(Complaint.complainant_id) == Complainant.id)
            .where(Complaint.case_number == case)
        ).one()
    by_letter = {d.business_key: d.kind for d in documents}
    described = []
    for m in messages:
        step = m.key.removeprefix(f"{case}:")
        if step.startswith("letter-"):
            step = by_letter[step.removesuffix(":email")]
        elif step.startswith("reminder:"):
            step = "reminder " + step.rsplit("-", 1)[1] + " day(s)"
        described.append((step, m.audience, m.channel, m.recipient))
    complainant = "pat.neighbour@example.org"
    with cases.sessions() as session:
        owner = session.exec(select(Parcel.owner_email).where(Parcel.address == "142 Maple Dr")).one()
    assert described == [
        (f"complainant-{pat}:received", "complainant", "email", complainant),
        (f"complainant-{pat}:inspected", "complainant", "email", complainant),
        ("notice-1:email", "owner", "email", owner),
        ("extension_denied", "owner", "email", owner),
        ("reminder 7 day(s)", "owner", "email", owner),
        ("reminder 1 day(s)", "owner", "email", owner),
        ("reinspection_notice", "owner", "email", owner),
        ("notice_of_hearing", "owner", "email", owner),
        ("reminder 7 day(s)", "owner", "email", owner),  # before the hearing
        ("reminder 1 day(s)", "owner", "email", owner),
        ("hearing_decision", "owner", "email", owner),
        ("extension_granted", "owner", "email", owner),
        ("reinspection_notice", "owner", "email", owner),
        ("remediation_notice", "owner", "email", owner),
        ("lien_notice", "owner", "email", owner),
        (f"complainant-{pat}:closed", "complainant", "email", complainant),
        ("closure_owner", "owner", "email", owner),
    ]
    assert all(m.status == "sent" and m.backend == "sendgrid" for m in messages)
    # Once each at the provider too, and every letter e-mailed is the stored one.
    assert len(sendgrid.sent) == len(messages)
    attached = [mail["attachments"][0]["filename"] for mail in sendgrid.sent if mail.get("attachments")]
    assert attached == [Path(d.path).name for d in documents if d.delivery == "email"]
    # No owner letter or message carries the complainant, and no complainant message the owner.
    for m in messages:
        if m.audience == "owner":
            assert complainant not in m.body and "Pat Neighbour" not in m.body
    events = _events(cases, case)
    served_or_failed = [e for e in events if e in ("notice_served", "service_failed")]
    assert served_or_failed == ["notice_served", "service_failed", "notice_served"]


def _events(cases: CaseDriver, case: str) -> list[str]:
    with cases.sessions() as session:
        return list(
            session.exec(select(CaseEvent.kind).where(CaseEvent.case_number == case).order_by(col(CaseEvent.id)))
        )


async def _notice_issued(cases: CaseDriver, code: str = "PS-REFUSE", address: str = "142 Maple Dr") -> str:
    """A new case at the step where staff serve its notice: inspected, a violation found, the notice issued."""
    case = await cases.open(code, address)
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    return case


async def test_a_service_e_mail_the_provider_refuses_falls_back_at_once(
    lifecycle: CaseDriver, sendgrid: SendGridStandin
) -> None:
    cases = lifecycle
    case = await _notice_issued(cases)
    sendgrid.fail_next(400)  # a request SendGrid will not take as it is: retrying cannot help
    snapshot = await cases.act(case, "record_service", {"method": "email"})
    notice = snapshot.state.notices[-1]
    assert snapshot.state.stage is S.NOTICE_ISSUED and snapshot.state.compliance_deadline is None
    assert notice.served_at is None and notice.awaiting_service_by is ServiceMethod.MAIL
    assert notice.failed_services[0].reason.startswith("refused when sent: SendGrid refused the e-mail (400)")
    [message] = _messages(cases, case)
    assert message.status == "failed" and "400" in (message.error or "")
    with transaction(cases.sessions) as session:  # the photo of the notice where it hangs
        posted = store_evidence(
            session,
            cases.document_store,
            case_number=case,
            data=photo("yellow"),
            original_name="posted.jpg",
            source=EvidenceSource.POSTING,
            uploaded_by="officer",
            local_zone=cases.policy.calendar.zone,
        ).id
    snapshot = await cases.act(
        case, "record_service", {"method": "posting", "evidence_id": posted}
    )  # may skip to posting
    assert (
        snapshot.state.stage is S.AWAITING_COMPLIANCE
        and snapshot.state.notices[-1].service_method is ServiceMethod.POSTING
    )
    kinds = [(d.business_key, d.delivery) for d in _documents(cases, case)]
    assert kinds == [("notice-1", "email"), ("notice-1-2", "posting")]
    await cases.keep_history(case, "service_refused_then_posted")


async def test_a_throttled_service_e_mail_is_retried_and_serves_but_an_invalid_address_falls_back(
    lifecycle: CaseDriver, sendgrid: SendGridStandin
) -> None:
    cases = lifecycle
    throttled = await _notice_issued(cases)
    sendgrid.fail_next(429)  # SendGrid's rate limit: the same e-mail goes once the limit lifts
    snapshot = await cases.act(throttled, "record_service", {"method": "email"})
    notice = snapshot.state.notices[-1]
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and notice.served_at is not None
    assert notice.service_method is ServiceMethod.EMAIL and not notice.failed_services
    [message] = _messages(cases, throttled)
    assert message.status == "sent" and message.error is None

    invalid = await _notice_issued(cases)
    sent_before = len(sendgrid.sent)
    sendgrid.fail_next(400, body={"errors": [{"message": "Does not contain a valid address.", "field": "to"}]})
    snapshot = await cases.act(invalid, "record_service", {"method": "email"})
    notice = snapshot.state.notices[-1]
    assert notice.served_at is None and notice.awaiting_service_by is ServiceMethod.MAIL
    assert notice.failed_services[0].reason.startswith("refused when sent: SendGrid refused the e-mail (400)")
    [message] = _messages(cases, invalid)
    assert message.status == "failed" and "valid address" in (message.error or "")
    assert len(sendgrid.sent) == sent_before


async def test_a_bounced_reminder_is_recorded_and_alerts_the_officer_without_undoing_service(
    lifecycle: CaseDriver,
) -> None:
    cases = lifecycle
    case = await cases.open("PS-EXTERIOR")  # 30 days: the 7-day reminder comes well after service
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    await cases.until(case, lambda s: len(s.state.reminders_sent) == 1, step=DAY, attempts=40)
    [reminder] = [m for m in _messages(cases, case) if ":reminder:" in m.key]
    await _bounce(cases, case, reminder.key)
    await cases.until(case, lambda s: reminder.key in s.state.failed_deliveries)
    snapshot = await cases.snapshot(case)
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.notices[-1].served_at is not None
    assert _events(cases, case).count("delivery_failed") == 1
    with cases.sessions() as session:
        alerts = session.exec(select(Alert.message).where(Alert.case_number == case)).all()
    assert [a for a in alerts if "deadline reminder" in a and "bounced" in a]


async def test_a_reminder_to_a_phone_that_texted_stop_is_not_sent_and_the_timeline_says_so(
    lifecycle: CaseDriver, twilio: TwilioStandin
) -> None:
    cases = lifecycle
    phone = "+15554418811"  # 128 W 14th St: the roll has the owner's phone and no e-mail
    with transaction(cases.sessions) as session:
        session.add(SmsOptOut(phone=phone))
    case = await _notice_issued(cases, "PS-EXTERIOR", "128 W 14th St")
    await cases.act(case, "record_service", {"method": "personal"})
    await cases.until(case, lambda s: len(s.state.reminders_sent) == 1, step=DAY, attempts=40)
    with cases.sessions() as session:
        [line] = session.exec(
            select(CaseEvent.summary).where(CaseEvent.case_number == case, CaseEvent.kind == "reminder_sent")
        ).all()
    assert "not sent: the owner's phone has opted out of texts (STOP)" in line and "sent by sms" not in line
    assert [m.status for m in _messages(cases, case) if ":reminder:" in m.key] == ["opted_out"]
    assert not [m for m in twilio.sent if m["To"] == phone]
