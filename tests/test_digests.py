"""The daily Category I digest and the weekly status summary, run by Temporal Schedules on the dev server.

Schedules exist only on the real server (the time-skipping server has none). Each test uses its own
schedule ids and task queue, and deletes its schedules, so the shared dev server is left as it was.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    ScheduleRange,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.alerts import AlertActivities
from domain.digests import DigestRequest, DigestResult, DigestStart
from domain.policy import Policy
from domain.stages import CaseStage
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.tables import Alert, Case, CaseEvent, Officer, Parcel
from tests.case_driver import keep_history
from tests.helpers import eventually, file_case
from workers.main import build_worker
from workers.schedules import ensure_digest_schedules

pytestmark = pytest.mark.devserver

CHICAGO = "America/Chicago"
ZONE = ZoneInfo(CHICAGO)
_runs = itertools.count(1)
DAY = timedelta(days=1)
DAYS_3 = 3 * DAY
IDLE_OFFICERS = [
    "Aisha Rahman (CE-103)",
    "Bao Tran (CE-104)",
    "Kirsten Lindahl (CE-105)",
    "Marcus Greene (CE-106)",
    "Fatuma Warsame (CE-107)",
    "Rick Novak (CE-108)",
]


@pytest.fixture
def sessions(sqlite_url: str) -> SessionFactory:
    return session_factory(make_engine(sqlite_url))


@pytest.fixture
async def schedule_prefix(temporal_dev: WorkflowEnvironment) -> AsyncIterator[str]:
    """Unique schedule ids for this test; the schedules are deleted afterwards."""
    prefix = f"test-{datetime.now(UTC):%H%M%S%f}-{next(_runs)}"
    yield prefix
    for suffix in ("daily-category-i-digest", "weekly-status-summary"):
        with contextlib.suppress(RPCError):  # never created, when the test failed before
            await temporal_dev.client.get_schedule_handle(f"{prefix}-{suffix}").delete()


def store_case(sessions: SessionFactory, policy: Policy, code: str, address: str = "142 Maple Dr") -> str:
    """A case as intake stores it: the digest reads only the `cases` table."""
    return file_case(sessions, policy, code, address)[0].case_number


def update_case(sessions: SessionFactory, case_number: str, **fields: object) -> None:
    with transaction(sessions) as session:
        case = session.get(Case, case_number)
        assert case is not None
        for name, value in fields.items():
            setattr(case, name, value)
        session.add(case)


async def test_the_digest_schedules_are_created_once_and_kept_up_to_date(
    temporal_dev: WorkflowEnvironment, schedule_prefix: str
) -> None:
    client = temporal_dev.client
    queue = f"digests-{schedule_prefix}"
    ids = await ensure_digest_schedules(client, queue, "America/Denver", prefix=schedule_prefix)
    # A second worker start (here with the policy's zone changed) updates the schedules, not duplicates them.
    assert await ensure_digest_schedules(client, queue, CHICAGO, prefix=schedule_prefix) == ids
    assert await ensure_digest_schedules(client, queue, CHICAGO, prefix=schedule_prefix) == ids
    assert ids == [f"{schedule_prefix}-daily-category-i-digest", f"{schedule_prefix}-weekly-status-summary"]

    daily, weekly = [await client.get_schedule_handle(i).describe() for i in ids]
    for described, kind in ((daily, "daily_category_i"), (weekly, "weekly_status")):
        schedule = described.schedule
        assert schedule.spec.time_zone_name == CHICAGO
        assert schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
        assert schedule.state.note and not schedule.state.paused
        assert await described.memo_value("kind") == kind
        action = schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("DigestWorkflow", queue)
        assert await client.data_converter.decode(action.args, [DigestStart]) == [
            DigestStart(kind=kind, time_zone=CHICAGO)
        ]

    [every_day] = daily.schedule.spec.calendars
    assert (every_day.hour, every_day.minute) == ((ScheduleRange(7),), (ScheduleRange(0),))
    assert every_day.day_of_week == (ScheduleRange(0, 6),)
    [mondays] = weekly.schedule.spec.calendars
    assert (mondays.hour, mondays.minute) == ((ScheduleRange(7),), (ScheduleRange(30),))
    assert mondays.day_of_week == (ScheduleRange(1),)
    # The next run is 07:00 in the city, whatever the server's zone.
    next_run = daily.info.next_action_times[0].astimezone(ZONE)
    assert (next_run.hour, next_run.minute) == (7, 0)

    # An operator's pause survives a worker restart.
    await client.get_schedule_handle(ids[1]).pause(note="paused over the holidays")
    await ensure_digest_schedules(client, queue, CHICAGO, prefix=schedule_prefix)
    state = (await client.get_schedule_handle(ids[1]).describe()).schedule.state
    assert state.paused and state.note == "paused over the holidays"


async def test_triggering_the_daily_schedule_files_a_digest_of_open_category_i_cases(
    temporal_dev: WorkflowEnvironment, sessions: SessionFactory, policy: Policy, schedule_prefix: str
) -> None:
    client: Client = temporal_dev.client
    unsafe = store_case(sessions, policy, "BD-UNSAFE")  # Category I
    grass = store_case(sessions, policy, "PS-GRASS")  # Category III
    pool = store_case(sessions, policy, "PL-ENCLOSURE")  # Category I, but closed
    due = datetime(2030, 5, 6, 22, 0, tzinfo=UTC)
    with sessions() as session:
        officer = session.exec(select(Officer).order_by(Officer.badge)).first()
        assert officer is not None
    update_case(
        sessions,
        unsafe,
        stage=CaseStage.INVESTIGATING.value,
        assigned_officer_id=officer.id,
        next_deadline=due,
        overdue=True,
    )
    update_case(sessions, pool, stage=CaseStage.CLOSED.value, closed_at=datetime.now(UTC))

    queue = f"digests-{schedule_prefix}"
    daily_id, _ = await ensure_digest_schedules(client, queue, CHICAGO, prefix=schedule_prefix)
    handle = client.get_schedule_handle(daily_id)
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(client, queue, sessions, executor):
            await handle.trigger()

            async def started() -> list[str]:
                actions = (await handle.describe()).info.recent_actions
                return [
                    a.action.workflow_id for a in actions if isinstance(a.action, ScheduleActionExecutionStartWorkflow)
                ]

            [workflow_id] = await eventually(started, until=bool)
            result = await client.get_workflow_handle(workflow_id, result_type=DigestResult).result()
            await keep_history(client, workflow_id, "daily_digest")

    assert workflow_id.startswith(daily_id)
    assert result.kind == "daily_category_i" and result.written
    assert [c.case_number for c in result.cases] == [unsafe]
    assert (result.open_cases, result.overdue) == (1, 1)
    line = result.cases[0]
    assert (line.violation_code, line.stage, line.next_deadline, line.overdue) == (
        "BD-UNSAFE",
        "investigating",
        due,
        True,
    )
    assert line.officer == f"{officer.name} ({officer.badge})"

    with sessions() as session:
        [alert] = session.exec(select(Alert).where(col(Alert.key).startswith("digest:"))).all()
    assert abs(datetime.now(UTC) - result.as_of) < timedelta(minutes=1)  # the workflow's clock, when triggered
    assert alert.key == result.key == f"digest:daily_category_i:{result.as_of.astimezone(ZONE):%Y-%m-%d}"
    assert (alert.audience, alert.case_number) == ("supervisor", None)
    assert alert.message == result.message
    assert unsafe in alert.message and grass not in alert.message and pool not in alert.message
    assert "BD-UNSAFE" in alert.message and "OVERDUE" in alert.message and officer.badge in alert.message
    assert "Mon 06 May 2030 17:00 CDT" in alert.message  # the deadline in the city's time


def test_the_weekly_summary_counts_the_week_and_is_filed_once(sessions: SessionFactory) -> None:
    as_of = datetime(2030, 3, 4, 13, 30, tzinfo=UTC)  # Monday 07:30 in Chicago
    with transaction(sessions) as session:
        parcel = session.exec(select(Parcel)).first()
        assert parcel is not None
        parcel_id = parcel.parcel_id

    def case(n: int, stage: CaseStage, opened_days_ago: float, **fields: Any) -> Case:
        return Case(
            case_number=f"2030-9{n:04d}",
            tracking_code=f"TEST{n:04d}",
            violation_code="PS-GRASS",
            parcel_id=parcel_id,
            stage=stage.value,
            priority=3,
            category="III",
            opened_at=as_of - timedelta(days=opened_days_ago),
            **fields,
        )

    with sessions() as session:
        officers = {o.badge: o.id for o in session.exec(select(Officer))}
    dana, luis = officers["CE-101"], officers["CE-102"]
    with transaction(sessions) as session:
        session.add_all(
            [
                case(1, CaseStage.INVESTIGATING, 1, assigned_officer_id=luis),  # opened this week
                case(2, CaseStage.INVESTIGATING, 6.9, overdue=True, assigned_officer_id=dana),  # this week, overdue
                # opened just before the week, its deadline falling next week
                case(3, CaseStage.AWAITING_COMPLIANCE, 7.1, assigned_officer_id=dana, next_deadline=as_of + DAYS_3),
                case(4, CaseStage.COST_RECOVERY, 30, balance=Decimal("250.00"), overdue=True),
                case(5, CaseStage.CLOSED, 3, closed_at=as_of - timedelta(days=1)),  # opened and closed this week
                case(6, CaseStage.CLOSED, 40, closed_at=as_of - timedelta(days=2), balance=Decimal("100.50")),
                case(7, CaseStage.CLOSED, 40, closed_at=as_of - timedelta(days=8), overdue=True),  # closed before
                case(8, CaseStage.INVESTIGATING, -1),  # opened after as_of: not in this week
            ]
        )
        session.flush()
        # Luis worked case 1 this week (a line on its timeline); case 3's only line is from before the week.
        session.add(
            CaseEvent(
                case_number="2030-90001",
                key="inspected",
                kind="inspection_recorded",
                stage="investigating",
                summary="Inspected",
                occurred_at=as_of - DAYS_3,
            )
        )
        session.add(
            CaseEvent(
                case_number="2030-90003",
                key="served",
                kind="notice_served",
                stage="awaiting_compliance",
                summary="Served",
                occurred_at=as_of - 8 * DAY,
            )
        )

    activities = AlertActivities(sessions)
    request = DigestRequest(kind="weekly_status", as_of=as_of, time_zone=CHICAGO)
    result = activities.compose_digest(request)
    assert result.written and result.key == "digest:weekly_status:2030-03-04"
    assert (result.opened, result.closed) == (3, 2)
    assert result.open_by_stage == {"investigating": 3, "awaiting_compliance": 1, "cost_recovery": 1}
    assert (result.open_cases, result.overdue) == (5, 2)
    assert result.outstanding_balance == Decimal("350.50")
    assert result.message.splitlines() == [
        "Weekly status summary for the 7 days to Mon 04 Mar 2030 07:30 CST (from Mon 25 Feb 2030 07:30 CST).",
        "",
        "Cases opened: 3",
        "Cases closed: 2",
        "Open cases: 5 (2 overdue)",
        "  Case opened – inspection: 3",
        "  Compliance period: 1",
        "  Cost recovery: 1",
        "Outstanding balance: $350.50",
        "",
        "By officer (cases worked this week · steps due next week · overdue):",
        "  Dana Whitfield (CE-101): 0 · 1 · 1",
        "  Luis Ortega (CE-102): 1 · 0 · 0",
        *(f"  {name}: 0 · 0 · 0" for name in IDLE_OFFICERS),
    ]
    assert [(o.officer, o.cases_worked) for o in result.officers][:2] == [
        ("Dana Whitfield (CE-101)", 0),
        ("Luis Ortega (CE-102)", 1),
    ]

    # A retried activity, or a second run the same city day, files nothing new.
    later = activities.compose_digest(request.model_copy(update={"as_of": as_of + timedelta(hours=2)}))
    assert not later.written and later.message == result.message
    with sessions() as session:
        [alert] = session.exec(select(Alert)).all()
    assert (alert.key, alert.audience, alert.case_number) == (result.key, "program_manager", None)
    assert alert.message == result.message


def test_an_empty_daily_digest_says_so(sessions: SessionFactory) -> None:
    as_of = datetime(2030, 3, 5, 13, 0, tzinfo=UTC)
    result = AlertActivities(sessions).compose_digest(
        DigestRequest(kind="daily_category_i", as_of=as_of, time_zone=CHICAGO)
    )
    assert result.cases == [] and result.open_cases == 0
    assert result.message.endswith("No open Category I cases.")
    assert result.key == "digest:daily_category_i:2030-03-05"
