"""Wall time of one full escalation lifecycle on the time-skipping server: more than a year of case time.

Complaint → inspection → courtesy notice → order → three fines → hearing → lien → prosecution → closed,
with the real workflow, activities and database; only the clock is Temporal's test clock.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
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
RUNS = 5


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


@dataclass(frozen=True)
class LifecycleTimes:
    walls: list[float]  # seconds, one per lifecycle measured
    span: timedelta  # the case time one lifecycle covers

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def line(self) -> str:
        return (
            f"escalation lifecycle  {self.median:.2f} s wall (median of {len(self.walls)}: "
            f"{min(self.walls):.2f}–{max(self.walls):.2f} s) for {self.span.days} days of case time "
            "(time-skipped), target < 2 s"
        )


async def lifecycle_seconds(runs: int = RUNS) -> LifecycleTimes:
    """The lifecycle's wall time, `runs` times over, measured after the servers and worker are warm: one run on a
    shared two-core machine varies by a fifth, so the median is what is reported."""
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
                walls, span = [], timedelta(0)
                for _ in range(runs):
                    started_wall, started_case = time.perf_counter(), await cases.now()
                    await _lifecycle(cases)
                    walls.append(time.perf_counter() - started_wall)
                    span = await cases.now() - started_case
                return LifecycleTimes(walls, span)
    finally:
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"lifecycles measured after the warm-up ({RUNS})")
    print(asyncio.run(lifecycle_seconds(parser.parse_args().runs)).line())


if __name__ == "__main__":
    main()
