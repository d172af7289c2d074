"""Property: whatever staff, owners and time do, in any order, a case never wedges.

After every step it is closed, or it waits on a named human step with a due date, or it sleeps on a
timer; and every action either applies or is refused with a reason (never a hung or failed workflow).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temporalio.client import WorkflowUpdateFailedError

from domain.stages import CaseStage
from tests.case_driver import CaseDriver

STEP_TIMEOUT = 20.0  # seconds of wall time: a workflow task failing in a loop would hang an update forever

ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("record_inspection", {"violation_found": True, "findings": "seen"}),
    ("record_inspection", {"violation_found": False, "findings": "nothing"}),
    ("issue_notice", {}),
    ("record_service", {"method": "personal"}),
    ("record_service", {"method": "mail"}),
    ("grant_extension", {"days": 10, "reason": "asked"}),
    ("deny_extension", {"reason": "no"}),
    ("record_reinspection", {"complied": True, "findings": "fixed"}),
    ("record_reinspection", {"complied": False, "findings": "not fixed"}),
    ("issue_fine", {}),
    ("schedule_hearing", {"in_days": 7}),
    ("record_decision", {"decision": "upheld", "reason": "stands"}),
    ("record_decision", {"decision": "dismissed", "reason": "wrong"}),
    ("record_decision", {"decision": "modified", "reason": "more time", "compliance_days": 45}),
    ("order_remediation", {"contractor": "Riverton Works", "scope": "fix it"}),
    ("record_remediation_cost", {"description": "labour", "amount": "250"}),
    ("record_remediation_cost", {"description": "final", "amount": "400", "final": True}),
    ("file_lien", {}),
    ("refer_prosecution", {"reason": "persistent"}),
    ("record_payment", {"amount": "100", "method": "card", "reference": "P"}),
    ("add_note", {"text": "called the owner"}),
    ("close", {"outcome": "withdrawn", "reason": "complainant withdrew"}),
]
SIGNALS: list[tuple[str, dict[str, Any]]] = [
    ("owner_reported_compliance", {"note": "done"}),
    ("extension_requested", {"days": 14, "reason": "contractor booked"}),
    ("appeal_filed", {"grounds": "not mine"}),
    ("payment_received", {"amount": "50", "method": "online", "reference": "W"}),
    ("duplicate_complaint", {"complaint_id": 1, "channel": "portal"}),
]
step = st.one_of(
    st.tuples(st.just("act"), st.sampled_from(ACTIONS)),
    st.tuples(st.just("signal"), st.sampled_from(SIGNALS)),
    st.tuples(st.just("wait"), st.sampled_from([timedelta(hours=6), timedelta(days=3), timedelta(days=20)])),
)


async def _apply(cases: CaseDriver, case: str, kind: str, what: Any) -> None:
    if kind == "wait":
        await cases.skip(what)
    elif kind == "signal":
        await cases.signal(case, what[0], what[1])
    else:
        name, body = what
        if "in_days" in body:
            body = {"hearing_at": (await cases.now() + timedelta(days=body["in_days"])).isoformat()}
        try:
            await cases.act(case, name, body)
        except WorkflowUpdateFailedError as refused:
            assert str(refused.cause), "a refusal must say why"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(step, min_size=3, max_size=12),
    code=st.sampled_from(["PS-GRASS", "PS-EXTERIOR", "PL-ENCLOSURE", "NS-CONSTRUCTION"]),
)
async def test_a_case_never_wedges(cases: CaseDriver, steps: list[tuple[str, Any]], code: str) -> None:
    case = await cases.open(code)
    for kind, what in steps:
        await asyncio.wait_for(_apply(cases, case, kind, what), STEP_TIMEOUT)
        snapshot = await asyncio.wait_for(cases.snapshot(case), STEP_TIMEOUT)
        state = snapshot.state
        if state.stage is CaseStage.CLOSED:
            assert state.outcome is not None and snapshot.waiting_on is None
            break
        assert snapshot.waiting_on is not None or snapshot.sleeping_until is not None, (state.stage, kind, what)
        if snapshot.waiting_on is not None:
            assert snapshot.waiting_on.due_at is not None and snapshot.waiting_on.role
