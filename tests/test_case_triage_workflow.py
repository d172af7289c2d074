"""CaseWorkflow's triage and first timer on the time-skipping server, with the real activities and database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.case import CaseStart
from domain.policy import Policy
from domain.stages import CaseStage, Channel
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.intake import NewComplaint, case_start, parcel_by_address, store_complaint
from records.tables import Case, CaseEvent
from workers.main import build_worker
from workflows import search_attributes as sa
from workflows.case import CaseWorkflow
from workflows.client import start_case


def _file(sqlite_url: str, policy: Policy, code: str, address: str) -> tuple[SessionFactory, CaseStart]:
    sessions = session_factory(make_engine(sqlite_url))
    violation = policy.violation(code)
    assert violation is not None
    with transaction(sessions) as session:
        parcel = parcel_by_address(session, address)
        assert parcel is not None
        case = store_complaint(
            session,
            NewComplaint(
                violation=violation,
                parcel=parcel,
                location_text=address,
                lat=None,
                lon=None,
                description="Grass knee-high all summer",
                channel=Channel.PHONE,
                complainant=None,
                received_by_user_id=None,
            ),
            policy.calendar,
        )
        start = case_start(session, case, violation, policy.calendar)
    return sessions, start


async def test_triage_assigns_an_officer_and_a_missed_response_target_sets_overdue(
    temporal_time: WorkflowEnvironment, sqlite_url: str, policy: Policy
) -> None:
    sessions, start = _file(sqlite_url, policy, "PS-GRASS", "142 Maple Dr")
    client = temporal_time.client
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(client, "triage-test", sessions, executor):
            assert await start_case(client, "triage-test", start)
            handle = client.get_workflow_handle_for(CaseWorkflow.run, start.case_number)

            # Triage happens at once; then the case waits on its first inspection (20 business days, Category III).
            await temporal_time.sleep(timedelta(minutes=1))
            state = await handle.query(CaseWorkflow.snapshot)
            assert state.stage is CaseStage.INVESTIGATING
            assert state.officer is not None and state.parcel is not None
            assert state.parcel.address == "142 Maple Dr"
            assert state.response_due_at is not None
            assert (state.response_due_at - start.opened_at) >= timedelta(days=20)
            assert not state.overdue

            described = await handle.describe()
            attributes = described.typed_search_attributes
            assert attributes.get(sa.CASE_STAGE) == "investigating"
            assert attributes.get(sa.ASSIGNED_OFFICER) == state.officer.badge
            assert attributes.get(sa.VIOLATION_CODE) == "PS-GRASS"
            assert attributes.get(sa.OVERDUE) is False

            # Nobody inspects: five weeks later the case is overdue, visibly so, and still open.
            await temporal_time.sleep(timedelta(days=35))
            state = await handle.query(CaseWorkflow.snapshot)
            assert state.overdue
            described = await handle.describe()
            assert described.status == WorkflowExecutionStatus.RUNNING
            assert described.typed_search_attributes.get(sa.OVERDUE) is True

    with sessions() as session:
        case = session.get(Case, start.case_number)
        assert case is not None
        assert case.stage == CaseStage.INVESTIGATING
        assert state.officer is not None and case.assigned_officer_id == state.officer.id
        assert case.overdue
        kinds = session.exec(
            select(CaseEvent.kind).where(CaseEvent.case_number == start.case_number).order_by(col(CaseEvent.id))
        ).all()
    assert kinds == ["complaint_received", "triaged", "response_target_missed"]
