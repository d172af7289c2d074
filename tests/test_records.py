"""The records layer on SQLite (the embedded default) and on real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event, inspect
from sqlmodel import col, func, select, text

from activities.assignment import AssignmentActivities
from activities.records import RecordsActivities
from domain.case import (
    AssignmentRequest,
    CaseEventRecord,
    CaseProjection,
    LedgerEntry,
    LetterDocument,
    MoneyEntry,
    NoticeEntry,
    TimelineEntry,
    Transition,
)
from domain.case_numbers import is_case_number
from domain.policy import Policy
from domain.stages import CaseStage
from records.case_file import read_case_file
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.documents import CaseDocument, record_pdf
from records.intake import (
    ComplainantDetails,
    parcel_by_address,
    pending_workflow_starts,
    search_parcels,
)
from records.tables import (
    Case,
    CaseEvent,
    CaseNotice,
    Complainant,
    Complaint,
    Officer,
    Parcel,
    UnpaidCharge,
    User,
    Zone,
)
from tests.conftest import fresh_postgres_database
from tests.helpers import file_case


@pytest.fixture
def sessions(database_url: str) -> SessionFactory:
    return session_factory(make_engine(database_url))


def _file(
    sessions: SessionFactory, policy: Policy, address: str, complainant: ComplainantDetails | None = None
) -> Case:
    return file_case(sessions, policy, "PS-GRASS", address, complainant)[0]


def _moved(
    case: Case,
    stage: CaseStage,
    key: str,
    kind: str,
    *,
    due: datetime | None = None,
    waiting_on: str | None = None,
    entries: list[LedgerEntry] | None = None,
) -> Transition:
    """A transition of the case to `stage` with one timeline line, as the workflow sends it."""
    return Transition(
        projection=CaseProjection(
            case_number=case.case_number,
            stage=stage,
            assigned_officer_id=None,
            response_due_at=due,
            next_deadline=due,
            overdue=False,
            waiting_on=waiting_on,
        ),
        event=TimelineEntry(key=key, kind=kind, stage=stage, summary=kind.replace("_", " ").capitalize()),
        entries=entries or [],
    )


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
    transition = _moved(case, CaseStage.INVESTIGATING, "0001-triaged", "triaged", due=due)
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


def test_a_notice_written_while_its_letters_pdf_is_recorded_keeps_the_pdfs_hash(
    postgres_server: str, policy: Policy
) -> None:
    """The worker records a letter's PDF on its own thread while the case writes the notice that keeps the letter:
    on PostgreSQL the two transactions interleave, and the notice must not miss the hash for good."""
    engine = make_engine(fresh_postgres_database(postgres_server))
    sessions = session_factory(engine)
    case = _file(sessions, policy, "142 Maple Dr")
    letter = LetterDocument(
        path=f"{case.case_number}/notice-1-courtesy_notice.docx",
        sha256="a" * 64,
        template="courtesy_notice.docx",
        template_version="b" * 64,
        pdf_path=f"{case.case_number}/notice-1-courtesy_notice.pdf",
    )
    with transaction(sessions) as session:
        session.add(
            CaseDocument(
                case_number=case.case_number,
                business_key="notice-1",
                kind="courtesy_notice",
                audience="owner",
                delivery="mail",
                path=letter.path,
                sha256=letter.sha256,
                size=1,
                template="courtesy_notice.docx",
                template_version="b" * 64,
                pdf_path=letter.pdf_path,
            )
        )
    issued = datetime(2026, 3, 2, 15, tzinfo=UTC)
    entry = NoticeEntry(seq=1, notice_type="courtesy", title="Courtesy notice", issued_at=issued, letter=letter)
    served = _moved(case, CaseStage.AWAITING_COMPLIANCE, "0009-served", "notice_served", entries=[entry])
    pdf_hash = "c" * 64
    with sessions() as recording:  # the PDF's hash being recorded, not yet committed
        record_pdf(recording, case.case_number, letter.path, pdf_hash)
        recording.flush()
        writer = threading.Thread(target=RecordsActivities(sessions).record_transition, args=(served,))
        writer.start()
        # Until the notice's writer waits for the PDF's, or has finished without waiting (the statistics view is
        # read afresh in a transaction of its own each time).
        for _ in range(200):
            with engine.connect() as watcher:
                waiting = watcher.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar_one()
            if waiting or not writer.is_alive():
                break
            writer.join(0.05)
        recording.commit()
    writer.join(60)
    with sessions() as session:
        notice = session.exec(select(CaseNotice).where(CaseNotice.case_number == case.case_number)).one()
    assert notice.document_path == letter.path and notice.pdf_sha256 == pdf_hash


def test_a_case_is_read_at_one_moment_even_while_it_moves(database_url: str, policy: Policy) -> None:
    """The case page and the API read a case's row, then its timeline: a change committed between the two must not
    show its timeline line beside a row without it (on PostgreSQL, once seen as a case that had a line saying the
    owner asked for more time and nothing waiting on a decision)."""
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    case = _file(sessions, policy, "142 Maple Dr")
    moved = _moved(case, CaseStage.INVESTIGATING, "0001-triaged", "triaged", waiting_on="inspect the property")
    reads: list[str] = []

    def between_reads(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        reads.append(statement)
        if len(reads) == 1 and "FROM cases" in statement:  # the row is read: the case moves before the timeline
            RecordsActivities(session_factory(make_engine(database_url))).record_transition(moved)

    event.listen(engine, "after_cursor_execute", between_reads)
    try:
        with sessions() as session:
            file = read_case_file(session, case.case_number, withhold_complainants=True)
    finally:
        event.remove(engine, "after_cursor_execute", between_reads)
    assert file is not None and any("FROM cases" in statement for statement in reads)
    kinds = [line.kind for line in file.timeline]
    assert (file.case.waiting_on, kinds) in [
        (None, ["complaint_received"]),
        ("inspect the property", ["complaint_received", "triaged"]),
    ]
