"""Finance's worklist at /finance and the tax-roll transmittal: receivables by age with CSV, fines past due, online
payments that failed, liens to send; a period's liens certified into one file, stored with its hash, each lien
marked, and the same file (nothing sent twice) when asked again."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from domain.policy import Policy
from domain.tax_roll import COLUMNS
from records.accounts import settle
from records.db import make_engine, session_factory, transaction
from records.online_payments import OnlinePayment
from records.tables import LedgerLine, Lien, TaxRollTransmittal
from tests.conftest import Api
from tests.helpers import file_case, form_token, sign_in


def _owing_case(api: Api, policy: Policy) -> tuple[str, str]:
    """A case with a fine 45 days past due, a lien filed last month and a refunded card payment."""
    sessions = session_factory(make_engine(api.settings.database_url))
    case, _start = file_case(sessions, policy, "PS-EXTERIOR")
    now = datetime.now(UTC)
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=10)
    with transaction(sessions) as session:
        session.add(
            LedgerLine(
                case_number=case.case_number,
                event_key="0009-fine_issued",
                line=0,
                entry_type="fine",
                amount=Decimal(250),
                description="fine 1",
                due_at=now - timedelta(days=45),
                recorded_at=now - timedelta(days=75),
            )
        )
        settle(session, [case.case_number])  # as the record writer keeps what is owed
        session.add(Lien(case_number=case.case_number, reference="LIEN-T-1", amount=Decimal(250), filed_at=last_month))
        session.add(
            OnlinePayment(
                key="evt_1", kind="charge.refunded", case_number=case.case_number, amount=Decimal(50), reference="ch_1"
            )
        )
        stored = session.get(type(case), case.case_number)
        assert stored is not None
        stored.balance = Decimal(250)
        session.add(stored)
    return case.case_number, f"{last_month:%Y-%m}"


async def test_finance_works_receivables_and_sends_liens_to_the_tax_roll_once(api: Api, policy: Policy) -> None:
    case_number, period = _owing_case(api, policy)
    assert (await sign_in(api.http, "finance")).status_code == 303
    page = (await api.http.get("/finance")).text
    assert "$250.00" in page and "45 days past due" in page and "LIEN-T-1" in page and "refunded $50.00" in page
    exported = list(csv.reader(io.StringIO((await api.http.get("/finance?format=csv")).text)))
    assert exported[0] == ["case_number", "charge", "owed", "due_at", "days_past_due", "bucket"]
    assert exported[1][:3] == [case_number, "fine", "250.00"] and exported[1][5] == "31–60 days"

    token = form_token(page)
    bad = await api.http.post("/finance/tax-roll", data={"period": "last month", "csrf_token": token})
    assert bad.status_code == 422 and "period" in bad.text
    made = await api.http.post("/finance/tax-roll", data={"period": period, "csrf_token": token})
    assert made.status_code == 303
    first = await api.http.get(f"/finance/tax-roll/{period}.csv")
    rows = list(csv.reader(io.StringIO(first.text)))
    assert rows[0] == list(COLUMNS)
    assert rows[1][2:4] == ["250.00", case_number] and "LIEN-T-1" in rows[1][4]
    assert first.headers["x-content-sha256"] == hashlib.sha256(first.content).hexdigest()
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        lien = session.exec(select(Lien).where(Lien.reference == "LIEN-T-1")).one()
        assert lien.certified_at is not None and lien.transmittal_id is not None
    # Asked again for the same period: the same file, nothing sent twice.
    again = await api.http.post("/finance/tax-roll", data={"period": period, "csrf_token": token})
    assert again.status_code == 303
    assert (await api.http.get(f"/finance/tax-roll/{period}.csv")).content == first.content
    with sessions() as session:
        assert len(session.exec(select(TaxRollTransmittal)).all()) == 1
    assert "LIEN-T-1" not in (await api.http.get("/finance")).text.split("Paid off")[0].split("To certify")[1]
