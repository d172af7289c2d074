"""The import as the command line and the console run it: plan (the dry run), write what passes in batches,
then start the open cases' workflows, throttled and resumable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from temporalio.client import Client

from domain.city import City
from domain.policy import Policy
from records.db import SessionFactory, transaction
from records.legacy_cases import (
    known_legacy_cases,
    officers_by_badge,
    pending_open_imports,
    rewrite_case,
    roll,
    write_new_cases,
)
from services.launcher import launch_case
from services.legacy_import.history import ImportContext, correction_line, imported_case
from services.legacy_import.mapping import checked_mapping
from services.legacy_import.parcels import ParcelMatcher, RollParcel
from services.legacy_import.plan import ImportPlan, make_plan
from services.legacy_import.readers import read_export
from services.temporal_client import CaseNumberTaken

Progress = Callable[[int], None]  # told how many more rows (or starts) are done


def plan_import(
    sessions: SessionFactory, policy: Policy, city: City, name: str, content: bytes, mapping_text: str, today: date
) -> ImportPlan:
    """What importing the export would do; reads the database and writes nothing. Raises MappingError for a
    mapping that cannot be used and UnreadableExport for a file that cannot be read."""
    with sessions() as session:
        mapping = checked_mapping(mapping_text, policy, officers_by_badge(session).keys())
        parcels = [RollParcel(p.parcel_id, p.address, p.lat, p.lon) for p in roll(session)]
        known = known_legacy_cases(session)
    rows = read_export(name, content)
    matcher = ParcelMatcher(parcels, city.bounds, mapping.coordinates.system)
    return make_plan(rows, mapping, matcher, known, today)


@dataclass(frozen=True)
class Written:
    created: int
    updated: int


def write_plan(
    sessions: SessionFactory,
    policy: Policy,
    plan: ImportPlan,
    source: str,
    *,
    batch: int = 500,
    progress: Progress | None = None,
) -> Written:
    """Writes the cases that pass, a batch per transaction: a crash loses at most the batch under way, and the
    next run finds the rest unchanged."""
    with sessions() as session:
        context = ImportContext(
            policy=policy,
            officers=officers_by_badge(session),
            parcels={p.parcel_id: p for p in roll(session)},
            source=source,
            now=datetime.now(UTC),
        )
    todo = plan.to_write()
    created = updated = 0
    for first in range(0, len(todo), batch):
        chunk = todo[first : first + batch]
        with transaction(sessions) as session:
            new = [c for c in chunk if c.known is None]
            if new:
                write_new_cases(session, [imported_case(c, context) for c in new])
            for planned in chunk:
                if planned.known is not None:
                    rewrite_case(
                        session,
                        planned.known.case_number,
                        imported_case(planned, context),
                        correction_line(planned, context),
                    )
        created += len(new)
        updated += len(chunk) - len(new)
        if progress:
            progress(sum(len(c.legacy.rows) for c in chunk))
    return Written(created, updated)


def pending_starts(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return pending_open_imports(session, limit=1_000_000)


async def start_open_cases(
    client: Client,
    task_queue: str,
    sessions: SessionFactory,
    policy: Policy,
    *,
    per_second: float = 20.0,
    at_once: int = 4,
    progress: Progress | None = None,
) -> int:
    """Starts the workflow of every imported open case not yet started, at most `per_second`. The workflow id
    is the case number and a started case is marked, so a run after a crash starts none twice."""
    pending = await asyncio.to_thread(pending_starts, sessions)
    gate = asyncio.Semaphore(at_once)
    loop = asyncio.get_running_loop()
    begun = loop.time()
    started = 0

    async def start(i: int, case_number: str) -> None:
        nonlocal started
        async with gate:
            await asyncio.sleep(max(0.0, begun + i / per_second - loop.time()))
            try:
                accepted = await launch_case(client, task_queue, sessions, policy, case_number)
            except CaseNumberTaken:  # another case's number in Temporal: stored, the admins alerted; the rest go on
                accepted = False
            started += accepted  # after the await: another start may have counted meanwhile
            if progress:
                progress(1)

    await asyncio.gather(*(start(i, n) for i, n in enumerate(pending)))
    return started
