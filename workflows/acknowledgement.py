"""ReportAcknowledgementWorkflow: the acknowledgement of a report that joined a case already open.

The case's workflow acknowledges the reports it has when it is triaged; a report that joins later would hear
nothing until the inspection. This short workflow, started by intake with the report's own id (so once per
report), sends that one person the same "received" news, under the same business key as the triage's, so a
report that joins before the triage still hears it once. Later news reaches them with every other complainant.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messaging import MessagingActivities
    from domain.messages import ComplainantUpdate, MessageReceipt
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT


@workflow.defn(name="ReportAcknowledgementWorkflow")
class ReportAcknowledgementWorkflow:
    @workflow.run
    async def run(self, update: ComplainantUpdate) -> list[MessageReceipt]:
        return await workflow.execute_activity_method(
            MessagingActivities.send_complainant_updates,
            update,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"acknowledge report {update.complaint_id}",
        )
