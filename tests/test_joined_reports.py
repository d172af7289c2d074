"""Everyone who reported a problem hears back: a resident whose report joins a case already open is acknowledged
with the case's tracking code, once, and then hears the case's news like the resident who opened it."""

from __future__ import annotations

from sqlmodel import col, select

from records.db import make_engine, session_factory
from records.tables import Message
from tests.conftest import Api
from tests.helpers import eventually, sign_in
from tests.test_api_complaints import MAPLE
from tests.test_console_cases import inspect, opened
from tests.test_evidence import photo

LATECOMER = "wren.latecomer@example.net"


async def test_a_report_joining_an_open_case_is_acknowledged_once_and_hears_the_inspection(
    api: Api, worker: None
) -> None:
    case = await opened(api)  # triaged: its first reporter was acknowledged then
    sessions = session_factory(make_engine(api.settings.database_url))

    async def to_latecomer() -> list[Message]:
        with sessions() as session:
            return list(session.exec(select(Message).where(Message.recipient == LATECOMER).order_by(col(Message.id))))

    report = {**MAPLE, "channel": "email", "complainant": {"name": "Wren Latecomer", "email": LATECOMER}}
    joined = await api.post("/api/v1/complaints", "clerk", json=report)
    assert joined.status_code == 200 and joined.json()["joined_open_case"] is True
    assert joined.json()["case_number"] == case
    tracking_code = joined.json()["tracking_code"]

    [acknowledgement] = await eventually(to_latecomer, until=lambda sent: len(sent) == 1)
    assert tracking_code in acknowledgement.body and case in acknowledgement.body
    assert acknowledgement.status == "sent" and acknowledgement.audience == "complainant"

    # The officer inspects: the latecomer hears it as the first reporter does, and is not acknowledged again.
    await sign_in(api.http, "officer")
    assert (await inspect(api.http, case, "violation", photo("green"))).status_code == 303
    sent = await eventually(to_latecomer, until=lambda sent: len(sent) == 2)
    assert "inspected the property" in sent[1].body and "a violation was found" in sent[1].body
    with sessions() as session:
        first_reporter = session.exec(select(Message.body).where(Message.recipient == "nora@example.com")).all()
    assert len(first_reporter) == 2 and "inspected the property" in first_reporter[1]
    assert [m.body for m in await to_latecomer()].count(acknowledgement.body) == 1
