"""Everyone who reported a problem hears back: a resident whose report joins a case already open is acknowledged
with the case's tracking code, once, and then hears the case's news like the resident who opened it."""

from __future__ import annotations

from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from domain.policy import Policy
from domain.stages import Channel
from records.db import make_engine, session_factory, transaction
from records.intake import (
    ComplainantDetails,
    NewComplaint,
    attach_complaint,
    parcel_by_address,
    unacknowledged_joined_reports,
)
from records.tables import Case, Message
from tests.conftest import Api
from tests.helpers import eventually, file_case, sign_in
from tests.test_api_complaints import MAPLE
from tests.test_console_cases import inspect, opened
from tests.test_evidence import photo
from workers.reconciler import Reconciler

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


async def test_a_report_that_joined_while_temporal_was_down_is_acknowledged_by_the_reconciler_once(
    api: Api, worker: None, temporal_dev: WorkflowEnvironment, policy: Policy
) -> None:
    case = await opened(api)
    sessions = session_factory(make_engine(api.settings.database_url))
    grass = policy.for_case("PS-GRASS")
    assert grass is not None
    with transaction(sessions) as session:  # stored as intake stores it; Temporal never heard of it
        parcel, open_case = parcel_by_address(session, "142 Maple Dr"), session.get(Case, case)
        assert parcel is not None and open_case is not None
        details = ComplainantDetails(name="Wren Latecomer", email=LATECOMER, phone=None)
        report = NewComplaint(
            grass.violation, parcel, "142 Maple Dr", None, None, "Still long", Channel.PHONE, details, None
        )
        attach_complaint(session, open_case, report)
    reconciler = Reconciler(temporal_dev.client, api.settings.temporal_task_queue, sessions, policy, 1.0)

    async def to_latecomer() -> list[Message]:
        await reconciler.run_once()
        with sessions() as session:
            return list(session.exec(select(Message).where(Message.recipient == LATECOMER)))

    [acknowledgement] = await eventually(to_latecomer, until=lambda sent: len(sent) == 1)
    assert case in acknowledgement.body and "Thank you for your report" in acknowledgement.body
    with sessions() as session:
        assert unacknowledged_joined_reports(session) == []
    assert len(await to_latecomer()) == 1


def test_the_reconciler_finds_only_joined_reports_whose_person_was_never_told(
    database_url: str, policy: Policy
) -> None:
    sessions = session_factory(make_engine(database_url))
    first = ComplainantDetails(name="Nora Neighbour", email="nora@example.com", phone=None)
    case, start = file_case(sessions, policy, complainant=first)
    with transaction(sessions) as session:
        open_case = session.get(Case, case.case_number)
        parcel = parcel_by_address(session, "142 Maple Dr")
        assert open_case is not None and parcel is not None
        open_case.workflow_started_at = open_case.opened_at
        for person in (ComplainantDetails(None, None, "+15550100200"), ComplainantDetails("Anonymous", None, None)):
            joined = NewComplaint(
                start.policy.violation, parcel, "142 Maple Dr", None, None, "Still", Channel.PHONE, person, None
            )
            attach_complaint(session, open_case, joined)
    with sessions() as session:
        [waiting] = unacknowledged_joined_reports(session)  # not the first report, nor one that left no contact
        assert waiting.complainant_id is not None
    with transaction(sessions) as session:
        key = f"{case.case_number}:complainant-{waiting.complainant_id}:received"
        session.add(
            Message(
                key=key,
                case_number=case.case_number,
                audience="complainant",
                channel="sms",
                recipient="+15550100200",
                subject="",
                body="Thank you",
                backend="outbox",
            )
        )
    with sessions() as session:
        assert unacknowledged_joined_reports(session) == []
