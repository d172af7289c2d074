"""What a case's workflow says now, for the console pages that show a case beside its records."""

from __future__ import annotations

import asyncio

from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from domain.case import CaseSnapshot
from services.context import AppContext
from services.temporal_client import case_handle

SNAPSHOT_TIMEOUT_SECONDS = 5.0


async def case_snapshot(context: AppContext, case_number: str) -> CaseSnapshot | None:
    """What the workflow says now; None when the engine cannot answer (the page then shows the records only)."""
    try:
        return await asyncio.wait_for(
            case_handle(context.temporal, case_number).query("snapshot", result_type=CaseSnapshot),
            timeout=SNAPSHOT_TIMEOUT_SECONDS,
        )
    except (RPCError, WorkflowQueryFailedError, TimeoutError, RuntimeError):
        return None
