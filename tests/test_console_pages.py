"""The console's overview pages read the records right: dashboard figures, the case list, hearings (.ics),
the supervisor queue and the outbox. Figures are checked on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import icalendar
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from domain.access import READ_OUTBOX, SEE_COMPLAINANT, Role
from domain.ics import CalendarEvent, calendar
from domain.reports import FIRST_INSPECTION_EVENTS, periods
from domain.stages import CaseStage, Outcome
from records.accounts import settle
from records.case_facts import note_first_inspections
from records.case_list import CaseFilter, Sort, Status, case_page, list_query
from records.db import make_engine, session_factory, transaction
from records.reports import figures, open_by_stage, response_breaches, weekly_flow
from records.tables import (
    Case,
    CaseEvent,
    CaseNotice,
    CourtAppearance,
    Hearing,
    LedgerLine,
    Message,
    Officer,
    Parcel,
)
from tests.conftest import Api, make_settings, open_api
from tests.helpers import sign_in

UNREACHABLE_TEMPORAL = "127.0.0.1:9"
DEMO_USERNAMES = {Role.HEARING_OFFICER: "hearing"}
TZ = "America/Chicago"


@pytest.fixture
async def console(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = make_settings(database_url, UNREACHABLE_TEMPORAL, document_store_dir=tmp_path / "documents")
    async for client in open_api(settings):
        yield client


class Seeder:
    """Case records as the workflow's activities leave them, at chosen times."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.parcels = list(session.exec(select(Parcel).order_by(Parcel.parcel_id)).all())
        self.n = 0

    def case(self, opened_at: datetime, stage: CaseStage = CaseStage.INVESTIGATING, **fields: Any) -> Case:
        self.n += 1
        parcel = fields.pop("parcel", self.parcels[self.n % len(self.parcels)])
        case = Case(
            case_number=f"CE-2026-9{self.n:05d}",
            tracking_code=f"T{self.n:07d}",
            violation_code=fields.pop("violation_code", "PS-GRASS"),
            parcel_id=parcel.parcel_id,
            stage=stage,
            priority=fields.pop("priority", 3),
            category="III",
            opened_at=opened_at,
            **fields,
        )
        self.session.add(case)
        self.session.flush()
        return case

    def event(self, case: Case, kind: str, at: datetime, summary: str = "") -> None:
        self.session.add(
            CaseEvent(
                case_number=case.case_number,
                key=f"{kind}-{at.timestamp()}",
                kind=kind,
                stage=case.stage,
                summary=summary or kind,
                occurred_at=at,
            )
        )
        if kind in FIRST_INSPECTION_EVENTS:
            note_first_inspections(self.session, [case.case_number])  # as the record writer keeps it


def seeded(url: str) -> Any:
    return transaction(session_factory(make_engine(url)))


