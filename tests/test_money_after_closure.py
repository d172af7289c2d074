"""Money owed outlives the enforcement: a case closed with money owing keeps its account open, takes a payment
after closure (and releases its lien when paid in full), or is written off by finance with a reason; only then
does its workflow complete. On the time-skipping server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import col, select

from domain.access import Role
from domain.stages import CaseStage, Outcome
from records.tables import LedgerLine, Lien
from tests.case_driver import CaseDriver

S = CaseStage
DAY = timedelta(days=1)
FINDINGS = {"findings": "Gate left open, no fence on the street side"}


async def lien_filed(cases: CaseDriver, reference: str, *address: str) -> str:
    """A pool left unfenced: the city fences it for $750, unpaid, and files a lien for it."""
    case = await cases.open("PL-ENCLOSURE", *address)
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=10)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})
    await cases.act(case, "order_remediation", {"contractor": "Riverton Fence Co.", "scope": "Fence the pool"})
    await cases.act(case, "record_remediation_cost", {"description": "Fence", "amount": "750", "final": True})
    await cases.until(case, lambda s: s.state.stage is S.ESCALATION_DUE, step=DAY, attempts=40)
    await cases.act(case, "file_lien", {"reference": reference})
    return case


async def test_a_lien_paid_after_closure_is_released_and_the_case_completes(cases: CaseDriver) -> None:
    case = await lien_filed(cases, "TAX-ROLL-CLOSED-1")
    closed = await cases.act(case, "close", {"outcome": "remediated_by_city", "reason": "Abated; costs by lien"})
    assert closed.state.stage is S.CLOSED and closed.balance == Decimal(750)
    snapshot = await cases.until(case, lambda s: s.state.collecting)
    assert snapshot.state.outcome is Outcome.REMEDIATED_BY_CITY  # closed, and still answering: its account is open

    paid = await cases.act(case, "record_payment", {"amount": "750", "method": "counter", "reference": "R-77"})
    assert paid.balance == 0
    await cases.handle(case).result()  # the account is settled: the workflow completes
    with cases.sessions() as session:
        lien = session.exec(select(Lien).where(Lien.reference == "TAX-ROLL-CLOSED-1")).one()
        payments = session.exec(
            select(col(LedgerLine.amount)).where(LedgerLine.case_number == case, LedgerLine.entry_type == "payment")
        ).all()
    assert lien.released_at is not None and payments == [Decimal(750)]
    await cases.keep_history(case, "paid_after_closure")


async def test_finance_writes_off_what_a_closed_case_owes(cases: CaseDriver) -> None:
    case = await cases.open("NS-CONSTRUCTION")  # an administrative citation: its notice carries a $100 fine
    await cases.act(case, "record_inspection", {"violation_found": True, "findings": "Jackhammers at 5 a.m."})
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    await cases.act(case, "close", {"outcome": "withdrawn", "reason": "Contractor left town"})
    snapshot = await cases.until(case, lambda s: s.state.collecting)
    assert snapshot.balance == Decimal(100)
    refused = await cases.refused(case, "write_off", {"reason": "x"}, role=Role.SUPERVISOR)
    assert "needs the role finance" in refused
    written = await cases.act(case, "write_off", {"reason": "Owner's company dissolved"}, role=Role.FINANCE)
    assert written.balance == 0
    await cases.handle(case).result()
    with cases.sessions() as session:
        lines = session.exec(
            select(col(LedgerLine.entry_type), col(LedgerLine.amount)).where(LedgerLine.case_number == case)
        ).all()
    assert list(lines) == [("fine", Decimal(100)), ("write_off", Decimal(-100))]
    await cases.keep_history(case, "written_off_after_closure")
