"""The register of workflow versions is complete and each entry is pinned by recorded histories; every staff
action declared in `domain.staff_actions` is one update of the case workflow, with the shared validator."""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path

import pytest
from temporalio import workflow

from domain.staff_actions import STAFF_ACTIONS
from workflows import versions
from workflows.case import CaseWorkflow

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = ROOT / "tests" / "histories"
REGISTERED = {patch.id: patch for patch in versions.REGISTER}


def patch_ids_used(source: str) -> set[str]:
    """The ids passed to workflow.patched / deprecate_patch, as string literals or names from workflows.versions."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in ("patched", "deprecate_patch") or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant):
            used.add(str(arg.value))
        elif isinstance(arg, ast.Name):
            used.add(getattr(versions, arg.id, f"<{arg.id} is not a name in workflows.versions>"))
        else:
            used.add(ast.unparse(arg))
    return used


def patches_in(history: str) -> set[str]:
    events = json.loads((HISTORIES / f"{history}.json").read_text())["events"]
    found = set()
    for event in events:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker.get("markerName") == "core_patch":
            data = marker["details"]["patch-data"]["payloads"][0]["data"]
            found.add(json.loads(base64.b64decode(data))["id"])
    return found


def test_every_patch_id_in_the_code_is_registered() -> None:
    used = set()
    for module in sorted((ROOT / "workflows").rglob("*.py")):
        used |= patch_ids_used(module.read_text())
    assert used, "the workflows use workflow.patched"
    assert used <= set(REGISTERED), f"not in workflows/versions.py: {sorted(used - set(REGISTERED))}"
    assert set(REGISTERED) <= used, f"registered but no longer used: {sorted(set(REGISTERED) - used)}"


def test_an_unregistered_id_is_caught() -> None:
    assert patch_ids_used('workflow.patched("a-new-change")') == {"a-new-change"}
    assert patch_ids_used("workflow.patched(CASE_LETTERS)") == {versions.CASE_LETTERS}


@pytest.mark.parametrize("patch", versions.REGISTER, ids=[p.id for p in versions.REGISTER])
def test_each_patch_has_recorded_histories_of_both_branches(patch: versions.Patch) -> None:
    assert patch.old_branch and patch.new_branch
    for history in patch.old_branch:
        assert patch.id not in patches_in(history), f"{history} took the new branch of {patch.id}"
    for history in patch.new_branch:
        assert patch.id in patches_in(history), f"{history} has no marker of {patch.id}"
    assert patch.guards and str(patch.introduced.year) in patch.retire_when


def test_every_declared_staff_action_is_one_update_with_its_validator() -> None:
    definition = workflow._Definition.must_from_class(CaseWorkflow)
    assert set(definition.updates) == set(STAFF_ACTIONS)
    for name, update in definition.updates.items():
        assert update.validator is not None, f"{name} has no validator"
