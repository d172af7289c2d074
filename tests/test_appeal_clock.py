"""An appeal stops the compliance clock and an upholding decision gives back the days that were left, not a new
period; a dismissal closes the case. On the time-skipping server, with the letters as the owner gets them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import docx
import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from domain.notices import deadline_text
from domain.policy import Policy
from domain.stages import CaseStage, Outcome
from records.db import make_engine, session_factory
from records.documents import CaseDocument
from records.tables import CaseEvent
from tests.case_driver import CaseDriver, case_driver
from tests.conftest import prepare_database

S = CaseStage
FINDINGS = {"findings": "A second dwelling unit built without a permit"}


@pytest.fixture(scope="module")
async def cases(
    temporal_time: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory, policy: Policy
) -> AsyncIterator[CaseDriver]:
    """Sacramento's 30-day appeal window, so an owner can still appeal with 10 of 30 days left."""
    sacramento = policy.model_copy(update={"process": policy.process.model_copy(update={"appeal_window_days": 30})})
    url = prepare_database(f"sqlite:///{tmp_path_factory.mktemp('clock') / 'abate.sqlite3'}")
    async with case_driver(temporal_time, session_factory(make_engine(url)), sacramento, f"clock-{uuid.uuid4()}") as d:
        yield d


async def _order_served(cases: CaseDriver) -> str:
    case = await cases.open("ZN-ADU")  # 30 days to comply; its first notice is an appealable order
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    return case


def _summaries(cases: CaseDriver, case: str, kind: str) -> list[str]:
    with cases.sessions() as session:
        return list(
            session.exec(select(CaseEvent.summary).where(CaseEvent.case_number == case, CaseEvent.kind == kind))
        )


def _last_letter(cases: CaseDriver, case: str, kind: str) -> str:
    with cases.sessions() as session:
        stored = session.exec(
            select(CaseDocument).where(CaseDocument.case_number == case, CaseDocument.kind == kind)
        ).all()
    document = docx.Document(str(cases.document_store / stored[-1].path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_an_appeal_with_10_of_30_days_left_resumes_with_10(cases: CaseDriver) -> None:
    case = await _order_served(cases)
    calendar = cases.policy.calendar
    served = await cases.snapshot(case)
    deadline = served.state.compliance_deadline
    assert deadline is not None
    await cases.skip_to(deadline - timedelta(days=10))
    await cases.signal(case, "appeal_filed", {"grounds": "The unit predates the bylaw"})
    snapshot = await cases.until(case, lambda s: s.state.stage is S.HEARING)
    assert snapshot.state.hearing is not None and snapshot.state.hearing.paused_clock is not None
    assert snapshot.state.hearing.paused_clock.days_left == 10
    assert _summaries(cases, case, "appeal_filed")[0].startswith(
        "Appeal filed by owner of record; the compliance clock is paused with 10 days left"
    )

    # Heard six weeks later: far longer than what was left, which does not run while the appeal is heard.
    hearing_at = await cases.now() + timedelta(days=42)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=2))
    assert (await cases.snapshot(case)).state.stage is S.HEARING
    decided = await cases.act(case, "record_decision", {"decision": "upheld", "reason": "No permit was ever issued"})
    decided_on = calendar.local_date(await cases.now())
    new_deadline = decided.state.compliance_deadline
    assert decided.state.stage is S.AWAITING_COMPLIANCE and new_deadline is not None
    assert calendar.local_date(new_deadline) == calendar.roll_forward(decided_on + timedelta(days=10))
    assert "(the 10 days left when the appeal was filed)" in _summaries(cases, case, "decision_recorded")[0]
    # The decision letter tells the owner the new date.
    assert deadline_text(new_deadline, calendar.timezone) in _last_letter(cases, case, "hearing_decision")
    await cases.keep_history(case, "appeal_resumes_with_days_left")


async def test_a_decision_setting_its_own_period_overrides_the_days_left(cases: CaseDriver) -> None:
    case = await _order_served(cases)
    await cases.signal(case, "appeal_filed", {"grounds": "I need time for a permit"})
    await cases.until(case, lambda s: s.state.stage is S.HEARING)
    hearing_at = await cases.now() + timedelta(days=20)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=2))
    decided = await cases.act(
        case, "record_decision", {"decision": "modified", "reason": "Time for a permit", "compliance_days": 60}
    )
    calendar = cases.policy.calendar
    assert decided.state.compliance_deadline is not None
    assert calendar.local_date(decided.state.compliance_deadline) == calendar.roll_forward(
        calendar.local_date(await cases.now()) + timedelta(days=60)
    )


async def test_a_dismissal_closes_the_case(cases: CaseDriver) -> None:
    case = await _order_served(cases)
    await cases.signal(case, "appeal_filed", {"grounds": "Wrong parcel"})
    await cases.until(case, lambda s: s.state.stage is S.HEARING)
    hearing_at = await cases.now() + timedelta(days=10)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    closed = await cases.act(
        case, "record_decision", {"decision": "dismissed", "reason": "The order named the wrong parcel"}
    )
    assert closed.state.stage is S.CLOSED and closed.state.outcome is Outcome.DISMISSED
    with cases.sessions() as session:
        kinds = list(
            session.exec(select(CaseEvent.kind).where(CaseEvent.case_number == case).order_by(col(CaseEvent.id)))
        )
    assert kinds[-1] == "closed"
    await cases.keep_history(case, "appeal_dismissed_paused_clock")
