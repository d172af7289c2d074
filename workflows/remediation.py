"""RemediationWorkflow: the city's contractor corrects the violation, and every cost is recorded for recovery."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.remediation import CostLine, RemediationResult, RemediationStart, RemediationState
    from domain.stages import CaseStage
    from workflows.common import record_child_event


@workflow.defn(name="RemediationWorkflow")
class RemediationWorkflow:
    @workflow.init
    def __init__(self, start: RemediationStart) -> None:
        self.start = start
        self.state = RemediationState()

    @workflow.run
    async def run(self, start: RemediationStart) -> RemediationResult:
        await self._event(
            "work_order_issued",
            f"Work order to {start.contractor} for {start.address}: {start.scope}; due {start.due_at:%Y-%m-%d}",
        )
        try:
            await workflow.wait_condition(
                lambda: self.state.completed,
                timeout=max(start.due_at - workflow.now(), timedelta(0)),
                timeout_summary="contractor's due date",
            )
        except TimeoutError:
            await self._event(
                "work_order_overdue", f"{start.contractor} has not finished the work due {start.due_at:%Y-%m-%d}"
            )
            await workflow.wait_condition(lambda: self.state.completed)
        total = sum((line.amount for line in self.state.lines), Decimal(0))
        await self._event("work_completed", f"Work completed by {start.contractor}; total cost ${total}")
        return RemediationResult(total=total, lines=self.state.lines, completed_at=workflow.now())

    @workflow.signal(name="add_cost")
    def add_cost(self, line: CostLine) -> None:
        self.state.lines.append(line)

    @workflow.signal(name="complete")
    def complete(self) -> None:
        self.state.completed = True

    @workflow.query(name="remediation")
    def remediation(self) -> RemediationState:
        return self.state

    async def _event(self, kind: str, summary: str) -> None:
        self.state.events += 1
        await record_child_event(
            self.start.case_number,
            f"{self.start.workflow_id}-{self.state.events:03d}",
            kind,
            CaseStage.REMEDIATION,
            summary,
        )
