"""Every fine is a notice: a fine on the ladder produces its fine notice letter (e-mailed with the letter, or posted
from the print queue with a text), tells the owner its amount, what for, when it is due and by when and how to
appeal it; appealed in its own window, a hearing upholds, reduces or cancels it and the account shows each change.
On the time-skipping server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import docx
import pytest
from sqlmodel import col, select

from domain.stages import CaseStage
from records.documents import CaseDocument
from records.tables import CaseEvent, LedgerLine, Message
from tests.case_driver import CaseDriver

S = CaseStage
FINDINGS = {"findings": "Household refuse piled by the garage"}


async def _fined(cases: CaseDriver, address: str = "142 Maple Dr") -> str:
    """A refuse case fined on the ladder: an order served, not complied by its deadline, the first fine."""
    case = await cases.open("PS-REFUSE", address)
    await cases.act(
        case,
        "record_inspection",
        {"violation_found": True, "checklist": {"Trash, junk or debris stored outside a container": True}, **FINDINGS},
    )
    await cases.act(case, "issue_notice")
    await cases.act(case, "record_service", {"method": "personal"})
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=timedelta(days=1), attempts=30)
    await cases.act(case, "record_reinspection", {"complied": False, **FINDINGS})
    snapshot = await cases.act(case, "issue_fine")
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.fines[-1].amount == Decimal(100)
    return case


def _documents(cases: CaseDriver, case: str, kind: str) -> list[CaseDocument]:
    with cases.sessions() as session:
        return list(
            session.exec(select(CaseDocument).where(CaseDocument.case_number == case, CaseDocument.kind == kind))
        )


def _text(cases: CaseDriver, document: CaseDocument) -> str:
    letter = docx.Document(str(cases.document_store / document.path))
    cells = [cell.text for table in letter.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in letter.paragraphs] + cells)


def _ledger(cases: CaseDriver, case: str) -> list[tuple[str, Decimal]]:
    with cases.sessions() as session:
        lines = session.exec(select(LedgerLine).where(LedgerLine.case_number == case).order_by(col(LedgerLine.id)))
        return [(line.entry_type, line.amount) for line in lines]


async def test_a_ladder_fine_is_served_as_a_notice_and_told_to_the_owner(cases: CaseDriver) -> None:
    case = await _fined(cases)
    fine = (await cases.snapshot(case)).state.fines[-1]
    assert fine.appeal_deadline is not None
    # The fine notice letter, stored once and e-mailed (the roll has the owner's address): its service.
    [letter] = _documents(cases, case, "fine_notice")
    assert letter.delivery == "email"
    text = _text(cases, letter)
    assert "Notice of fine" in text and "$100.00" in text and "You may appeal this notice" in text
    assert "access code" in text  # the owner can appeal online
    with cases.sessions() as session:
        message = session.exec(select(Message).where(Message.key == f"{case}:fine-1")).one()
    assert message.channel == "email" and message.status == "sent"
    section = cases.policy.violation("PS-REFUSE").section  # type: ignore[union-attr]
    for said in (
        "fine 1 of $100.00",
        section,
        FINDINGS["findings"],  # what the reinspection found still there
        "Payment is due by",
        "You may appeal",
    ):
        assert said in message.body, said
    assert "The fine notice is attached" in message.body
    with cases.sessions() as session:
        summary = session.exec(
            select(CaseEvent.summary).where(CaseEvent.case_number == case, CaseEvent.kind == "fine_issued")
        ).one()
    assert "appeal by" in summary and "told by email" in summary


async def test_an_owner_without_e_mail_gets_the_notice_by_post_and_a_text(cases: CaseDriver) -> None:
    case = await _fined(cases, "128 W 14th St")  # the roll has a phone and no e-mail for this owner
    [letter] = _documents(cases, case, "fine_notice")
    assert letter.delivery == "mail"  # waits in the print queue
    with cases.sessions() as session:
        message = session.exec(select(Message).where(Message.key == f"{case}:fine-1")).one()
    assert message.channel == "sms" and "fine 1 of $100.00" in message.body and "Appeal by" in message.body


@pytest.mark.parametrize(
    ("decision", "amount", "owed", "adjustment", "words"),
    [
        ("upheld", None, Decimal(100), None, "The fine is upheld"),
        ("modified", "40", Decimal(40), Decimal(-60), "The fine is reduced to $40.00"),
        ("dismissed", None, Decimal(0), Decimal(-100), "The fine is cancelled"),
    ],
    ids=["upheld", "reduced", "cancelled"],
)
async def test_a_fine_appealed_in_its_window_is_upheld_reduced_or_cancelled(
    cases: CaseDriver, decision: str, amount: str | None, owed: Decimal, adjustment: Decimal | None, words: str
) -> None:
    case = await _fined(cases)
    refused = []
    await cases.signal(case, "appeal_filed", {"grounds": "Fined twice for the same pile", "fine": 2})
    snapshot = await cases.until(case, lambda s: len(s.state.refused_appeals) == 1)
    refused.append(snapshot.state.refused_appeals[0])
    assert refused == ["there is no fine 2 on this case"]

    await cases.signal(case, "appeal_filed", {"grounds": "The pile was the neighbour's", "fine": 1})
    snapshot = await cases.until(case, lambda s: s.state.stage is S.HEARING)
    assert snapshot.state.hearing is not None and snapshot.state.hearing.fine_seq == 1
    hearing_at = await cases.now() + timedelta(days=10)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    if decision == "modified":
        assert "names the amount it is reduced to" in await cases.refused(
            case, "record_decision", {"decision": "modified", "reason": "Too much"}
        )
        assert "must be less than fine 1's $100" in await cases.refused(
            case, "record_decision", {"decision": "modified", "reason": "x", "fine_amount": "150"}
        )
    body = {"decision": decision, "reason": "Heard the owner and the officer"}
    if amount:
        body["fine_amount"] = amount
    decided = await cases.act(case, "record_decision", body)
    # A fine appeal decides the fine; the order stands and the case goes on.
    assert decided.state.stage is S.AWAITING_COMPLIANCE and decided.state.outcome is None
    assert decided.state.fines[0].amount == owed and decided.balance == owed
    expected = [("fine", Decimal(100))] + ([("fine_adjustment", adjustment)] if adjustment is not None else [])
    assert _ledger(cases, case) == expected
    decision_letter = _text(cases, _documents(cases, case, "hearing_decision")[-1])
    assert words in decision_letter and "still stands" in decision_letter
    # One appeal per fine.
    await cases.signal(case, "appeal_filed", {"grounds": "Again", "fine": 1})
    snapshot = await cases.until(case, lambda s: len(s.state.refused_appeals) == 2)
    assert snapshot.state.refused_appeals[-1] == "fine 1 has already been appealed"
    await cases.keep_history(case, f"fine_notice_{'reduced' if amount else 'cancelled' if owed == 0 else 'upheld'}")


async def test_a_fine_appeal_after_its_window_is_refused(cases: CaseDriver) -> None:
    case = await _fined(cases)
    fine = (await cases.snapshot(case)).state.fines[-1]
    assert fine.appeal_deadline is not None
    await cases.skip_to(fine.appeal_deadline + timedelta(days=1))
    await cases.signal(case, "appeal_filed", {"grounds": "Late", "fine": 1})
    snapshot = await cases.until(case, lambda s: bool(s.state.refused_appeals))
    assert snapshot.state.refused_appeals == [f"the appeal window for fine 1 closed on {fine.appeal_deadline:%Y-%m-%d}"]
