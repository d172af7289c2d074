"""Settings shared by the case workflow and its children: how activities retry, and the timeline writer."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordsActivities
    from domain.case import CaseEventRecord, LedgerEntry, TimelineEntry
    from domain.stages import CaseStage

# Record writes and look-ups retry until the database is back: a case must not fail for an outage.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


async def record_child_event(
    case_number: str,
    key: str,
    kind: str,
    stage: CaseStage,
    summary: str,
    entries: list[LedgerEntry] | None = None,
) -> None:
    """A timeline line from a child workflow (hearing, remediation): the parent owns the projection."""
    await workflow.execute_activity_method(
        RecordsActivities.record_event,
        CaseEventRecord(
            case_number=case_number,
            event=TimelineEntry(key=key, kind=kind, stage=stage, summary=summary),
            entries=list(entries or []),
        ),
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=ACTIVITY_RETRY,
        summary=kind,
    )
