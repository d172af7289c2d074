"""Owners are reminded before each deadline they face, on the channel they asked for on the assessment roll."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from activities.messaging import MessagingActivities
from adapters.senders import OutboxSender
from domain.messages import OwnerReminder
from domain.policy import Policy
from domain.stages import CaseStage, Outcome
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.tables import CaseEvent, Message, Parcel, SmsOptOut
from tests.case_driver import CaseDriver
from tests.conftest import prepare_database
from tests.helpers import file_case

S = CaseStage
DAY = timedelta(days=1)
FINDINGS = {"findings": "Saws running at 6 a.m.; recorded"}
CITY = ZoneInfo("America/Chicago")
# On the demo roll this owner has an e-mail and a phone and asked for text messages.
PREFERS_SMS = "1352 W 14th St"
OWNER_PHONE = "+15553365614"


def _on_city_clock(instant: datetime) -> str:
    local = instant.astimezone(CITY)
    return f"{local:%a %b %d, %I:%M %p} {local.tzname()}"  # as a text message states it


async def _not_complied(cases: CaseDriver, case: str) -> None:
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=20)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})


async def test_fine_and_hearing_reminders_go_once_each_by_the_owners_preferred_channel(cases: CaseDriver) -> None:
    case = await cases.open("NS-CONSTRUCTION", PREFERS_SMS)  # a citation with a fine; then fines, then a hearing
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    # Fine 1 is paid at once: a paid fine is not reminded of.
    await cases.act(case, "record_payment", {"amount": "100", "method": "card", "reference": "R-1"})
    for _ in range(2):
        await _not_complied(cases, case)
        await cases.act(case, "issue_fine")
    await _not_complied(cases, case)
    hearing_at = await cases.now() + 10 * DAY
    snapshot = await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat(), "location": "Room 2"})
    assert snapshot.state.hearing is not None and snapshot.state.hearing.scheduled_for is not None
    hearing_at = snapshot.state.hearing.scheduled_for
    await cases.skip_to(hearing_at + timedelta(hours=1))
    await cases.act(case, "record_decision", {"decision": "upheld", "reason": "Order stands"})
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=20)
    snapshot = await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    fines = {f.seq: f for f in snapshot.state.fines}
    assert sorted(fines) == [1, 2, 3]
    await cases.skip_to(max(f.due_at for f in fines.values()) + DAY)  # every fine's reminders have fallen due

    with cases.sessions() as session:
        sent = session.exec(
            select(Message).where(Message.case_number == case, col(Message.key).contains(":reminder:"))
        ).all()
        summaries = list(
            session.exec(
                select(CaseEvent.summary).where(CaseEvent.case_number == case, CaseEvent.kind == "reminder_sent")
            )
        )
    by_key = {m.key.split(":reminder:")[1]: m for m in sent}
    hearing_key = f"hearing-{hearing_at.isoformat()}"
    expected = {
        "fine-2-7": fines[2].due_at,
        "fine-2-1": fines[2].due_at,
        "fine-3-7": fines[3].due_at,
        "fine-3-1": fines[3].due_at,
        f"{hearing_key}-7": hearing_at,
        f"{hearing_key}-1": hearing_at,
    }
    # Once each, and none for the fine already paid; compliance reminders (if any fell inside a period) apart.
    assert {k for k in by_key if not k[0].isdigit()} == set(expected)
    assert len(summaries) == len(sent)
    for key, deadline in expected.items():
        message = by_key[key]
        assert (message.channel, message.recipient, message.status) == ("sms", OWNER_PHONE, "sent")
        assert _on_city_clock(deadline) in message.body, (key, message.body)
    assert "pay fine 2 of $200 for the " in by_key["fine-2-7"].body
    assert "hearing" in by_key[f"{hearing_key}-1"].body and "Room 2" in by_key[f"{hearing_key}-1"].body
    assert sum("a fine's due date (fine 3 of $500) is in 1 day(s) — sent by sms" in s for s in summaries) == 1
    assert sum("the hearing (Room 2) is in 7 day(s)" in s for s in summaries) == 1

    # Paid in full: nothing more to remind of.
    balance = (await cases.snapshot(case)).balance
    await cases.act(case, "record_payment", {"amount": str(balance), "method": "card", "reference": "R-2"})
    snapshot = await cases.act(case, "close", {"outcome": Outcome.ORDER_COMPLIANCE.value, "reason": "reviewed"})
    assert snapshot.balance == Decimal(0)
    await cases.keep_history(case, "deadline_reminders_wall_clock")


def _messaging(sessions: SessionFactory) -> MessagingActivities:
    return MessagingActivities(sessions, OutboxSender(), OutboxSender(), local_zone=CITY)


def _reminder_to(
    sessions: SessionFactory,
    policy: Policy,
    *,
    preferred: str,
    email: str | None,
    key: str,
    phone: str | None = None,
    phone_stopped: bool = False,
) -> str:
    case, _ = file_case(sessions, policy, address=PREFERS_SMS)
    with transaction(sessions) as session:
        parcel = session.get(Parcel, case.parcel_id)
        assert parcel is not None
        parcel.owner_preferred_channel, parcel.owner_email, parcel.owner_phone = preferred, email, phone
        session.add(parcel)
        if phone and phone_stopped and session.get(SmsOptOut, phone) is None:
            session.add(SmsOptOut(phone=phone))
    reminder = OwnerReminder(
        key=f"{case.case_number}:reminder:{key}",
        case_number=case.case_number,
        deadline=datetime(2026, 12, 20, 17, tzinfo=CITY),
        days_left=7,
        violation_title="Construction noise",
        address=PREFERS_SMS,
    )
    receipt = _messaging(sessions).send_owner_reminder(reminder)
    return receipt.channel.value if receipt.channel and receipt.status == "sent" else receipt.status


def test_a_preferred_channel_the_roll_has_no_contact_for_falls_back(tmp_path: object, policy: Policy) -> None:
    url = prepare_database(f"sqlite:///{tmp_path}/abate.sqlite3")
    sessions = session_factory(make_engine(url))
    # Asked for texts, but the roll has no phone: the reminder still reaches the owner, by e-mail.
    assert _reminder_to(sessions, policy, preferred="sms", email="owner@example.net", key="a") == "email"
    # Neither contact: nothing is sent, and the receipt says why.
    assert _reminder_to(sessions, policy, preferred="sms", email=None, key="b") == "no_contact"
    # Asked for texts, but the phone texted STOP: carriers forbid the text, so the e-mail on the roll takes it;
    # without an e-mail the text is not sent and the receipt says so.
    stopped = "+15550100777"
    assert (
        _reminder_to(
            sessions, policy, preferred="sms", email="owner@example.net", key="c", phone=stopped, phone_stopped=True
        )
        == "email"
    )
    assert _reminder_to(sessions, policy, preferred="sms", email=None, key="d", phone=stopped, phone_stopped=True) == (
        "opted_out"
    )
    # A phone that never texted STOP gets the text the owner asked for.
    assert _reminder_to(
        sessions, policy, preferred="sms", email="owner@example.net", key="e", phone="+15550100778"
    ) == ("sms")
