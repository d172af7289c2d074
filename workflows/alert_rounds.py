"""AlertRoundWorkflow: every few minutes (a Temporal Schedule in workers/schedules.py), alerts reach people.

The workflow stamps the time and runs its activities in turn: file the stalled cases' alarms and the replies
overdue to residents, send the urgent alerts and digests at once, and, from the digest hour, each person's daily digest of the rest. Each is
idempotent by business key, so a round that overlaps or repeats another sends nothing twice.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.staff_alerts import StaffAlertActivities
    from domain.alerts import AlertRound, AlertRoundResult, AlertRoundStart
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.versions import REPLIES_DUE


@workflow.defn(name="AlertRoundWorkflow")
class AlertRoundWorkflow:
    @workflow.run
    async def run(self, start: AlertRoundStart) -> AlertRoundResult:
        round_ = AlertRound(as_of=workflow.now(), **start.model_dump())
        stalled = await workflow.execute_activity_method(
            StaffAlertActivities.file_stalled_cases,
            round_,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        overdue: list[str] = []
        if workflow.patched(REPLIES_DUE):
            overdue = await workflow.execute_activity_method(
                StaffAlertActivities.file_overdue_replies,
                round_,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        sent = await workflow.execute_activity_method(
            StaffAlertActivities.send_urgent_alerts,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        daily = await workflow.execute_activity_method(
            StaffAlertActivities.send_daily_alert_digests,
            round_,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        return AlertRoundResult(stalled=stalled, replies_overdue=overdue, sent=sent, daily_digests=daily)
