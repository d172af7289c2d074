"""What owners owe now, kept charge by charge beside the ledger: the record writer settles a case's account again in
the transaction that adds to it, and the money report, finance's worklist and the receivables' aging sum what is
kept instead of settling every account in the city on each read (issue 13: a report under 1 s at 1,000,000 cases).

The settlement is the money report's own (`domain.report_figures.unpaid_charges`), so what is kept is what a
plain recomputation from the ledger gives; `tests/test_report_exactness.py` holds them together.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from domain.report_figures import RECEIVABLE_BUCKETS, LedgerFact, payment_method, unpaid_charges
from records.db import in_chunks
from records.tables import LedgerLine, UnpaidCharge


def ledger_fact(
    case_number: str, kind: str, amount: Decimal, recorded: datetime, due: datetime | None, words: str
) -> LedgerFact:
    return LedgerFact(case_number, kind, amount, recorded, due, payment_method(words) if kind == "payment" else None)


def settle(session: Session, case_numbers: Collection[str]) -> None:
    """Keeps the cases' unpaid charges true to their accounts; called in the transaction that changed them."""
    session.flush()
    for chunk in in_chunks(sorted(set(case_numbers))):
        rows = session.exec(
            select(  # type: ignore[call-overload]
                LedgerLine.case_number,
                LedgerLine.event_key,
                LedgerLine.line,
                LedgerLine.entry_type,
                LedgerLine.amount,
                LedgerLine.recorded_at,
                LedgerLine.due_at,
                LedgerLine.description,
            )
            .where(col(LedgerLine.case_number).in_(chunk))
            .order_by(col(LedgerLine.id))
        ).all()
        facts = [
            ledger_fact(number, kind, amount, at, due, words) for number, _k, _l, kind, amount, at, due, words in rows
        ]
        keys = {id(fact): (row[1], row[2]) for fact, row in zip(facts, rows, strict=True)}
        session.execute(delete(UnpaidCharge).where(col(UnpaidCharge.case_number).in_(chunk)))
        session.add_all(
            UnpaidCharge(
                case_number=charge.case_number,
                event_key=keys[id(charge)][0],
                line=keys[id(charge)][1],
                entry_type=charge.entry_type,
                owed=owed,
                due_at=charge.due_at,
                recorded_at=charge.recorded_at,
            )
            for charge, owed in unpaid_charges(facts)
        )
    session.flush()


def past_due_from() -> Any:
    """When a charge fell due: its due date, or when it was recorded if it had none."""
    return func.coalesce(col(UnpaidCharge.due_at), col(UnpaidCharge.recorded_at))


def receivable_bucket(now: datetime) -> Any:
    """The receivable bucket's index of each charge, as `domain.report_figures.receivable_bucket` would put it: a
    charge is at most N whole days past due exactly when it fell due less than N + 1 days ago."""
    due = past_due_from()
    bounds = [
        (due > now - timedelta(days=upper + 1), n) for n, (_label, upper) in enumerate(RECEIVABLE_BUCKETS) if upper
    ]
    return when(*bounds, else_=len(RECEIVABLE_BUCKETS) - 1)


def unpaid(session: Session) -> list[tuple[LedgerFact, Decimal]]:
    """Every unpaid charge in the city and what is still owed of it."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            UnpaidCharge.case_number,
            UnpaidCharge.entry_type,
            UnpaidCharge.owed,
            UnpaidCharge.recorded_at,
            UnpaidCharge.due_at,
        )
    ).all()
    return [(LedgerFact(number, kind, owed, at, due), owed) for number, kind, owed, at, due in rows]
