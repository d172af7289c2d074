"""DigestWorkflow: one run per scheduled digest (the Temporal Schedules in workers/schedules.py start it).

The workflow only stamps the time and calls the activity; the activity reads the case projection and
files the digest, once per kind and city day.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.alerts import AlertActivities
    from domain.digests import DigestRequest, DigestResult, DigestStart
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT


@workflow.defn(name="DigestWorkflow")
class DigestWorkflow:
    @workflow.run
    async def run(self, start: DigestStart) -> DigestResult:
        request = DigestRequest(kind=start.kind, as_of=workflow.now(), time_zone=start.time_zone)
        return await workflow.execute_activity_method(
            AlertActivities.compose_digest,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=start.kind,
        )
