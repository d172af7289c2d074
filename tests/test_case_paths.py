"""Every path of DESIGN §2 on the time-skipping server: months of a case in seconds, with real activities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from domain.access import Role
from domain.policy import Policy
from domain.stages import CaseStage, Outcome
from records.db import make_engine, session_factory
from records.tables import Alert, Case, CaseEvent, CaseNotice, Hearing, LedgerLine, Lien
from tests.case_driver import CaseDriver, case_driver

S = CaseStage
DAY = timedelta(days=1)
FINDINGS = {"findings": "Observed from the sidewalk; photos taken"}


@pytest.fixture
async def cases(temporal_time: WorkflowEnvironment, sqlite_url: str, policy: Policy) -> AsyncIterator[CaseDriver]:
    async with case_driver(
        temporal_time, session_factory(make_engine(sqlite_url)), policy, f"paths-{uuid.uuid4()}"
    ) as driver:
        yield driver


def kinds(driver: CaseDriver, case_number: str) -> list[str]:
    with driver.sessions() as session:
        return list(
            session.exec(select(CaseEvent.kind).where(CaseEvent.case_number == case_number).order_by(col(CaseEvent.id)))
        )


async def serve(cases: CaseDriver, case_number: str, method: str = "personal") -> None:
    await cases.act(case_number, "issue_notice")
    snapshot = await cases.act(case_number, "record_service", {"method": method})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE


async def pass_deadline_not_complied(cases: CaseDriver, case_number: str) -> None:
    deadline = (await cases.snapshot(case_number)).state.compliance_deadline
    assert deadline is not None
    await cases.until(case_number, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=60)
    await cases.act(case_number, "record_reinspection", {"complied": False, **FINDINGS})


async def close_as(cases: CaseDriver, case_number: str, outcome: Outcome) -> None:
    snapshot = await cases.act(case_number, "close", {"outcome": outcome.value, "reason": "reviewed"})
    assert snapshot.state.stage is S.CLOSED and snapshot.state.outcome is outcome
    final = await cases.handle(case_number).result()  # the workflow has completed
    assert final["outcome"] == outcome.value
    with cases.sessions() as session:
        record = session.get(Case, case_number)
        assert record is not None and record.stage == S.CLOSED and record.outcome == outcome.value


async def test_unfounded(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS")
    snapshot = await cases.act(case, "record_inspection", {"violation_found": False, "findings": "Lawn is mowed"})
    assert snapshot.state.stage is S.CLOSURE_REVIEW and snapshot.state.proposed_outcome is Outcome.UNFOUNDED
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "close"
    # Only a supervisor closes: city audits found cases closed without review.
    assert "needs a supervisor" in await cases.refused(
        case, "close", {"outcome": "unfounded", "reason": "x"}, role=Role.OFFICER
    )
    await close_as(cases, case, Outcome.UNFOUNDED)
    assert kinds(cases, case) == ["complaint_received", "triaged", "inspection_no_violation", "closed"]
    await cases.keep_history(case, "unfounded")


async def test_voluntary_compliance_with_reminders(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS")
    await cases.act(
        case,
        "record_inspection",
        {"violation_found": True, "checklist": {"Grass or weeds taller than 8 inches": True}, **FINDINGS},
    )
    await serve(cases, case)
    snapshot = await cases.snapshot(case)
    assert snapshot.state.notices[0].notice_type == "courtesy_notice"
    assert snapshot.sleeping_until is not None and snapshot.waiting_on is None  # asleep on a timer, not forgotten
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=20)
    assert kinds(cases, case).count("reminder_sent") == 2  # 7 days and 1 day before
    snapshot = await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    assert snapshot.state.proposed_outcome is Outcome.VOLUNTARY_COMPLIANCE
    await close_as(cases, case, Outcome.VOLUNTARY_COMPLIANCE)
    await cases.keep_history(case, "voluntary_compliance")


async def test_compliance_after_an_extension(cases: CaseDriver) -> None:
    case = await cases.open("PS-REFUSE")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    first_deadline = (await cases.snapshot(case)).state.compliance_deadline
    assert first_deadline is not None
    await cases.signal(case, "extension_requested", {"days": 14, "reason": "Dumpster arrives next week"})
    snapshot = await cases.until(case, lambda s: s.state.extension_request is not None)
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "grant_extension"
    refused = await cases.refused(case, "grant_extension", {"days": 90, "reason": "too long"})
    assert "at most 30 days" in refused
    snapshot = await cases.act(case, "grant_extension", {"days": 14, "reason": "reasonable"})
    new_deadline = snapshot.state.compliance_deadline
    assert new_deadline is not None and new_deadline - first_deadline >= timedelta(days=14)
    await cases.skip_to(first_deadline + DAY)  # past the first deadline: still in time
    assert (await cases.snapshot(case)).state.stage is S.AWAITING_COMPLIANCE
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=40)
    await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    await close_as(cases, case, Outcome.ORDER_COMPLIANCE)  # the refuse path starts with an order
    await cases.keep_history(case, "extension_then_compliance")


async def test_the_fine_ladder_to_a_hearing_and_a_lien(cases: CaseDriver) -> None:
    case = await cases.open("PS-EXTERIOR")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)  # courtesy notice
    await pass_deadline_not_complied(cases, case)
    # The notice path comes before fines: the order to comply is next, and a fine now is refused.
    assert "notice of violation and order to comply (issue_notice), not issue_fine" in await cases.refused(
        case, "issue_fine"
    )
    await serve(cases, case, method="mail")
    notice = (await cases.snapshot(case)).state.notices[-1]
    assert notice.appeal_deadline is not None and notice.served_at is not None
    assert (notice.appeal_deadline - notice.served_at).days >= 15 + 5  # 15 days, plus 5 for mail
    for amount in ("100", "200", "500"):
        await pass_deadline_not_complied(cases, case)
        snapshot = await cases.act(case, "issue_fine")
        assert snapshot.state.fines[-1].amount == Decimal(amount)
    assert snapshot.balance == Decimal(800)
    await pass_deadline_not_complied(cases, case)
    refused = await cases.refused(case, "issue_fine")
    assert "next escalation step is schedule_hearing" in refused
    hearing_at = await cases.now() + timedelta(days=20)
    snapshot = await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    assert snapshot.state.stage is S.HEARING
    assert "a decision can be recorded after it is held" in await cases.refused(
        case, "record_decision", {"decision": "upheld", "reason": "x"}
    )
    assert snapshot.state.hearing is not None and snapshot.state.hearing.scheduled_for is not None
    await cases.skip_to(snapshot.state.hearing.scheduled_for + timedelta(hours=1))
    snapshot = await cases.act(case, "record_decision", {"decision": "upheld", "reason": "Order stands"})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.hearings_held == 1
    await pass_deadline_not_complied(cases, case)
    snapshot = await cases.act(case, "file_lien")
    assert snapshot.state.stage is S.ESCALATION_DUE and snapshot.waiting_on is not None
    assert snapshot.waiting_on.action == "refer_prosecution"
    await cases.act(case, "refer_prosecution", {"reason": "Owner ignores fines and orders"})
    await close_as(cases, case, Outcome.PROSECUTED)
    with cases.sessions() as session:
        fines = session.exec(
            select(LedgerLine.amount).where(LedgerLine.case_number == case, LedgerLine.entry_type == "fine")
        )
        assert sorted(fines) == [Decimal(100), Decimal(200), Decimal(500)]
        lien = session.exec(select(Lien).where(Lien.case_number == case)).one()
        assert lien.amount == Decimal(800)
        assert session.exec(select(Hearing).where(Hearing.case_number == case)).one().decision == "upheld"
        assert len(session.exec(select(CaseNotice).where(CaseNotice.case_number == case)).all()) == 2
    await cases.keep_history(case, "fines_hearing_lien_prosecution")
