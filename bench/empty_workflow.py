"""The baseline's workflow, which does nothing, in a module of its own: the baseline worker passes it through the
sandbox as the real worker passes Abate's workflows, so the baseline pays for Temporal and the SDK, nothing else."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None
