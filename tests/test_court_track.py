"""The court track (issue 15 item 7): a prosecution filed with a court, its dates (the officer reminded a week and a
day before each, as alerts), its outcome and a court fine on the account; and an Ontario Part I ticket's answer.
On the time-skipping server, with the Ontario pack (zoning: a ticket, a second ticket, then a prosecution)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from config.settings import CONFIG_DIR
from domain.policy import load_policy
from domain.process import officer_audience
from domain.stages import CaseStage, Outcome
from records.hearing_calendar import scheduled_from
from records.tables import Alert, CourtAppearance, LedgerLine
from tests.case_driver import CaseDriver
from tests.test_case_paths import FINDINGS, close_as, pass_deadline_not_complied, serve

S = CaseStage
DAY = timedelta(days=1)
ONTARIO = load_policy(CONFIG_DIR / "policies" / "ontario.toml")
COURT = {
    "court": "Ontario Court of Justice, Walkerton",
    "docket": "4711-998-26-0042",
    "charges": "Zoning By-law 2019-100 s.6.1; s.6.2",
}


@pytest.fixture
def ontario(cases: CaseDriver) -> Iterator[CaseDriver]:
    """The same driver opening its cases under the Ontario pack."""
    usual = cases.policy
    cases.policy = ONTARIO
    yield cases
    cases.policy = usual


def _court_reminders(cases: CaseDriver, case: str) -> list[Alert]:
    with cases.sessions() as session:
        return list(
            session.exec(
                select(Alert).where(Alert.case_number == case, Alert.kind == "court_reminder").order_by(col(Alert.id))
            )
        )


def _ledger(cases: CaseDriver, case: str, entry_type: str) -> list[Decimal]:
    with cases.sessions() as session:
        return list(
            session.exec(
                select(col(LedgerLine.amount)).where(
                    LedgerLine.case_number == case, LedgerLine.entry_type == entry_type
                )
            )
        )


async def _ticketed(cases: CaseDriver, address: str) -> str:
    """A zoning case whose courtesy letter was ignored: the Part I ticket (fine 1) served."""
    case = await cases.open("ON-ZN-USE", address)
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)  # courtesy letter
    await pass_deadline_not_complied(cases, case)
    await serve(cases, case)  # the offence notice: ticket 1
    assert [f.amount for f in (await cases.snapshot(case)).state.fines] == [Decimal(300)]
    return case


async def _referred(cases: CaseDriver, address: str) -> str:
    """Both tickets ignored: the case referred for a Part III prosecution."""
    case = await _ticketed(cases, address)
    await pass_deadline_not_complied(cases, case)
    await cases.act(case, "issue_fine")  # the second ticket
    await pass_deadline_not_complied(cases, case)
    snapshot = await cases.act(case, "refer_prosecution", {"reason": "Use continues after two tickets"})
    assert snapshot.state.stage is S.PROSECUTION
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "file_court_case"
    return case


async def test_a_conviction_with_a_court_fine_on_the_account_then_paid_and_closed(ontario: CaseDriver) -> None:
    cases = ontario
    case = await _referred(cases, "142 Maple Dr")
    # Nothing happens in court before the charges are filed.
    assert "no court outcome before the charges are filed (file_court_case)" in await cases.refused(
        case, "record_court_outcome", {"court_outcome": "convicted"}
    )
    later = (await cases.now() + 30 * DAY).isoformat()
    assert "not been filed with a court yet (file_court_case)" in await cases.refused(
        case, "schedule_court_date", {"court_at": later}
    )
    filed = await cases.act(case, "file_court_case", COURT)
    court = filed.state.court
    assert court is not None and court.charges == ["Zoning By-law 2019-100 s.6.1", "s.6.2"]
    assert filed.waiting_on is not None and filed.waiting_on.action == "record_court_outcome"
    assert "the charges are already filed" in await cases.refused(case, "file_court_case", COURT)
    past = (await cases.now() - DAY).isoformat()
    assert "a court date must be in the future" in await cases.refused(case, "schedule_court_date", {"court_at": past})
    # Closing as prosecuted waits for the court.
    assert "still before the court (Court: Ontario Court of Justice, Walkerton, docket 4711-998-26-0042)" in (
        await cases.refused(case, "close", {"outcome": "prosecuted", "reason": "x"})
    )

    court_at = (await cases.now() + 21 * DAY).replace(microsecond=0)
    dated = await cases.act(case, "schedule_court_date", {"court_at": court_at.isoformat(), "purpose": "trial"})
    with cases.sessions() as session:
        rows = session.exec(select(CourtAppearance).where(CourtAppearance.case_number == case)).all()
        calendar = [e for e in scheduled_from(session, court_at - DAY) if e.case_number == case]
    assert [(r.at, r.purpose) for r in rows] == [(court_at, "trial")]
    assert [e.title for e in calendar] == [
        "Court: Ontario Court of Justice, Walkerton, docket 4711-998-26-0042 (trial)"
    ]

    # The officer is reminded a week before, and the day before; not earlier.
    await cases.skip_to(court_at - 8 * DAY)
    assert _court_reminders(cases, case) == []
    await cases.skip_to(court_at - 6 * DAY)
    await cases.until(case, lambda s: "court-1-7" in s.state.reminders_sent)
    await cases.skip_to(court_at - timedelta(hours=12))
    await cases.until(case, lambda s: "court-1-1" in s.state.reminders_sent)
    reminders = _court_reminders(cases, case)
    assert [a.audience for a in reminders] == [officer_audience(dated.state)] * 2
    assert all("trial on" in a.message and "docket 4711-998-26-0042" in a.message for a in reminders)

    await cases.skip_to(court_at + timedelta(hours=2))
    owed = (await cases.snapshot(case)).balance  # the two tickets and the reinspection fees
    assert "a court fine follows a conviction only" in await cases.refused(
        case, "record_court_outcome", {"court_outcome": "acquitted", "court_fine": "750"}
    )
    decided = await cases.act(
        case, "record_court_outcome", {"court_outcome": "convicted", "court_fine": "750", "notes": "Guilty plea"}
    )
    assert decided.state.stage is S.PROSECUTION and decided.balance == owed + Decimal(750)
    assert decided.waiting_on is not None and decided.waiting_on.action == "close"
    assert _ledger(cases, case, "court_fine") == [Decimal(750)]
    assert "already recorded (convicted" in await cases.refused(
        case, "record_court_outcome", {"court_outcome": "stayed"}
    )

    # Closed once the use stopped; the court fine keeps the account open until it is paid.
    await close_as(cases, case, Outcome.PROSECUTED)
    await cases.act(
        case, "record_payment", {"amount": str(decided.balance), "method": "counter", "reference": "R-COURT-1"}
    )
    final = await cases.handle(case).result()
    assert final["outcome"] == "prosecuted" and final["court"]["outcome"] == "convicted"
    await cases.keep_history(case, "prosecuted_convicted_court_fine")


async def test_charges_withdrawn_leave_no_court_fine_and_stop_the_reminders(ontario: CaseDriver) -> None:
    cases = ontario
    case = await _referred(cases, "173 Maple Dr")
    await cases.act(case, "file_court_case", COURT)
    court_at = await cases.now() + 20 * DAY
    await cases.act(case, "schedule_court_date", {"court_at": court_at.isoformat(), "purpose": "first appearance"})
    owed = (await cases.snapshot(case)).balance
    assert "a court fine follows a conviction only" in await cases.refused(
        case, "record_court_outcome", {"court_outcome": "withdrawn", "court_fine": "100"}
    )
    withdrawn = await cases.act(case, "record_court_outcome", {"court_outcome": "withdrawn", "notes": "Use stopped"})
    assert withdrawn.balance == owed and _ledger(cases, case, "court_fine") == []
    assert "the court has decided the case (withdrawn)" in await cases.refused(
        case, "schedule_court_date", {"court_at": (court_at + DAY).isoformat()}
    )
    await cases.skip_to(court_at + DAY)
    snapshot = await cases.snapshot(case)
    assert _court_reminders(cases, case) == [] and snapshot.state.stage is S.PROSECUTION
    await close_as(cases, case, Outcome.ORDER_COMPLIANCE)


async def test_the_owners_answer_to_a_part_i_ticket_is_recorded_with_its_trial_date(ontario: CaseDriver) -> None:
    cases = ontario
    case = await _ticketed(cases, "229 Maple Dr")
    later = (await cases.now() + 25 * DAY).replace(microsecond=0)
    assert "there is no ticket 2 on this case" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 2, "choice": "pay"}
    )
    assert "paying the set fine has no meeting or trial date" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 1, "choice": "pay", "court_at": later.isoformat()}
    )
    assert "to go to trial the owner is given a date: enter it (court_at)" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 1, "choice": "trial"}
    )
    chosen = await cases.act(
        case, "record_ticket_choice", {"ticket": 1, "choice": "trial", "court_at": later.isoformat()}
    )
    ticket = chosen.state.fines[0].ticket
    assert ticket is not None and ticket.choice.value == "trial" and ticket.hearing_at == later
    assert "already recorded (go to trial)" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 1, "choice": "pay"}
    )
    with cases.sessions() as session:
        row = session.exec(select(CourtAppearance).where(CourtAppearance.case_number == case)).one()
    assert (row.at, row.title, row.purpose) == (later, "Court: Provincial Offences Court, ticket 1", "trial")
    # The officer is the Town's witness at the trial: reminded a week and a day before it too.
    await cases.skip_to(later - timedelta(hours=12))
    await cases.until(case, lambda s: {"ticket-1-7", "ticket-1-1"} <= set(s.state.reminders_sent))
    assert len(_court_reminders(cases, case)) == 2


async def test_a_pack_without_part_i_tickets_refuses_a_ticket_choice(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS", "331 Maple Dr")
    assert "fines are not Part I offence notices (tickets) under the policy" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 1, "choice": "pay"}
    )
