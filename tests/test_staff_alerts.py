"""Nothing goes unheard: every alert reaches a named person, urgent ones and the digests go at once (once), and a
stalled case raises an alarm once per period."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import WorkflowEnvironment

from activities.alerts import AlertActivities
from activities.messaging import MessagingActivities
from activities.staff_alerts import StaffAlertActivities
from adapters.senders import OutboxSender
from domain.alerts import AlertRound, AlertRoundResult, AlertRoundStart, StaffMember, addressees, stall, urgent
from domain.digests import DigestRequest
from domain.policy import Policy
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.notifications import file_alert
from records.supervisor_queue import supervisor_queues
from records.tables import Alert, Case, CaseEvent, Message, Notification, Officer, User
from tests.case_driver import CaseDriver, keep_history
from tests.conftest import Api
from tests.helpers import file_case, form_token, sign_in
from workers.schedules import ensure_alert_round_schedule
from workflows.alert_rounds import AlertRoundWorkflow

SUPERVISOR_EMAIL = "teresa.alvarez@riverton.example"
DAY = timedelta(days=1)
NEVER_STALLED = AlertRoundStart(stalled_after_days=100_000, stalled_past_due_days=100_000)
STAFF = [
    StaffMember("officer", "officer", badge="CE-101"),
    StaffMember("supervisor", "supervisor"),
    StaffMember("boss", "supervisor", active=False),
    StaffMember("finance", "finance"),
    StaffMember("admin", "admin"),
]


# --- the rules ------------------------------------------------------------------------------------


def test_an_alert_reaches_the_officer_by_badge_or_the_holders_of_the_role_it_names() -> None:
    assert addressees("CE-101", STAFF) == ["officer"]
    assert addressees("supervisor", STAFF) == ["supervisor"]  # the deactivated supervisor hears nothing
    assert addressees("program_manager", STAFF) == ["supervisor"]
    assert addressees("finance", STAFF) == ["finance"]


def test_an_alert_nobody_would_read_goes_to_the_supervisors_then_the_admins() -> None:
    assert addressees("CE-102", STAFF) == ["supervisor"]  # an officer without an account
    assert addressees("hearing_clerk", [m for m in STAFF if m.role != "supervisor"]) == ["admin"]


def test_life_safety_cases_missed_response_targets_and_digests_are_urgent_the_rest_wait() -> None:
    assert urgent(kind="step_overdue", stage="investigating", category="III")  # the first inspection's target
    assert urgent(kind="fine_overdue", stage="cost_recovery", category="I")
    assert urgent(kind="weekly_status", stage=None, category=None)
    assert not urgent(kind="step_overdue", stage="awaiting_compliance", category="II")
    assert not urgent(kind="stalled", stage="investigating", category="III")


def test_a_case_stalls_after_n_quiet_days_or_m_days_past_due_once_per_period() -> None:
    last = datetime(2030, 1, 1, tzinfo=UTC)

    def at(days: float, *, due: datetime | None = None) -> str | None:
        found = stall(
            last_activity=last,
            step_due_at=due,
            overdue=due is not None,
            now=last + days * DAY,
            quiet_days=30,
            past_due_days=5,
        )
        return found.period if found else None

    assert at(29.9) is None
    assert at(30) == at(59) != at(60)  # one period from day 30 to day 59, the next from day 60
    due = last + 10 * DAY
    assert at(15, due=due) is None  # five days past due is not more than five
    assert at(15.5, due=due) == at(19, due=due) is not None


# --- on the time-skipping server ------------------------------------------------------------------


async def round_of_alerts(cases: CaseDriver, start: AlertRoundStart = NEVER_STALLED) -> AlertRoundResult:
    workflow_id = f"alert-round-{uuid.uuid4()}"
    result: AlertRoundResult = await cases.client.execute_workflow(
        AlertRoundWorkflow.run, start, id=workflow_id, task_queue=cases.task_queue
    )
    await keep_history(cases.client, workflow_id, "alert_round")
    return result


async def test_a_missed_response_target_sends_one_email_to_the_supervisor_and_one_unread_notification(
    cases: CaseDriver,
) -> None:
    case = await cases.open("BD-UNSAFE")  # Category I: 1 business day to the first inspection
    await cases.until(case, lambda s: s.state.overdue, step=DAY, attempts=6)
    first = await round_of_alerts(cases)
    again = await round_of_alerts(cases)  # the next round, or a retried one, sends nothing more

    with cases.sessions() as session:
        sent = session.exec(select(Message).where(Message.case_number == case, Message.audience == "staff")).all()
        supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
        notifications = session.exec(
            select(Notification)
            .join(Alert, col(Alert.id) == Notification.alert_id)
            .where(Alert.case_number == case, Alert.kind == "step_overdue")
        ).all()
    [email] = sent
    assert (email.channel, email.recipient, email.status) == ("email", SUPERVISOR_EMAIL, "sent")
    assert "overdue" in email.subject and f"/cases/{case}" in email.body
    assert [n.user_id for n in notifications] == [supervisor.id] and notifications[0].read_at is None
    assert email.key in [r.key for r in first.sent] and email.key not in [
        r.key for r in again.sent if not r.already_sent
    ]


# --- from the records ----------------------------------------------------------------------------


def staff_alerts(sessions: SessionFactory) -> StaffAlertActivities:
    return StaffAlertActivities(
        sessions, MessagingActivities(sessions, OutboxSender(), OutboxSender()), "http://console"
    )


def user_id(sessions: SessionFactory, username: str) -> int:
    with sessions() as session:
        found = session.exec(select(User.id).where(User.username == username)).one()
    assert found is not None
    return found


@pytest.mark.postgres
def test_a_stalled_case_alarms_its_officer_and_supervisor_at_n_days_and_not_again_in_the_period(
    database_url: str, policy: Policy
) -> None:
    sessions = session_factory(make_engine(database_url))
    case = file_case(sessions, policy, "PS-GRASS")[0].case_number
    with transaction(sessions) as session:
        dana = session.exec(select(Officer).where(Officer.badge == "CE-101")).one()
        stored = session.get(Case, case)
        assert stored is not None
        stored.assigned_officer_id = dana.id
        session.add(stored)
        quiet_since = session.exec(select(CaseEvent.occurred_at).where(CaseEvent.case_number == case)).one()
    assert quiet_since is not None
    activities = staff_alerts(sessions)

    def check(days: float) -> list[str]:
        return activities.file_stalled_cases(AlertRound(as_of=quiet_since + days * DAY, stalled_after_days=30))

    assert check(29) == []
    filed = check(30)
    assert sorted(key.rsplit(":", 1)[1] for key in filed) == ["officer", "supervisor"]
    assert check(31) == check(59) == []  # the same period: no second alarm
    with sessions() as session:
        readers = session.exec(
            select(User.username)
            .join(Notification, col(Notification.user_id) == User.id)
            .join(Alert, col(Alert.id) == Notification.alert_id)
            .where(Alert.case_number == case, Alert.kind == "stalled")
        ).all()
        [stalled_queue] = [q for q in supervisor_queues(session) if q.title == "Stalled"]
    assert sorted(readers) == ["officer", "supervisor"]
    assert [row.case.case_number for row in stalled_queue.rows] == [case]
    assert len(check(60)) == 2  # still stalled a period later: alarmed again


@pytest.mark.postgres
def test_a_digest_is_emailed_to_the_program_manager_once_per_firing(database_url: str) -> None:
    sessions = session_factory(make_engine(database_url))
    digests, alerts = AlertActivities(sessions), staff_alerts(sessions)
    monday = datetime(2030, 3, 4, 13, 30, tzinfo=UTC)
    weekly = DigestRequest(kind="weekly_status", as_of=monday, time_zone="America/Chicago")

    digests.compose_digest(weekly)
    alerts.send_urgent_alerts()
    digests.compose_digest(weekly.model_copy(update={"as_of": monday + timedelta(hours=1)}))  # a second run that day
    alerts.send_urgent_alerts()
    digests.compose_digest(weekly.model_copy(update={"as_of": monday + 7 * DAY}))  # the next week's firing
    alerts.send_urgent_alerts()

    with sessions() as session:
        sent = session.exec(select(Message).where(Message.audience == "staff").order_by(col(Message.id))).all()
    assert [(m.recipient, m.subject) for m in sent] == [(SUPERVISOR_EMAIL, "Weekly status summary")] * 2
    assert "Weekly status summary for the 7 days to Mon 04 Mar 2030" in sent[0].body
    assert "Mon 11 Mar 2030" in sent[1].body


def test_the_other_alerts_wait_for_each_persons_daily_digest(sqlite_url: str, policy: Policy) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    case = file_case(sessions, policy, "PS-GRASS")[0].case_number

    with transaction(sessions) as session:
        for n in (1, 2):
            alert = Alert(
                key=f"test-{n}",
                case_number=case,
                audience="CE-101",
                kind="compliance_deadline_passed",
                message=f"{case}: deadline {n} passed",
            )
            file_alert(session, alert, stage="awaiting_compliance")
    activities = staff_alerts(sessions)
    assert activities.send_urgent_alerts() == []
    morning = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # 06:00 in Chicago: before the digest hour
    assert activities.send_daily_alert_digests(AlertRound(as_of=morning, time_zone="America/Chicago")) == []
    later = AlertRound(as_of=morning + timedelta(hours=2), time_zone="America/Chicago")
    [receipt] = activities.send_daily_alert_digests(later)
    assert activities.send_daily_alert_digests(later)[0].already_sent  # a retry sends nothing new
    with sessions() as session:
        [digest] = session.exec(select(Message).where(Message.key == receipt.key)).all()
    assert digest.recipient == "dana.whitfield@riverton.example" and digest.subject == "Your alerts for 2030-03-04: 2"
    assert f"{case}: deadline 1 passed" in digest.body and f"{case}: deadline 2 passed" in digest.body


# --- in the console ------------------------------------------------------------------------------


async def test_alerts_are_read_filtered_and_acknowledged_in_the_console(api: Api, policy: Policy) -> None:
    sessions = session_factory(make_engine(api.settings.database_url))
    case = file_case(sessions, policy, "PS-GRASS")[0].case_number
    with transaction(sessions) as session:
        for key, audience, kind in (
            ("overdue", "supervisor", "step_overdue"),
            ("stalled", "supervisor", "stalled"),
            ("officer", "CE-101", "compliance_deadline_passed"),
        ):
            alert = Alert(
                key=key, case_number=case, audience=audience, kind=kind, message=f"{case}: {key} for {audience}"
            )
            file_alert(session, alert, stage="investigating")
    AlertActivities(sessions).compose_digest(DigestRequest(kind="daily_category_i", as_of=datetime.now(UTC)))

    await sign_in(api.http, "supervisor")
    page = await api.http.get("/notifications")
    assert "3 unread alerts" in page.text  # two about the case and the daily digest, in every page's header
    assert "3 unread alerts" in (await api.http.get("/cases")).text
    assert f"{case}: overdue for supervisor" in page.text and f'href="/cases/{case}"' in page.text
    assert f"{case}: officer for CE-101" not in page.text  # the officer's own, until the team is asked for
    assert f"{case}: officer for CE-101" in (await api.http.get("/notifications?team=true")).text
    stalled_only = (await api.http.get("/notifications?kind=stalled")).text
    assert f"{case}: stalled" in stalled_only and f"{case}: overdue" not in stalled_only

    with sessions() as session:
        mine = session.exec(
            select(Notification.id)
            .join(User, col(User.id) == Notification.user_id)
            .where(User.username == "supervisor")
        ).all()
        officers = session.exec(
            select(Notification.id).join(User, col(User.id) == Notification.user_id).where(User.username == "officer")
        ).all()
    token = form_token(page.text)
    answer = await api.http.post("/notifications/acknowledge", data={"csrf_token": token, "notification": mine[:1]})
    assert answer.status_code == 303
    assert "2 unread alerts" in (await api.http.get("/notifications")).text
    # Many at once; another person's notification in the list is theirs to acknowledge, not the supervisor's.
    await api.http.post("/notifications/acknowledge", data={"csrf_token": token, "notification": [*mine, *officers]})
    page = await api.http.get("/notifications?unread=true")
    assert "0 unread alerts" in page.text and "No notifications unread" in page.text
    with sessions() as session:
        assert session.get(Notification, officers[0]).read_at is None  # type: ignore[union-attr]

    digests = (await api.http.get("/digests")).text
    assert "Daily digest of open Category I (life-safety) cases" in digests and "Open Category I" in digests


async def test_staff_set_how_alerts_reach_them_and_an_admin_may_too(api: Api) -> None:
    await sign_in(api.http, "officer")
    token = form_token((await api.http.get("/notifications")).text)
    preferences = {
        "csrf_token": token,
        "email": "dana@riverton.example",
        "phone": "+15550100001",
        "alert_channel": "sms",
    }
    assert (await api.http.post("/notifications/preferences", data=preferences)).status_code == 303
    page = (await api.http.get("/notifications?saved=true")).text
    assert 'value="+15550100001"' in page and 'value="sms" selected' in page

    api.http.cookies.clear()
    await sign_in(api.http, "admin")
    token = form_token((await api.http.get("/admin/users")).text)
    sessions = session_factory(make_engine(api.settings.database_url))
    officer = user_id(sessions, "officer")
    settings = {
        "csrf_token": token,
        "email": "dana.w@riverton.example",
        "alert_channel": "none",
        "daily_digest": "true",
    }
    assert (await api.http.post(f"/admin/users/{officer}/contact", data=settings)).status_code == 303
    with sessions() as session:
        dana = session.get(User, officer)
    assert dana is not None
    assert (dana.email, dana.phone, dana.alert_channel, dana.daily_digest) == (
        "dana.w@riverton.example",
        None,
        "none",
        True,
    )


@pytest.mark.devserver
async def test_the_alert_round_runs_every_five_minutes_with_the_policys_stalled_case_numbers(
    temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    client, prefix = temporal_dev.client, f"test-{uuid.uuid4().hex[:12]}"
    strict = policy.model_copy(
        update={"process": policy.process.model_copy(update={"stalled_after_days": 20, "stalled_past_due_days": 3})}
    )
    schedule_id = await ensure_alert_round_schedule(client, "alerts-queue", policy, prefix=prefix)
    try:
        await client.get_schedule_handle(schedule_id).pause(note="held for the test")
        assert await ensure_alert_round_schedule(client, "alerts-queue", strict, prefix=prefix) == schedule_id
        schedule = (await client.get_schedule_handle(schedule_id).describe()).schedule
        [every] = schedule.spec.intervals
        assert every.every == timedelta(minutes=5) and schedule.state.paused  # an operator's pause survives
        action = schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "AlertRoundWorkflow"
        [start] = await client.data_converter.decode(action.args, [AlertRoundStart])
        assert start == AlertRoundStart(
            time_zone=policy.calendar.timezone, stalled_after_days=20, stalled_past_due_days=3
        )
    finally:
        await client.get_schedule_handle(schedule_id).delete()


def test_a_round_killed_after_claiming_an_urgent_alert_still_sends_it_once(sqlite_url: str, policy: Policy) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    case = file_case(sessions, policy, "BD-UNSAFE")[0].case_number  # Category I: its alerts are urgent
    with transaction(sessions) as session:
        alert = Alert(
            key="killed", case_number=case, audience="supervisor", kind="step_overdue", message=f"{case} overdue"
        )
        file_alert(session, alert, stage="investigating")
        session.flush()
        [claimed] = session.exec(select(Notification).where(Notification.alert_id == alert.id)).all()
        claimed.sent_by = f"staff-alert-{claimed.id}"  # the dead round's claim; its message never started
        session.add(claimed)
    activities = staff_alerts(sessions)
    [receipt] = activities.send_urgent_alerts()
    assert activities.send_urgent_alerts() == []
    with sessions() as session:
        sent = session.exec(select(Message).where(Message.case_number == case)).all()
    assert [(m.key, m.recipient, m.status) for m in sent] == [(receipt.key, SUPERVISOR_EMAIL, "sent")]
