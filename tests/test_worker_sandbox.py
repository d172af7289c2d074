"""The worker's sandbox shares Abate's loaded workflow and domain modules between runs instead of importing the
case workflow afresh for every new case (compiling it, and re-running `@workflow.defn` over every update)."""

from __future__ import annotations

import importlib.machinery
from types import ModuleType

import pytest
from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from workers.main import WORKFLOWS
from workflows.sandbox import workflow_runner


def modules_executed_per_run(runner: SandboxedWorkflowRunner, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    executed: set[str] = set()
    exec_module = importlib.machinery.SourceFileLoader.exec_module

    def recording(loader: importlib.machinery.SourceFileLoader, module: ModuleType) -> None:
        executed.add(module.__name__)
        exec_module(loader, module)

    for cls in WORKFLOWS:
        definition = workflow._Definition.must_from_class(cls)
        runner.prepare_workflow(definition)  # the first run may import what the host has not yet
        with monkeypatch.context() as patch:
            patch.setattr(importlib.machinery.SourceFileLoader, "exec_module", recording)
            runner.prepare_workflow(definition)
    return executed


async def test_a_new_case_imports_none_of_abates_modules_again(monkeypatch: pytest.MonkeyPatch) -> None:
    assert modules_executed_per_run(workflow_runner(), monkeypatch) == set()


async def test_the_sdks_default_sandbox_would_import_the_case_workflow_for_every_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "workflows.case.workflow" in modules_executed_per_run(SandboxedWorkflowRunner(), monkeypatch)
