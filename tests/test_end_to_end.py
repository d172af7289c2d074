"""The system as the README runs it: the worker and the API as real processes against the real dev server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from config.settings import CONFIG_DIR
from domain.policy import Policy
from records.demo_city import DEMO_PASSWORD
from scripts.demo_cases import STORIES, seed
from tests.conftest import running_system
from tests.helpers import eventually


@pytest.fixture
def system(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> Iterator[str]:
    """Starts `python -m workers.main` and `uvicorn api.main:app`; yields the API's base URL."""
    with running_system(sqlite_url, temporal_dev) as base_url:
        yield base_url


async def test_a_complaint_becomes_a_case_operators_find_in_temporal(
    system: str, temporal_dev: WorkflowEnvironment
) -> None:
    async with httpx.AsyncClient(base_url=system, timeout=10) as http:
        token = (await http.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        filed = await http.post(
            "/api/v1/complaints",
            headers=headers,
            json={
                "violation_code": "PS-GRASS",
                "address": "142 Maple Dr",
                "description": "Grass over a foot tall",
                "channel": "walk_in",
            },
        )
        assert filed.status_code == 201, filed.text
        case_number = filed.json()["case_number"]

        async def case() -> dict[str, Any]:
            return (await http.get(f"/api/v1/cases/{case_number}", headers=headers)).json()

        detail = await eventually(case, until=lambda c: c["stage"] == "investigating")
        badge = detail["assigned_officer"]["badge"]

    client = temporal_dev.client
    described = await client.get_workflow_handle(case_number).describe()
    assert await described.static_summary() == f"{case_number} · Long grass and weeds · 142 Maple Dr"
    query = (
        f'WorkflowId = "{case_number}" AND CaseStage = "investigating" '
        f'AND AssignedOfficer = "{badge}" AND ViolationCode = "PS-GRASS"'
    )

    async def found() -> list[str]:
        return [w.id async for w in client.list_workflows(query)]

    assert await eventually(found, until=lambda ids: ids == [case_number]) == [case_number]
    # The Temporal UI shows the case's current details, kept up to date by the workflow.
    metadata = await client.get_workflow_handle(case_number).query(
        "__temporal_workflow_metadata", result_type=WorkflowMetadata
    )
    assert "**Stage:** Case opened – inspection" in metadata.current_details
    assert (
        f"({badge})" in metadata.current_details
        and "**Waiting on:** first inspection (officer) by" in metadata.current_details
    )


async def test_a_first_local_run_files_demo_cases_through_the_api(system: str, policy: Policy) -> None:
    """README command one seeds an empty database with cases at several stages (scripts/demo_cases.py)."""
    filed = await asyncio.to_thread(seed, system, policy, CONFIG_DIR / "demo_city" / "parcels.csv")
    assert len(filed) == len(STORIES)
    expected = {
        "received": "investigating",
        "unfounded": "closure_review",  # a supervisor reviews every closure
        "violation_found": "violation_found",
        "notice_issued": "notice_issued",
        "served_by_mail": "awaiting_compliance",
    }
    async with httpx.AsyncClient(base_url=system, timeout=10) as http:
        token = (await http.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for case_number, (*_, goes_to) in zip(filed, STORIES, strict=True):

            async def stage(case_number: str = case_number) -> str:
                return str((await http.get(f"/api/v1/cases/{case_number}", headers=headers)).json()["stage"])

            await eventually(stage, until=lambda s, goes_to=goes_to: s == expected[goes_to])  # type: ignore[misc]
        queued = (await http.get("/api/v1/print-queue", headers=headers)).json()
    mailed = [n for n, (*_, goes_to) in zip(filed, STORIES, strict=True) if goes_to == "served_by_mail"]
    assert sorted(q["case_number"] for q in queued) == sorted(mailed)  # letters waiting to be printed and mailed
