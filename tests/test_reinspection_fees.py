"""Reinspection fees (San Diego's 2022 audit: over $500,000 a year never billed): each reinspection from the policy's
configured one on that finds the violation still there bills the pack's fee to the account by itself, and the
owner's next letter tells it, once. On the time-skipping server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import docx
from sqlmodel import col, select

from domain.stages import CaseStage
from records.documents import CaseDocument
from records.tables import LedgerLine
from tests.case_driver import CaseDriver
from tests.test_case_paths import FINDINGS, pass_deadline_not_complied, serve

DAY = timedelta(days=1)


def letter_text_of(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def _fees(cases: CaseDriver, case: str) -> list[tuple[str, Decimal]]:
    with cases.sessions() as session:
        rows = session.exec(
            select(col(LedgerLine.description), col(LedgerLine.amount))
            .where(LedgerLine.case_number == case, LedgerLine.entry_type == "reinspection_fee")
            .order_by(col(LedgerLine.id))
        ).all()
    return [(description, amount) for description, amount in rows]


def _letters(cases: CaseDriver, case: str) -> list[CaseDocument]:
    with cases.sessions() as session:
        return list(
            session.exec(
                select(CaseDocument)
                .where(CaseDocument.case_number == case, CaseDocument.audience == "owner")
                .order_by(col(CaseDocument.id))
            )
        )


async def test_reinspections_are_billed_from_the_configured_one_and_told_on_the_next_letter(
    cases: CaseDriver,
) -> None:
    rules = cases.policy.for_case("PS-EXTERIOR")
    assert rules is not None
    process = rules.process
    assert (process.reinspection_fee, process.reinspection_fee_from) == (Decimal(25), 2)  # config/policy.toml
    case = await cases.open("PS-EXTERIOR", "173 Maple Dr")  # no e-mail on the roll: letters go by post
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)  # courtesy notice
    await pass_deadline_not_complied(cases, case)  # reinspection 1: part of the enforcement, not billed
    assert _fees(cases, case) == []
    await serve(cases, case, method="mail")  # the order to comply

    await pass_deadline_not_complied(cases, case)  # reinspection 2: billed
    letters_before = len(_letters(cases, case))
    snapshot = await cases.snapshot(case)
    assert _fees(cases, case) == [("reinspection fee (reinspection 2)", Decimal(25))]
    assert snapshot.balance == Decimal(25) and snapshot.state.fees[0].told is False
    fined = await cases.act(case, "issue_fine")  # the next letter to the owner: the fine notice
    assert fined.balance == Decimal(125) and fined.state.fees[0].told
    told = _letters(cases, case)[letters_before:]
    assert [d.kind for d in told] == ["fine_notice"]
    text = letter_text_of(cases.document_store / told[0].path)
    assert "Reinspection fees" in text and "Reinspection 2 on" in text and "$25.00" in text

    await pass_deadline_not_complied(cases, case)  # reinspection 3: billed again, told once on the next letter
    fined = await cases.act(case, "issue_fine")
    assert _fees(cases, case) == [
        ("reinspection fee (reinspection 2)", Decimal(25)),
        ("reinspection fee (reinspection 3)", Decimal(25)),
    ]
    assert fined.balance == Decimal(100 + 25 + 200 + 25)
    text = letter_text_of(cases.document_store / _letters(cases, case)[-1].path)
    assert "Reinspection 3 on" in text and "Reinspection 2 on" not in text

    await cases.until(case, lambda s: s.state.stage is CaseStage.REINSPECTION_DUE, step=DAY, attempts=60)
    done = await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})  # reinspection 4: complied
    assert len(_fees(cases, case)) == 2 and done.state.reinspections == 4
    await cases.keep_history(case, "reinspection_fees_billed")
