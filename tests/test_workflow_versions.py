"""The register of workflow versions is complete and each entry is pinned by recorded histories; every staff
action declared in `domain.staff_actions` is one update of the case workflow, with the shared validator."""

from __future__ import annotations

import ast
import base64
import json
from datetime import date
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
    """The ids passed to workflow.patched / deprecate_patch or `workflows.versions.patched`, as string literals or
    names from workflows.versions; the helper's own forwarding of its parameter is not an id."""
    tree = ast.parse(source)
    forwarded = {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "patched"
        for arg in node.args.args
    }
    used = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if called not in ("patched", "deprecate_patch"):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant):
            used.add(str(arg.value))
        elif isinstance(arg, ast.Name) and arg.id in forwarded:
            continue
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
    assert patch_ids_used("patched(CASE_LETTERS)") == {versions.CASE_LETTERS}
    assert patch_ids_used("patched(COURT_TRACKS)") == {"<COURT_TRACKS is not a name in workflows.versions>"}
    assert patch_ids_used("def patched(patch_id):\n    return workflow.patched(patch_id)") == set()
    assert patch_ids_used("change = 'x'\nworkflow.patched(change)") == {"<change is not a name in workflows.versions>"}


def test_a_case_started_now_carries_one_patch_marker_for_all_the_changes_it_meets() -> None:
    """Each marker is also an upsert of `TemporalChangeVersion`, a write of the case's visibility row: a case that
    went to court met ten changes, and wrote ten markers, before they were gathered."""
    for history in ("prosecuted_convicted_court_fine_one_marker", "deadline_reminders_one_marker"):
        assert patches_in(history) == {versions.CASE_CHANGES_TO_2026_12_06}
    gathered = versions.IN_CASE_CHANGES_TO_2026_12_06
    assert patches_in("prosecuted_convicted_court_fine") <= gathered
    assert len(patches_in("prosecuted_convicted_court_fine")) == 10
    # Every change registered before the gathering is in it; the alert round's own change is another workflow's.
    before = {p.id for p in versions.REGISTER if p.introduced <= date(2026, 12, 6)}
    assert before - gathered == {versions.REPLIES_DUE, versions.CASE_CHANGES_TO_2026_12_06}


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
