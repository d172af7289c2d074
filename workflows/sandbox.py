"""How workers run workflow code: in Temporal's sandbox, with Abate's own deterministic modules passed through.

The sandbox imports a workflow's module afresh for every workflow run, to isolate module state. For the case
workflow that meant compiling its module again (no bytecode cache where PYTHONDONTWRITEBYTECODE is set) and
re-running `@workflow.defn` over its twenty-odd updates: about 9 ms of a worker's CPU for every new case,
against 0.35 ms with the loaded modules shared. `domain/` and `workflows/` hold classes and constants only,
never state that changes, so one loaded copy serves every run. The sandbox still guards each run's builtins
(`open` and the like), and the replay tests catch a non-deterministic change where the sandbox no longer looks.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = ("domain", "workflows")


def workflow_runner(*also: str) -> SandboxedWorkflowRunner:
    """The runner of every Abate worker and replayer; `also` names further modules of the same kind (a benchmark's)."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH, *also)
    )
