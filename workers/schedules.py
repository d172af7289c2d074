"""The Temporal Schedules that start the digests and the alert rounds: created (or brought up to date) each time a
worker starts.

Schedules need the real server (the dev server or a cluster): the Java time-skipping test server has none,
so only `workers.main.run` calls this, never the time-skipping tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.alerts import AlertRoundStart
from domain.digests import DigestKind, DigestStart
from domain.policy import Policy
from workflows.alert_rounds import AlertRoundWorkflow
from workflows.digests import DigestWorkflow

MONDAY = 1  # Temporal numbers weekdays from Sunday = 0


@dataclass(frozen=True)
class DigestSchedule:
    suffix: str
    kind: DigestKind
    calendar: ScheduleCalendarSpec
    note: str

    def schedule_id(self, prefix: str) -> str:
        return f"{prefix}-{self.suffix}"


DIGEST_SCHEDULES = (
    DigestSchedule(
        suffix="daily-category-i-digest",
        kind="daily_category_i",
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(7)], minute=[ScheduleRange(0)], comment="every day 07:00"),
        note="Daily digest of open Category I (life-safety) cases for supervisors, filed in the alerts table.",
    ),
    DigestSchedule(
        suffix="weekly-status-summary",
        kind="weekly_status",
        calendar=ScheduleCalendarSpec(
            day_of_week=[ScheduleRange(MONDAY)],
            hour=[ScheduleRange(7)],
            minute=[ScheduleRange(30)],
            comment="Mondays 07:30",
        ),
        note="Weekly status summary for the program manager (opened, closed, open by stage, overdue, balance owed).",
    ),
)


def digest_schedule(digest: DigestSchedule, task_queue: str, timezone: str, prefix: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run,
            DigestStart(kind=digest.kind, time_zone=timezone),
            # The schedule appends the scheduled time to this id, so each run has its own.
            id=digest.schedule_id(prefix),
            task_queue=task_queue,
            static_summary=digest.note,
        ),
        spec=ScheduleSpec(calendars=[digest.calendar], time_zone_name=timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=digest.note),
    )


async def ensure_digest_schedules(
    client: Client, task_queue: str, timezone: str, *, prefix: str = "abate"
) -> list[str]:
    """Creates the digest schedules, or updates existing ones to this spec; returns their ids.

    An update keeps whether an operator paused a schedule (and their note): a restart must not undo that.
    """
    ZoneInfo(timezone)  # an unknown zone fails here, not at 07:00
    ids = []
    for digest in DIGEST_SCHEDULES:
        schedule = digest_schedule(digest, task_queue, timezone, prefix)
        schedule_id = digest.schedule_id(prefix)
        try:
            await client.create_schedule(schedule_id, schedule, memo={"kind": digest.kind, "description": digest.note})
        except ScheduleAlreadyRunningError:
            await client.get_schedule_handle(schedule_id).update(partial(_kept_paused, schedule))
        ids.append(schedule_id)
    return ids


def _kept_paused(schedule: Schedule, current: ScheduleUpdateInput) -> ScheduleUpdate:
    """The schedule brought up to date, still paused (with the operator's note) if an operator paused it."""
    state = current.description.schedule.state
    if state.paused:
        schedule = replace(schedule, state=ScheduleState(note=state.note, paused=True))
    return ScheduleUpdate(schedule=schedule)


ALERT_ROUND_EVERY = timedelta(minutes=5)
ALERT_ROUND_NOTE = (
    "Every 5 minutes: alarms stalled cases, sends urgent alerts and digests at once, and from 07:00 each person's "
    "daily digest of their other alerts."
)


def alert_round_schedule(task_queue: str, policy: Policy, prefix: str) -> Schedule:
    start = AlertRoundStart(
        time_zone=policy.calendar.timezone,
        stalled_after_days=policy.process.stalled_after_days,
        stalled_past_due_days=policy.process.stalled_past_due_days,
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AlertRoundWorkflow.run,
            start,
            id=f"{prefix}-alert-round",
            task_queue=task_queue,
            static_summary=ALERT_ROUND_NOTE,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=ALERT_ROUND_EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=ALERT_ROUND_NOTE),
    )


async def ensure_alert_round_schedule(client: Client, task_queue: str, policy: Policy, *, prefix: str = "abate") -> str:
    """Creates the alert round's schedule, or brings it up to this policy (keeping an operator's pause)."""
    schedule = alert_round_schedule(task_queue, policy, prefix)
    schedule_id = f"{prefix}-alert-round"
    try:
        await client.create_schedule(schedule_id, schedule, memo={"description": ALERT_ROUND_NOTE})
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(schedule_id).update(partial(_kept_paused, schedule))
    return schedule_id