async def test_dashboard_figures_against_last_month(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    p = periods(now, TZ)
    mid_month = p.this_month + (now - p.this_month) / 2
    today = p.today + (now - p.today) / 2
    lm = p.last_month
    with seeded(database_url) as session:
        s = Seeder(session)
        closed = CaseStage.CLOSED
        a = s.case(lm + timedelta(days=1), closed, closed_at=mid_month, outcome=Outcome.VOLUNTARY_COMPLIANCE)
        s.case(lm + timedelta(days=2), closed, closed_at=lm + timedelta(days=12), outcome=Outcome.ORDER_COMPLIANCE)
        s.case(lm + timedelta(days=3), closed, closed_at=lm + timedelta(days=5), outcome=Outcome.REMEDIATED_BY_CITY)
        s.case(lm + timedelta(days=4), closed, closed_at=lm + timedelta(days=6), outcome=Outcome.UNFOUNDED)
        late = s.case(lm + timedelta(days=5), response_due_at=now - timedelta(days=2), overdue=True)
        s.case(mid_month, CaseStage.AWAITING_COMPLIANCE, next_deadline=now + timedelta(days=9))
        s.event(late, "inspection_violation_found", today, "Inspection: violation found. Grass 14 inches")
        s.event(a, "inspection_no_violation", lm + timedelta(days=3))
        s.event(a, "note", today, "Note: owner called")

    with session_factory(make_engine(database_url))() as session:
        open_cases, resolution, inspections, compliance = figures(session, p)
        assert (open_cases.now, open_cases.before) == (2, 2)  # the late one and the new one; then: the late one and a
        assert resolution.before == pytest.approx((10 + 2 + 2) / 3)
        # In UTC: Python subtracts two times of one zone on the wall clock, which a DST change would skew.
        assert resolution.now == pytest.approx(
            (mid_month.astimezone(UTC) - a.opened_at.astimezone(UTC)) / timedelta(days=1)
        )
        assert inspections.now == 1 and inspections.before == round(1 / p.last_month_days, 1)
        assert (compliance.now, compliance.before) == (100, 50)  # unfounded cases do not count
        total, breaches = response_breaches(session, now)
        assert total == 1 and [b.case_number for b in breaches] == [late.case_number]
        assert dict(open_by_stage(session)) == {CaseStage.INVESTIGATING: 1, CaseStage.AWAITING_COMPLIANCE: 1}
        flow = weekly_flow(session, p)  # twelve weeks reach back past the start of last month
        assert len(flow) == 12 and sum(w.opened for w in flow) == 6 and sum(w.closed for w in flow) == 4

    await sign_in(console.http, "supervisor")
    page = (await console.http.get("/")).text
    assert "Cases breaching response targets (1)" in page and f'href="/cases/{late.case_number}"' in page
    assert "Inspection: violation found. Grass 14 inches" in page  # the activity feed
    assert page.count('class="chart" role="img"') == 2 and "Compliance period" in page
    assert "4.7 days" in page and "50.0%" in page and "100.0%" in page
    # Each figure says what it counts over what period, and whether its change is for the better.
    month, last = f"{p.this_month:%B}", f"{p.last_month:%B}"
    assert f"for the cases closed in {month} so far" in page and f"for the cases closed in {last}" in page
    assert "cases not yet closed, now" in page and f"at the end of {last}" in page and "(no change)" in page
    assert "the share closed by compliance" in page and "up 50%, better" in page
    assert re.search(r'<div class="figure">1 <span class="figure-beside">done · 1 still due</span>', page)
    assert "Long grass and weeds" in page and ">PS-GRASS<" not in page  # the breach names the violation


async def test_an_empty_figure_says_why(console: Api) -> None:
    await sign_in(console.http, "supervisor")
    page = (await console.http.get("/")).text
    p = periods(datetime.now(UTC), TZ)
    assert f"no case closed in {p.this_month:%B} yet" in page and f"no case closed in {p.last_month:%B}" in page
    assert f"no case with a violation closed in {p.this_month:%B} yet" in page
    assert "—" not in page.split('aria-label="Key figures"')[1].split("</section>")[0]
    assert "http://" not in page.replace("http://127.0.0.1:8233", "") and "https://" not in page  # nothing external


async def test_case_list_filters_searches_sorts_and_pages(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        maple = session.exec(select(Parcel).where(Parcel.address == "142 Maple Dr")).one()
        officer = session.exec(select(Officer).where(Officer.badge == "CE-101")).one()
        for n in range(30):
            s.case(now - timedelta(days=n), next_deadline=now + timedelta(days=30 - n))
        mine = s.case(
            now - timedelta(days=40),
            CaseStage.HEARING,
            assigned_officer_id=officer.id,
            parcel=maple,
            violation_code="PS-REFUSE",
            priority=1,
            overdue=True,
            next_deadline=now - timedelta(days=1),
        )
        gone = s.case(now - timedelta(days=50), CaseStage.CLOSED, closed_at=now, outcome=Outcome.WITHDRAWN)

    with session_factory(make_engine(database_url))() as session:
        first = case_page(session, CaseFilter())
        assert first.total == 31 and first.pages == 2 and len(first.rows) == 25
        assert first.rows[0].case.opened_at >= first.rows[1].case.opened_at  # newest first
        assert case_page(session, CaseFilter(page=2)).rows[-1].case.case_number == mine.case_number
        assert [r.case.case_number for r in case_page(session, CaseFilter(status=Status.CLOSED)).rows] == [
            gone.case_number
        ]
        for wanted in (
            CaseFilter(stage=CaseStage.HEARING),
            CaseFilter(officer=officer.id),
            CaseFilter(violation="PS-REFUSE"),
            CaseFilter(priority=1),
            CaseFilter(overdue=True),
            CaseFilter(zone=maple.zone_code, q="maple"),
            CaseFilter(q="142 maple"),
            CaseFilter(q=maple.owner_name.split()[-1].lower(), stage=CaseStage.HEARING),
            CaseFilter(q=mine.case_number.lower()),
        ):
            assert [r.case.case_number for r in case_page(session, wanted).rows] == [mine.case_number], wanted
        by_deadline = case_page(session, CaseFilter(sort=Sort.DEADLINE)).rows
        assert by_deadline[0].case.case_number == mine.case_number
        assert case_page(session, CaseFilter(sort=Sort.PRIORITY)).rows[0].case.priority == 1

    await sign_in(console.http, "officer")
    blanks = {"q": "", "status": "", "sort": "", "officer": "", "page": ""}  # an empty field means any (or the default)
    page = await console.http.get("/cases", params={**blanks, "stage": "hearing", "overdue": "1"})
    assert page.status_code == 200 and f'href="/cases/{mine.case_number}">' in page.text
    assert "<strong>1</strong> case" in page.text and "142 Maple Dr" in page.text
    assert '<td data-label="Violation" class="violation">Refuse and debris</td>' in page.text  # not PS-REFUSE
    for field in ("q", "status", "stage", "priority", "violation", "officer", "zone", "sort", "overdue"):
        assert f'<label for="{field}">' in page.text, field
    paged = await console.http.get("/cases", params={"page": 2})
    assert 'rel="prev"' in paged.text and mine.case_number in paged.text
    bad = await console.http.get("/cases", params={"stage": "nonsense", "page": 0})
    assert bad.status_code == 422 and "stage" in bad.text


def _plan(session: Session, query: Any) -> str:
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return " | ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


@pytest.mark.parametrize(
    ("wanted", "index"),
    [
        (CaseFilter(), "ix_cases_opened_at"),
        (CaseFilter(stage=CaseStage.INVESTIGATING), "ix_cases_stage_opened_at"),
        (CaseFilter(officer=3), "ix_cases_officer_opened_at"),
        (CaseFilter(violation="PS-GRASS"), "ix_cases_violation_opened_at"),
        (CaseFilter(sort=Sort.DEADLINE), "ix_cases_next_deadline"),
        (CaseFilter(overdue=True, sort=Sort.DEADLINE), "ix_cases_overdue_next_deadline"),
        (CaseFilter(sort=Sort.PRIORITY), "ix_cases_priority_opened_at"),
        (CaseFilter(q="CE-2026-00"), "sqlite_autoindex_cases_1"),
        (CaseFilter(q="maple"), "ix_cases_parcel_opened_at"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_case_list_queries_read_by_index_not_by_scanning_every_case(
    sqlite_url: str, wanted: CaseFilter, index: str
) -> None:
    with session_factory(make_engine(sqlite_url))() as session:
        plan = _plan(session, list_query(wanted))
        assert index in plan, plan
        assert "SCAN cases" not in plan.replace(f"SCAN cases USING INDEX {index}", ""), plan
        if not wanted.q:  # a search sorts its few matches; every other list comes out of the index in order
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


async def test_hearings_calendar_and_its_icalendar_export(console: Api, database_url: str) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    with seeded(database_url) as session:
        s = Seeder(session)
        case = s.case(start - timedelta(days=30), CaseStage.HEARING)
        session.add(
            Hearing(
                workflow_id=f"{case.case_number}-hearing-1",
                case_number=case.case_number,
                kind="appeal",
                scheduled_for=start,
                location="Council Chambers, Room 2; 100 Main St",
            )
        )
        other = s.case(start - timedelta(days=20), CaseStage.HEARING)
        session.add(
            Hearing(workflow_id=f"{other.case_number}-hearing-1", case_number=other.case_number, kind="administrative")
        )
        prosecuted = s.case(start - timedelta(days=200), CaseStage.PROSECUTION)
        session.add(
            CourtAppearance(
                case_number=prosecuted.case_number,
                key="court-1",
                at=start + timedelta(days=1),
                title="Court: Riverton District Court, docket CR-26-0042",
                purpose="trial",
                location="Courtroom 3",
            )
        )
        decided = s.case(start - timedelta(days=300), CaseStage.PROSECUTION)
        docket = "Court: Riverton District Court, docket CR-26-0007"
        session.add(
            CourtAppearance(
                case_number=decided.case_number,
                key="court-1",
                at=start,
                title=docket,
                purpose="sentencing",
                location="",
            )
        )
        session.add(
            CaseEvent(
                case_number=decided.case_number,
                key="0009-court_outcome",
                kind="court_outcome",
                stage=CaseStage.PROSECUTION,
                summary=f"{docket}: convicted, fined $500.00",
                actor="officer",
                data={},
                occurred_at=start - timedelta(days=1),
            )
        )

    await sign_in(console.http, "hearing")
    page = await console.http.get("/hearings")
    assert case.case_number in page.text and "Council Chambers" in page.text
    assert "Awaiting a date (1)" in page.text and other.case_number in page.text
    assert "Court: Riverton District Court, docket CR-26-0042 (trial)" in page.text and "Courtroom 3" in page.text
    assert "convicted, fined $500.00" in page.text  # a court date's decision is the court's recorded outcome
    answer = await console.http.get("/hearings.ics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert answer.content.count(b"\r\n") == answer.content.count(b"\n")  # every line ends in CRLF
    calendar = icalendar.Calendar.from_ical(answer.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    event, _, court = events
    assert str(event["UID"]).startswith(f"{case.case_number}-hearing-1@")
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert event.decoded("DTSTART") == start
    assert case.case_number in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "Council Chambers, Room 2; 100 Main St"  # commas and semicolons escaped
    # A court date beside the hearings, told apart by its court and docket.
    assert str(court["UID"]).startswith(f"{prosecuted.case_number}-court-1@")
    assert court.decoded("DTSTART") == start + timedelta(days=1)
    assert str(court["SUMMARY"]).startswith("Court: Riverton District Court, docket CR-26-0042 (trial) · ")
    assert str(court["LOCATION"]) == "Courtroom 3"


async def test_supervisor_queue_shows_what_waits_on_a_supervisor(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        officer = session.exec(select(Officer)).first()
        assert officer is not None
        unassigned = s.case(now - timedelta(days=2), assigned_officer_id=None)
        overdue = s.case(
            now - timedelta(days=9), assigned_officer_id=officer.id, overdue=True, next_deadline=now - timedelta(days=1)
        )
        asking = s.case(now - timedelta(days=30), CaseStage.AWAITING_COMPLIANCE, assigned_officer_id=officer.id)
        s.event(asking, "extension_requested", now - timedelta(hours=5))
        decided = s.case(now - timedelta(days=30), CaseStage.AWAITING_COMPLIANCE, assigned_officer_id=officer.id)
        s.event(decided, "extension_requested", now - timedelta(days=3))
        s.event(decided, "extension_granted", now - timedelta(days=2))
        closing = s.case(
            now - timedelta(days=60),
            CaseStage.CLOSURE_REVIEW,
            assigned_officer_id=officer.id,
            waiting_on="review and close (voluntary_compliance)",
        )
        escalating = s.case(now - timedelta(days=70), CaseStage.ESCALATION_DUE, assigned_officer_id=officer.id)

    await sign_in(console.http, "supervisor")
    page = (await console.http.get("/supervisor")).text
    sections = dict(re.findall(r'<h2 id="([a-z-]+)">.*?</h2>(.*?)</section>', page, re.S))
    assert unassigned.case_number in sections["unassigned"] and overdue.case_number not in sections["unassigned"]
    assert overdue.case_number in sections["overdue"]
    assert (
        asking.case_number in sections["extension-requests"]
        and decided.case_number not in sections["extension-requests"]
    )
    assert (
        closing.case_number in sections["closures-awaiting-review"]
        and "review and close" in sections["closures-awaiting-review"]
    )
    assert escalating.case_number in sections["escalations"]


async def test_outbox_lists_every_message_with_the_letter_it_carried(console: Api, database_url: str) -> None:
    with seeded(database_url) as session:
        case = Seeder(session).case(datetime.now(UTC) - timedelta(days=5), CaseStage.AWAITING_COMPLIANCE)
        session.add(
            CaseNotice(
                case_number=case.case_number,
                seq=1,
                notice_type="notice_of_violation",
                title="Notice of violation",
                issued_at=datetime.now(UTC),
                document_path="letters/nov.docx",
                document_sha256="ab" * 32,
            )
        )
        session.add(
            Message(
                key=f"{case.case_number}:notice-1:email",
                case_number=case.case_number,
                audience="owner",
                channel="email",
                recipient="owner@example.org",
                subject="Notice of violation",
                body="Served on you",
                backend="outbox",
                status="sent",
            )
        )
        session.add(
            Message(
                key=f"{case.case_number}:reminder-7",
                case_number=case.case_number,
                audience="owner",
                channel="sms",
                recipient="+15550001111",
                body="Reminder: 7 days left",
                backend="outbox",
                status="sent",
            )
        )
    letter = console.settings.document_store_dir / "letters" / "nov.docx"
    letter.parent.mkdir(parents=True, exist_ok=True)
    letter.write_bytes(b"PK-the-letter")

    await sign_in(console.http, "clerk")
    page = (await console.http.get("/outbox")).text
    assert "Dev mode: messages go to this outbox only" in page
    assert "Reminder: 7 days left" in page and "owner@example.org" in page
    link = re.search(r'href="(/outbox/\d+/attachment)">Notice of violation', page)
    assert link, page
    download = await console.http.get(link.group(1))
    assert download.status_code == 200 and download.content == b"PK-the-letter"
    assert page.count("/attachment") == 1  # the SMS carried nothing


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    summary = "Appeal hearing · CE-2026-000123 · " + "Rue de l'Église, appartement № 7; " * 4
    body = calendar(
        "Hearings",
        [CalendarEvent("h-1@abate", datetime(2027, 1, 5, 15, tzinfo=UTC), summary, "Salle 2")],
        now=datetime(2026, 12, 1, tzinfo=UTC),
    ).encode()
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    event = next(iter(icalendar.Calendar.from_ical(body).walk("VEVENT")))
    assert str(event["SUMMARY"]) == summary


def section(page: str, heading_id: str) -> str:
    """The text of one section of the case page, from its heading to the next section."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


async def test_case_page_shows_the_property_history_messages_money_hearings_and_costs(
    console: Api, database_url: str
) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        seeder = Seeder(session)
        parcel = seeder.parcels[0]
        earlier = seeder.case(
            now - timedelta(days=400),
            CaseStage.CLOSED,
            parcel=parcel,
            violation_code="PS-REFUSE",
            outcome=Outcome.VOLUNTARY_COMPLIANCE.value,
            closed_at=now - timedelta(days=380),
        )
        case = seeder.case(now - timedelta(days=40), CaseStage.AWAITING_COMPLIANCE, parcel=parcel)
        case.balance = Decimal("250.00")  # as the ledger activity keeps it: the fine less the payment
        number = case.case_number
        seeder.case(now - timedelta(days=10), parcel=seeder.parcels[1])  # another property's case: not history
        for n, (kind, amount, text, reference) in enumerate(
            [
                ("fine", "300.00", "First fine", None),
                ("payment", "50.00", "Payment at the counter", "RCPT-77"),
                ("remediation_cost", "1200.00", "Yard cleared by Acme Hauling", None),
            ]
        ):
            session.add(
                LedgerLine(
                    case_number=number,
                    event_key=f"seed-{n}",
                    line=0,
                    entry_type=kind,
                    amount=Decimal(amount),
                    description=text,
                    reference=reference,
                    due_at=now + timedelta(days=30) if kind == "fine" else None,
                )
            )
        settle(session, [number])  # as the record writer keeps what is owed
        session.add_all(
            [
                Message(
                    key=f"{number}:notice-1:email",
                    case_number=number,
                    audience="owner",
                    channel="email",
                    recipient="owner@example.org",
                    subject="Notice of violation",
                    body="Served on you",
                    backend="sendgrid",
                    status="delivered",
                ),
                Message(
                    key=f"{number}:complainant-update",
                    case_number=number,
                    audience="complainant",
                    channel="email",
                    recipient="nora@example.com",
                    subject="Your complaint: a notice was served",
                    body="Thank you",
                    backend="sendgrid",
                    status="bounced",
                    error="mailbox does not exist",
                ),
            ]
        )
        session.add(
            Hearing(
                workflow_id=f"{number}-appeal-1",
                case_number=number,
                kind="appeal",
                scheduled_for=now + timedelta(days=14),
                location="City Hall, Hearing Room B",
            )
        )

    await sign_in(console.http, "supervisor")
    page = (await console.http.get(f"/cases/{number}")).text
    history = section(page, "parcel-h").split("Property history")[1]
    assert f'href="/cases/{earlier.case_number}"' in history and "PS-REFUSE" in history
    assert "Closed (voluntary compliance)" in history and history.count('href="/cases/') == 1

    messages = section(page, "messages-h")
    assert "owner: owner@example.org" in messages and "Notice of violation" in messages and "delivered" in messages
    assert "complainant: nora@example.com" in messages  # a supervisor may see who complained
    assert "bounced: mailbox does not exist" in messages

    money = section(page, "money-h")
    assert "fine: First fine" in money and "$300.00" in money
    assert "payment: Payment at the counter" in money and "−$50.00" in money and "RCPT-77" in money
    assert "Balance: $250.00" in money and "Acme" not in money  # a remediation cost is listed on its own

    hearings = section(page, "hearings-h")
    assert "appeal hearing" in hearings and "City Hall, Hearing Room B" in hearings and "decision: pending" in hearings
    costs = section(page, "costs-h")
    assert "Yard cleared by Acme Hauling · $1200.00" in costs

    console.http.cookies.clear()
    await sign_in(console.http, "finance")
    messages = section((await console.http.get(f"/cases/{number}")).text, "messages-h")
    assert "nora@example.com" not in messages and "(address withheld from your role)" in messages
    assert "bounced" in messages and "mailbox does not exist" not in messages


async def test_the_outbox_withholds_complainants_from_roles_that_may_not_see_them(
    console: Api, database_url: str
) -> None:
    with seeded(database_url) as session:
        number = Seeder(session).case(datetime.now(UTC) - timedelta(days=3)).case_number
        for audience, recipient, body, error in [
            ("owner", "+15550001111", "Reminder: 7 days left to cut the grass", None),
            ("complainant", "+15550002222", "Nora, thank you for your report of 3 Dec", "unreachable +15550002222"),
        ]:
            session.add(
                Message(
                    key=f"{number}:{audience}",
                    case_number=number,
                    audience=audience,
                    channel="sms",
                    recipient=recipient,
                    body=body,
                    backend="outbox",
                    status="failed",
                    error=error,
                )
            )
    for role in sorted(READ_OUTBOX):
        console.http.cookies.clear()
        await sign_in(console.http, DEMO_USERNAMES.get(role, role.value))
        page = (await console.http.get("/outbox")).text
        assert "+15550001111" in page and "Reminder: 7 days left" in page, role  # owners' messages are for all
        if role in SEE_COMPLAINANT:
            assert "+15550002222" in page and "Nora, thank you" in page, role
        else:
            assert "+15550002222" not in page and "Nora" not in page, role
            assert "(address withheld from your role)" in page and "text, written to the complainant" in page
