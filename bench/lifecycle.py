"""Wall time of one full escalation lifecycle on the time-skipping server: more than a year of case time.

Complaint → inspection → courtesy notice → order → three fines → hearing → lien → prosecution → closed,
with the real workflow, activities and database; only the clock is Temporal's test clock.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from config.settings import CONFIG_DIR
from domain.policy import load_policy
from domain.stages import CaseStage
from records.db import make_engine, session_factory
from tests.case_driver import CaseDriver, case_driver
from tests.conftest import prepare_database
from workers.devserver import TEST_SERVER
from workflows import search_attributes as sa

FINDINGS = {"findings": "not complied"}


async def _not_complied(cases: CaseDriver, case: str) -> None:
    deadline = (await cases.snapshot(case)).state.compliance_deadline
    assert deadline is not None
    await cases.skip_to(deadline + timedelta(minutes=1))
    await cases.until(case, lambda s: s.state.stage is CaseStage.REINSPECTION_DUE)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})


async def _serve(cases: CaseDriver, case: str) -> None:
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})


async def _lifecycle(cases: CaseDriver) -> str:
    case = await cases.open("PS-EXTERIOR")
    await cases.act(case, "record_inspection", {"violation_found": True, "findings": "peeling paint, broken stairs"})
    await _serve(cases, case)
    await _not_complied(cases, case)
    await _serve(cases, case)
    for _ in range(3):
        await _not_complied(cases, case)
        await cases.act(case, "issue_fine")
    await _not_complied(cases, case)
    hearing_at = await cases.now() + timedelta(days=14)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    await cases.act(case, "record_decision", {"decision": "upheld", "reason": "order stands"})
    await _not_complied(cases, case)
    await cases.act(case, "file_lien")
    await cases.act(case, "refer_prosecution", {"reason": "persistent"})
    await cases.act(case, "close", {"outcome": "prosecuted", "reason": "convicted"})
    return case


async def lifecycle_seconds() -> tuple[float, timedelta]:
    """(wall seconds, case time) of the lifecycle, measured after the servers and worker are warm."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(TEST_SERVER),
        test_server_startup_timeout=timedelta(seconds=60),
    )
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=env.client.namespace, search_attributes=sa.indexed_types())
        )
        with tempfile.TemporaryDirectory() as tmp:
            url = prepare_database(f"sqlite:///{Path(tmp) / 'abate.sqlite3'}")
            policy = load_policy(CONFIG_DIR / "policy.toml")
            async with case_driver(env, session_factory(make_engine(url)), policy, f"bench-{uuid.uuid4()}") as cases:
                cases.track_moves = False
                await _lifecycle(cases)  # warm-up: sandbox imports, pools
                started_wall, started_case = time.perf_counter(), await cases.now()
                await _lifecycle(cases)
                return time.perf_counter() - started_wall, await cases.now() - started_case
    finally:
        await env.shutdown()


def main() -> None:
    wall, span = asyncio.run(lifecycle_seconds())
    print(f"escalation lifecycle  {wall:.2f} s wall for {span.days} days of case time (time-skipped), target < 2 s")


if __name__ == "__main__":
    main()
