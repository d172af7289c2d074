"""The records layer on SQLite (the embedded default) and on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import inspect
from sqlmodel import col, func, select

from activities.assignment import AssignmentActivities
from activities.records import RecordsActivities
from domain.case import AssignmentRequest, CaseEventRecord, CaseProjection, MoneyEntry, TimelineEntry, Transition
from domain.case_numbers import is_case_number
from domain.policy import Policy
from domain.stages import CaseStage
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.intake import (
    ComplainantDetails,
    parcel_by_address,
    pending_workflow_starts,
    search_parcels,
)
from records.tables import Case, CaseEvent, Complainant, Complaint, Officer, Parcel, UnpaidCharge, User, Zone
from tests.helpers import file_case


@pytest.fixture
def sessions(database_url: str) -> SessionFactory:
    return session_factory(make_engine(database_url))


def _file(
    sessions: SessionFactory, policy: Policy, address: str, complainant: ComplainantDetails | None = None
) -> Case:
    return file_case(sessions, policy, "PS-GRASS", address, complainant)[0]


def test_the_migration_creates_every_table(database_url: str) -> None:
    tables = set(inspect(make_engine(database_url)).get_table_names())
    assert {"users", "officers", "zones", "parcels", "complaints", "complainants", "cases", "case_events"} <= tables


def test_the_demo_city_is_loaded(sessions: SessionFactory) -> None:
    with sessions() as session:
        assert session.exec(select(func.count()).select_from(Zone)).one() >= 4
        assert session.exec(select(func.count()).select_from(Parcel)).one() >= 300
        assert session.exec(select(func.count()).select_from(Officer)).one() >= 6
        users = {u.username: u.role for u in session.exec(select(User))}
    assert users == {
        "clerk": "clerk",
        "officer": "officer",
        "supervisor": "supervisor",
        "hearing": "hearing_officer",
        "finance": "finance",
        "admin": "admin",
        "executive": "executive",
    }


def test_addresses_are_found_however_they_are_typed(sessions: SessionFactory) -> None:
    with sessions() as session:
        for typed in ("142 Maple Dr", "142 maple drive", "142 MAPLE DR., Riverton, IA"):
            parcel = parcel_by_address(session, typed)
            assert parcel is not None and parcel.address == "142 Maple Dr"


def test_house_numbers_match_whole(sessions: SessionFactory) -> None:
    with sessions() as session:
        found = {typed: [p.address for p in search_parcels(session, typed, 10)] for typed in SEARCHES}
    assert found["212 W 14th St"] == ["212 W 14th St"]  # not 1212 W 14th St
    assert found["212 west 14th street, Riverton"] == ["212 W 14th St"]
    assert found["1212 W 14th"] == ["1212 W 14th St"]
    assert "1212 W 14th St" not in found["212"] and found["212"][0] == "212 W 14th St"
    # A street name may still be being typed, from any word of the address.
    assert {"212 W 14th St", "1212 W 14th St"} <= set(found["W 14t"])
    assert found["142 map"] == ["142 Maple Dr"]


SEARCHES = ("212 W 14th St", "212 west 14th street, Riverton", "1212 W 14th", "212", "W 14t", "142 map")


def test_complaints_get_sequential_case_numbers_and_the_complainant_is_kept_apart(
    sessions: SessionFactory, policy: Policy
) -> None:
    first = _file(sessions, policy, "142 Maple Dr", ComplainantDetails("Pat Neighbour", "pat@example.com", None))
    second = _file(sessions, policy, "142 Maple Dr")
    assert is_case_number(first.case_number) and is_case_number(second.case_number)
    assert int(second.case_number[-6:]) == int(first.case_number[-6:]) + 1
    assert first.tracking_code != second.tracking_code
    assert {c.name for c in inspect(Case).columns}.isdisjoint({"complainant_id", "name", "email", "phone"})
    with sessions() as session:
        complaint = session.exec(select(Complaint).where(Complaint.case_number == first.case_number)).one()
        person = session.get(Complainant, complaint.complainant_id)
        assert person is not None and person.name == "Pat Neighbour"
        anonymous = session.exec(select(Complaint).where(Complaint.case_number == second.case_number)).one()
        assert anonymous.complainant_id is None
        assert [c.case_number for c in pending_workflow_starts(session)] == [first.case_number, second.case_number]
        [event] = session.exec(select(CaseEvent).where(CaseEvent.case_number == first.case_number)).all()
        assert "Pat" not in event.summary and event.kind == "complaint_received"
        # The case carries the channel of the report that opened it, for the reports' filters and breakdowns.
        assert (first.channel, second.channel) == (complaint.channel, anonymous.channel) == ("phone", "phone")


def test_a_retried_transition_writes_one_timeline_line_with_a_server_timestamp(
    sessions: SessionFactory, policy: Policy
) -> None:
    case = _file(sessions, policy, "142 Maple Dr")
    due = datetime(2026, 12, 22, 17, 0, tzinfo=timezone(timedelta(hours=-6)))
    transition = Transition(
        projection=CaseProjection(
            case_number=case.case_number,
            stage=CaseStage.INVESTIGATING,
            assigned_officer_id=None,
            response_due_at=due,
            next_deadline=due,
            overdue=False,
        ),
        event=TimelineEntry(key="0001-triaged", kind="triaged", stage=CaseStage.INVESTIGATING, summary="Triaged"),
    )
    records = RecordsActivities(sessions)
    records.record_transition(transition)
    records.record_transition(transition)  # an activity retry after a lost completion
    with sessions() as session:
        events = session.exec(
            select(CaseEvent).where(CaseEvent.case_number == case.case_number).order_by(col(CaseEvent.id))
        ).all()
        stored = session.get(Case, case.case_number)
    assert [e.kind for e in events] == ["complaint_received", "triaged"]
    assert all(e.occurred_at is not None for e in events)
    assert stored is not None and stored.stage == CaseStage.INVESTIGATING
    assert stored.first_inspected_at is None
    # An instant in the city's offset comes back as the same instant (SQLite stores no offset of its own).
    assert stored.next_deadline == due and stored.next_deadline.utcoffset() == timedelta(0)


def test_the_record_writer_keeps_when_the_case_was_first_inspected_for_the_reports(
    sessions: SessionFactory, policy: Policy
) -> None:
    case = _file(sessions, policy, "142 Maple Dr")
    records = RecordsActivities(sessions)

    def inspect_(key: str, kind: str) -> datetime | None:
        records.record_event(
            CaseEventRecord(
                case_number=case.case_number,
                event=TimelineEntry(key=key, kind=kind, stage=CaseStage.VIOLATION_FOUND, summary=kind),
            )
        )
        with sessions() as session:
            stored = session.get(Case, case.case_number)
            assert stored is not None
            return stored.first_inspected_at

    first = inspect_("0002-inspected", "inspection_violation_found")
    with sessions() as session:
        line = session.exec(select(CaseEvent).where(CaseEvent.key == "0002-inspected")).one()
    assert first is not None and first == line.occurred_at
    assert inspect_("0003-reinspected", "reinspection_not_complied") == first  # a reinspection is not the first visit


def test_the_record_writer_keeps_what_is_owed_of_each_charge_with_the_payments_settling_the_oldest_due_first(
    sessions: SessionFactory, policy: Policy
) -> None:
    case = _file(sessions, policy, "142 Maple Dr")
    records = RecordsActivities(sessions)
    due = datetime(2026, 12, 1, tzinfo=UTC)

    def post(key: str, *lines: tuple[str, str, datetime | None]) -> dict[tuple[str, str], Decimal]:
        entries = [
            MoneyEntry(entry_type=kind, amount=Decimal(amount), description=kind, due_at=at)
            for kind, amount, at in lines
        ]
        record = CaseEventRecord(
            case_number=case.case_number,
            event=TimelineEntry(key=key, kind=key, stage=CaseStage.ESCALATION_DUE, summary=key),
            entries=list(entries),
        )
        records.record_event(record)
        records.record_event(record)  # a retried activity writes nothing twice
        with sessions() as session:
            kept = session.exec(select(UnpaidCharge).where(UnpaidCharge.case_number == case.case_number)).all()
        return {(u.event_key, u.entry_type): u.owed for u in kept}

    assert post("fine-1", ("fine", "200.00", due + timedelta(days=30))) == {("fine-1", "fine"): Decimal("200.00")}
    # A cost falling due earlier is settled first by the next payment, whatever was levied first.
    owed = post("cost", ("remediation_cost", "500.00", due))
    assert owed == {("fine-1", "fine"): Decimal("200.00"), ("cost", "remediation_cost"): Decimal("500.00")}
    assert post("paid", ("payment", "600.00", None)) == {("fine-1", "fine"): Decimal("100.00")}
    # A refund owes again what its payment settled last.
    assert post("refunded", ("refund", "150.00", None)) == {
        ("fine-1", "fine"): Decimal("200.00"),
        ("cost", "remediation_cost"): Decimal("50.00"),
    }
    assert post("written-off", ("write_off", "-250.00", None)) == {}


def test_assignment_prefers_the_covering_officer_with_the_fewest_open_cases(sessions: SessionFactory) -> None:
    assign = AssignmentActivities(sessions).choose_officer
    with sessions() as session:
        zone = session.exec(select(Zone.code)).first()
    assert zone is not None
    first = assign(AssignmentRequest(zone=zone, specialty="property_standards"))
    assert first is not None
    # Give the first choice a case: the next case in that zone goes to the other property-standards officer.
    with transaction(sessions) as session:
        parcel = session.exec(select(Parcel).where(Parcel.zone_code == zone)).first()
        assert parcel is not None
        session.add(
            Case(
                case_number="CE-2026-900001",
                tracking_code="TESTTRACK1",
                violation_code="PS-GRASS",
                parcel_id=parcel.parcel_id,
                stage=CaseStage.INVESTIGATING,
                priority=3,
                category="III",
                assigned_officer_id=first.id,
                opened_at=datetime.now(UTC),
            )
        )
    second = assign(AssignmentRequest(zone=zone, specialty="property_standards"))
    assert second is not None and second.id != first.id
    assert assign(AssignmentRequest(zone=zone, specialty="astrology")) is None
