"""How workers run workflow code: in Temporal's sandbox, with Abate's own deterministic modules passed through.

The sandbox imports a workflow's module afresh for every workflow run, to isolate module state. For the case
workflow that meant compiling its module again (no bytecode cache where PYTHONDONTWRITEBYTECODE is set) and
re-running `@workflow.defn` over its twenty-odd updates: about 9 ms of a worker's CPU for every new case,
against 0.35 ms with the loaded modules shared. `domain/` and `workflows/` hold classes and constants only,
never state that changes, so one loaded copy serves every run. The sandbox still guards each run's builtins
(`open` and the like), and the replay tests catch a non-deterministic change where the sandbox no longer looks.

The SDK (1.35) also enters the sandbox for every payload a workflow task sends or receives, only to ask the
workflow instance which serialization context the payload's command has: it compiles a line of source, swaps the
importer in, and out again, about 30 times for each new case. Those two questions are the SDK's own lookups
(the workflow's pending activities and children, its id), run no workflow code and import nothing, so this
runner asks them directly: about a third of a worker's CPU per case.
"""

from __future__ import annotations

from typing import Any

from temporalio.converter import SerializationContext
from temporalio.converter._extstore import StorageDriverStoreContext
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker._workflow_instance import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

PASSED_THROUGH = ("domain", "workflows")


class _SandboxedWorkflow(_Instance):
    """A workflow run in the sandbox, whose payloads' serialization contexts are looked up without entering it."""

    def _in_sandbox(self) -> Any:
        return self.globals_and_locals["__temporal_in_sandbox"]

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        context: SerializationContext | None = self._in_sandbox().get_serialization_context(command_info)
        return context

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        context: StorageDriverStoreContext = self._in_sandbox().get_external_store_context(command_info)
        return context


class _Runner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _SandboxedWorkflow(det, self.runner_class, self.restrictions)


def workflow_runner(*also: str) -> SandboxedWorkflowRunner:
    """The runner of every Abate worker and replayer; `also` names further modules of the same kind (a benchmark's)."""
    return _Runner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH, *also))
