"""Finance's worklist in the city's words: what each case still owes, by how long past due (the money report's
buckets and settlement rule: payments settle the oldest charges first)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.report_figures import RECEIVABLE_BUCKETS, LedgerFact, days_past_due, receivable_bucket

BUCKETS = tuple(label for label, _upper in RECEIVABLE_BUCKETS)


@dataclass(frozen=True)
class Receivable:
    case_number: str
    charge: str  # fine, remediation_cost
    owed: Decimal
    due_at: datetime | None
    days_past_due: int
    bucket: str

    @property
    def fine_past_due(self) -> bool:
        return self.charge == "fine" and self.days_past_due > 0


def receivables(unpaid: Iterable[tuple[LedgerFact, Decimal]], now: datetime) -> list[Receivable]:
    """Each unpaid charge (and what is left of it), oldest past due first; a charge not yet due is 0 days past due."""
    found = []
    for charge, owed in unpaid:
        late = days_past_due(charge, now)
        found.append(
            Receivable(charge.case_number, charge.entry_type, owed, charge.due_at, late, receivable_bucket(late))
        )
    return sorted(found, key=lambda r: (-r.days_past_due, r.case_number))


def aging(found: Iterable[Receivable]) -> dict[str, Decimal]:
    totals = dict.fromkeys(BUCKETS, Decimal(0))
    for receivable in found:
        totals[receivable.bucket] += receivable.owed
    return totals
