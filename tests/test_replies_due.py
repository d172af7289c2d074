"""The city's standard, "all phone calls and emails shall be returned by staff within one business day", on the
time-skipping server: a resident's unanswered e-mail alarms the officer and the supervisor at the close of the next
business day on the city's calendar, not before (a weekend and a holiday in between), and once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from activities.messaging import MessagingActivities
from activities.staff_alerts import StaffAlertActivities
from adapters.senders import OutboxSender
from domain.alerts import REPLY_OVERDUE, AlertRound, AlertRoundResult, AlertRoundStart
from domain.calendar import BusinessCalendar
from domain.communications import reply_due_at
from domain.policy import Policy
from records.communications import reply_address_for, times_to_reply
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.tables import Alert, Case, Message, Officer
from services.context import AppContext
from services.correspondence import InboundEmail, receive_email, receive_text
from tests.case_driver import CaseDriver, keep_history
from tests.conftest import make_settings
from tests.helpers import file_case
from workflows.alert_rounds import AlertRoundWorkflow


def test_the_reply_is_due_at_the_close_of_the_next_business_day() -> None:
    calendar = BusinessCalendar(timezone="America/Chicago", holidays=(datetime(2030, 3, 11).date(),))
    friday = datetime(2030, 3, 8, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert reply_due_at(friday, calendar) == datetime(2030, 3, 12, 17, 0, tzinfo=ZoneInfo("America/Chicago"))
    tuesday = datetime(2030, 3, 12, 16, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert reply_due_at(tuesday, calendar).date() == datetime(2030, 3, 13).date()


def intake_context(sessions: SessionFactory, policy: Policy) -> AppContext:
    """What the webhooks' intake reads: the sessions, the policy's calendar and the settings (no city, no Temporal)."""
    settings = make_settings("sqlite://", "127.0.0.1:1")
    return AppContext(settings, make_engine("sqlite://"), sessions, policy, None, None)  # type: ignore[arg-type]


async def alert_round(cases: CaseDriver, zone: str, *, keep: str | None = None) -> AlertRoundResult:
    workflow_id = f"alert-round-{uuid.uuid4()}"
    start = AlertRoundStart(time_zone=zone, stalled_after_days=100_000, stalled_past_due_days=100_000)
    # Time stands still while the round runs: other tests' cases on the shared server must not skip it past the
    # instant the round is meant to look from.
    with cases.env.auto_time_skipping_disabled():
        result: AlertRoundResult = await cases.client.execute_workflow(
            AlertRoundWorkflow.run, start, id=workflow_id, task_queue=cases.task_queue
        )
    if keep:
        await keep_history(cases.client, workflow_id, keep)
    return result


async def test_an_unanswered_e_mail_alarms_at_the_close_of_the_next_business_day_across_a_weekend_and_a_holiday(
    cases: CaseDriver,
) -> None:
    zone = ZoneInfo(cases.policy.calendar.timezone)
    today = (await cases.now()).astimezone(zone).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    monday, tuesday = friday + timedelta(days=3), friday + timedelta(days=4)
    calendar = cases.policy.calendar.model_copy(update={"holidays": (*cases.policy.calendar.holidays, monday)})
    policy = cases.policy.model_copy(update={"calendar": calendar})

    case = file_case(cases.sessions, policy)[0].case_number
    with transaction(cases.sessions) as session:
        dana = session.exec(select(Officer).where(Officer.badge == "CE-101")).one()
        stored = session.get(Case, case)
        assert stored is not None
        stored.assigned_officer_id = dana.id
        session.add(stored)
        address = reply_address_for(session, case, "reply.riverton.example")
    context = intake_context(cases.sessions, policy)
    email = InboundEmail(
        sender="jerome.alston@example.net",
        recipients=[address],
        subject="Re: Notice of violation",
        text="Who do I call about the deadline?",
        headers=f"Message-ID: <{uuid.uuid4()}@example.net>\n",
    )
    received = receive_email(context, email, now=datetime.combine(friday, time(10), tzinfo=zone))
    assert received.case_number == case

    def close_of(day: date, minutes: int) -> datetime:
        return datetime.combine(day, time(17), tzinfo=zone) + timedelta(minutes=minutes)

    await cases.skip_to(close_of(monday, 5))  # a holiday: the office is closed, nothing is owed yet
    assert (await alert_round(cases, calendar.timezone)).replies_overdue == []
    await cases.skip_to(close_of(tuesday, -5))
    assert (await alert_round(cases, calendar.timezone)).replies_overdue == []
    await cases.skip_to(close_of(tuesday, 5))
    fired = await alert_round(cases, calendar.timezone, keep="alert_round_replies_due")
    assert sorted(key.rsplit(":", 1)[1] for key in fired.replies_overdue) == ["officer", "supervisor"]
    assert (await alert_round(cases, calendar.timezone)).replies_overdue == []  # once

    with cases.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.case_number == case, Alert.kind == REPLY_OVERDUE)).all()
        sent = session.exec(
            select(Message.recipient).where(Message.case_number == case, Message.audience == "staff")
        ).all()
        [owed] = times_to_reply(
            session, datetime.combine(friday, time(0), tzinfo=zone), datetime.combine(tuesday, time(0), tzinfo=zone)
        )
    assert len(alerts) == 2 and "needed a reply by" in alerts[0].message
    assert sorted(sent) == ["dana.whitfield@riverton.example", "teresa.alvarez@riverton.example"]  # at once
    assert owed.replied_at is None and owed.due_at == close_of(tuesday, 0) and owed.case_number == case


def test_an_unmatched_text_left_unanswered_alarms_the_supervisors(sqlite_url: str, policy: Policy) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    context = intake_context(sessions, policy)
    monday = datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo(policy.calendar.timezone))
    received = receive_text(context, "+15550100999", "Is anyone there?", "SMnobody", now=monday)
    assert received.case_number is None
    activities = StaffAlertActivities(sessions, MessagingActivities(sessions, OutboxSender(), OutboxSender()))
    assert activities.file_overdue_replies(AlertRound(as_of=monday + timedelta(days=1, hours=7, minutes=59))) == []
    [key] = activities.file_overdue_replies(AlertRound(as_of=monday + timedelta(days=1, hours=8, minutes=1)))
    assert key.endswith(":supervisor")
    with sessions() as session:
        [alert] = session.exec(select(Alert).where(Alert.key == key)).all()
    assert alert.case_number is None and alert.message.startswith("The unmatched inbox: the other's sms")
