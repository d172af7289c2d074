"""A lien paid in full is released: the owner's release letter, the lien marked released, and the release in the
next tax-roll file, once. On the time-skipping server, with the tax roll made as finance makes it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import col, select

from domain.stages import CaseStage
from domain.tax_roll import COLUMNS, TaxRollPeriod
from records.documents import CaseDocument
from records.tables import Lien
from records.tax_roll import transmit
from tests.case_driver import CaseDriver
from tests.test_money_after_closure import lien_filed

S = CaseStage


def _month_after(period: TaxRollPeriod) -> TaxRollPeriod:
    return TaxRollPeriod.parse(f"{period.end:%Y-%m}")


def _tax_roll(cases: CaseDriver, period: TaxRollPeriod) -> list[list[str]]:
    """Finance makes the period's tax-roll file (as /finance does) and reads it back as stored."""
    now = datetime.now(UTC)
    with cases.sessions() as session:
        made = transmit(session, period, cases.document_store, now.date(), now)
        session.commit()
        path = cases.document_store / made.path
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == list(COLUMNS)
    return rows[1:]


async def test_a_lien_sent_to_the_tax_roll_and_paid_is_released_with_a_letter_and_in_the_next_file(
    cases: CaseDriver,
) -> None:
    case = await lien_filed(cases, "TAX-ROLL-RELEASE-1", "173 Maple Dr")

    # Certified and sent in the file of the month it was filed.
    with cases.sessions() as session:
        filed = session.exec(select(Lien).where(Lien.reference == "TAX-ROLL-RELEASE-1")).one()
    assert filed.filed_at is not None
    sent_in = TaxRollPeriod.parse(f"{filed.filed_at:%Y-%m}")
    sent = [row for row in _tax_roll(cases, sent_in) if row[3] == case]
    assert [(row[2], row[6]) for row in sent] == [("750.00", "lien")]

    paid = await cases.act(case, "record_payment", {"amount": "750", "method": "counter", "reference": "R-88"})
    assert paid.balance == 0 and paid.state.lien_released_at is not None
    with cases.sessions() as session:
        lien = session.exec(select(Lien).where(Lien.reference == "TAX-ROLL-RELEASE-1")).one()
        letters = session.exec(
            select(CaseDocument).where(CaseDocument.case_number == case, CaseDocument.kind == "lien_release")
        ).all()
    assert lien.released_at is not None and lien.release_transmittal_id is None
    assert [(d.audience, d.delivery) for d in letters] == [("owner", "mail")]  # on the print queue for the post
    assert (cases.document_store / letters[0].path).stat().st_size > 0

    # The release goes in the next file, once: its line names the lien, and the file after has none.
    following = _month_after(sent_in)
    released = [row for row in _tax_roll(cases, following) if row[3] == case]
    assert len(released) == 1
    parcel, _owner, amount, _case, description, _certified, line = released[0]
    assert (parcel, amount, line) == (sent[0][0], "750.00", "release")
    assert "release of lien TAX-ROLL-RELEASE-1" in description
    assert [row for row in _tax_roll(cases, _month_after(following)) if row[3] == case] == []
    with cases.sessions() as session:
        lien = session.exec(select(Lien).where(col(Lien.reference) == "TAX-ROLL-RELEASE-1")).one()
    assert lien.release_transmittal_id is not None and lien.amount == Decimal(750)
    await cases.keep_history(case, "lien_released_with_letter")
