"""The tax-roll transmittal: the liens finance certifies for a period, in the file the county's tax collector loads
(California Government Code §38773.5 and Maryland's equivalents put abatement costs and fines on the property tax
bill this way).

The layout, one line per lien, UTF-8 CSV with this header row:

| column | what |
|---|---|
| `parcel_id` | the assessor's parcel number, as on the assessment roll |
| `owner_of_record` | the owner the roll names |
| `amount` | the lien's amount, two decimals, no currency sign |
| `case_number` | the code-enforcement case that levied it |
| `description` | the violation and the lien's reference |
| `certification_date` | the city's date finance certified it (YYYY-MM-DD) |
| `line` | `lien` (put it on the roll) or `release` (take it off: paid in full) |

A period is one calendar month (`YYYY-MM`) of liens filed; its file is made once and never changed. It also
carries, once, the release of each lien sent in an earlier file and paid in full before the period's end: the
lien's own parcel, owner, amount and case, certified on the file's date. A lien paid before it was ever sent is
not sent at all.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

COLUMNS = ("parcel_id", "owner_of_record", "amount", "case_number", "description", "certification_date", "line")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class TaxRollPeriod:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> TaxRollPeriod:
        match = PERIOD.match(text.strip())
        if match is None:
            raise ValueError("a period is a month, written YYYY-MM (2026-11)")
        return cls(int(match[1]), int(match[2]))

    @property
    def name(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TransmittalLine:
    parcel_id: str
    owner_of_record: str
    amount: Decimal
    case_number: str
    description: str
    certification_date: date
    line: Literal["lien", "release"] = "lien"


def transmittal_csv(lines: list[TransmittalLine]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(
            (
                line.parcel_id,
                line.owner_of_record,
                f"{line.amount:.2f}",
                line.case_number,
                line.description,
                line.certification_date.isoformat(),
                line.line,
            )
        )
    return out.getvalue().encode()
