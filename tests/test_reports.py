"""The reports read the records right, on SQLite and PostgreSQL: the period is the city's local days, the filters
narrow the cases, every number opens onto exactly the cases it counts, and the CSVs say what the pages say."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlmodel import Session, select

from api.console.reports import DRILL_DOWN_COLUMNS
from config.settings import CONFIG_DIR
from domain.access import CASE_EVENT_ROLES, SEE_COMPLAINANT, Role
from domain.policy import load_policy
from domain.staff_actions import STAFF_ACTIONS
from domain.stages import CaseStage, Channel, Outcome
from records.accounts import settle
from records.db import make_engine, session_factory
from records.report_queries import ReportFilter
from records.tables import Case, Complainant, Complaint, LedgerLine, Lien, Officer, Parcel
from services.reports import REPORTS, read_report
from tests.conftest import Api
from tests.helpers import sign_in
from tests.test_console_pages import Seeder, console, seeded

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL

TZ = "America/Chicago"  # the demo city's zone; daylight saving began on 2026-03-08
COMPLAINANT = "Pat Neighbour"
CALENDAR = load_policy(CONFIG_DIR / "policy.toml").calendar  # Riverton's: weekends and the federal holidays


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def complaint(session: Session, case: Case, channel: Channel, *, complainant: int | None = None) -> None:
    session.add(
        Complaint(
            case_number=case.case_number,
            violation_code=case.violation_code,
            parcel_id=case.parcel_id,
            location_text="at the property",
            description="Reported",
            channel=channel,
            complainant_id=complainant,
        )
    )
    case.channel = case.channel or channel  # the first report's, as intake writes it with the case
    session.add(case)
    session.flush()


def figures(database_url: str, slug: str, now: datetime, **wanted: object) -> dict[str, tuple[object, int]]:
    with session_factory(make_engine(database_url))() as session:
        reading = read_report(session, REPORTS[slug], ReportFilter.model_validate(wanted), now, CALENDAR)
    return {f.key: (f.value, f.counted) for f in reading.report.figures}


def test_figures_count_the_citys_month_across_daylight_saving_and_follow_the_filters(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        east = session.exec(select(Parcel).where(Parcel.zone_code == "E")).first()
        assert east is not None
        # 23:30 on 28 February in Riverton is 1 March in UTC: it belongs to February's report, not March's.
        february = s.case(utc("2026-02-28T23:30-06:00"), response_due_at=utc("2026-03-03T23:00Z"), priority=1)
        s.event(february, "inspection_violation_found", utc("2026-03-01T12:00Z"))
        b = s.case(utc("2026-03-01T00:30-06:00"), response_due_at=utc("2026-03-02T23:00Z"), priority=1)
        s.event(b, "triaged", utc("2026-03-01T06:31Z"))  # not a visit
        s.event(b, "inspection_violation_found", utc("2026-03-02T06:30Z"))  # a day after it was received
        s.event(b, "reinspection_complied", utc("2026-03-12T06:30Z"))
        # Received Saturday noon before the change, inspected Monday noon after it: 47 hours.
        c = s.case(utc("2026-03-07T12:00-06:00"), response_due_at=utc("2026-03-09T17:00-05:00"))
        s.event(c, "inspection_no_violation", utc("2026-03-09T12:00-05:00"))
        d = s.case(utc("2026-03-10T09:00-05:00"), response_due_at=utc("2026-03-12T17:00-05:00"), parcel=east)
        complaint(session, february, Channel.PHONE)
        complaint(session, b, Channel.PHONE)
        complaint(session, b, Channel.PORTAL)  # a later report joined it: the case still came by phone
        complaint(session, c, Channel.PHONE)
        complaint(session, d, Channel.PORTAL)
        closed = CaseStage.CLOSED
        s.case(
            utc("2026-02-20T00:00Z"), closed, closed_at=utc("2026-03-02T00:00Z"), outcome=Outcome.VOLUNTARY_COMPLIANCE
        )
        s.case(utc("2026-02-01T00:00Z"), closed, closed_at=utc("2026-03-03T00:00Z"), outcome=Outcome.ORDER_COMPLIANCE)
        s.case(
            utc("2026-02-01T00:00Z"), closed, closed_at=utc("2026-02-28T23:30-06:00"), outcome=Outcome.ORDER_COMPLIANCE
        )

    now = utc("2026-03-20T12:00Z")
    inspections = figures(database_url, "first-inspection", now)
    assert inspections["all-median"] == (pytest.approx((1 + 47 / 24) / 2), 2)  # b and c; february is outside
    assert inspections["all-within"] == (pytest.approx(200 / 3), 3)  # b and c on time, d still waiting and late
    assert inspections["p1-median"] == (1.0, 1)
    assert figures(database_url, "first-inspection", now, priority=3)["all-within"] == (50.0, 2)
    assert figures(database_url, "first-inspection", now, zone="E")["all-within"] == (0.0, 1)
    assert figures(database_url, "first-inspection", now, channel="portal")["all-within"] == (0.0, 1)
    assert figures(database_url, "first-inspection", now, channel="phone")["all-within"] == (100.0, 2)
    assert figures(database_url, "first-inspection", now, period="last_month")["all-median"] == (
        pytest.approx(6.5 / 24),  # 05:30 to 12:00 UTC
        1,
    )

    compliance = figures(database_url, "compliance", now)
    assert compliance["all-median"] == (pytest.approx((10 + 30) / 2), 2)
    assert compliance["forced-share"] == (50.0, 1)
    # 05:30 UTC on 1 April is 30 days and 23.5 hours after february's case came in: still 30 days old.
    aging = figures(database_url, "aging", utc("2026-04-01T05:00Z"))
    assert aging["age-0"] == (4, 4) and aging["age-1"] == (0, 0)
    assert figures(database_url, "aging", utc("2026-04-01T06:00Z"))["age-1"] == (1, 1)
    # By 10 April only b has had an event in 30 days (its reinspection on 12 March); d has never had one.
    assert figures(database_url, "aging", utc("2026-04-10T12:00Z"))["stalled"] == (3, 3)


def test_recidivism_counts_any_earlier_case_on_the_property_whatever_the_filter(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        maple, elm, oak = (s.parcels[n] for n in (1, 2, 3))
        earlier = ((maple, "2025-06-01", "PS-JUNK"), (elm, "2024-01-01", "PS-GRASS"), (oak, "2022-01-01", "PS-GRASS"))
        for parcel, day, code in earlier:
            received = utc(f"{day}T12:00Z")
            s.case(
                received, CaseStage.CLOSED, parcel=parcel, violation_code=code, closed_at=received + timedelta(days=30)
            )
        for n, parcel in enumerate((maple, elm, oak)):
            s.case(utc(f"2026-03-0{n + 5}T12:00Z"), parcel=parcel)

    found = figures(database_url, "recidivism", utc("2026-03-20T12:00Z"), violation="PS-GRASS")
    assert found["new"] == (3, 3)
    assert found["repeat-1y"] == (pytest.approx(100 / 3), 1)  # maple's junk case last June counts
    assert found["repeat-3y"] == (pytest.approx(200 / 3), 2)


def test_officers_are_credited_on_the_cases_assigned_to_them(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        dana = session.exec(select(Officer).where(Officer.badge == "CE-101")).one()
        luis = session.exec(select(Officer).where(Officer.badge == "CE-102")).one()
        mine = s.case(utc("2026-03-02T00:00Z"), assigned_officer_id=dana.id)
        s.event(mine, "inspection_violation_found", utc("2026-03-04T00:00Z"))
        s.event(mine, "notice_issued", utc("2026-03-05T00:00Z"))
        s.event(mine, "notice_issued", utc("2026-02-27T00:00Z"))  # before the period
        theirs = s.case(utc("2026-03-03T00:00Z"), CaseStage.CLOSED, assigned_officer_id=luis.id)
        s.event(theirs, "closed", utc("2026-03-06T00:00Z"))

    # 1 to 14 March: two weeks.
    found = figures(database_url, "officers", utc("2026-03-14T12:00Z"))
    assert found[f"officer-{dana.id}-caseload"] == (1, 1)
    assert found[f"officer-{dana.id}-inspections"] == (0.5, 1)
    assert found[f"officer-{dana.id}-notices"] == (0.5, 1)
    assert found[f"officer-{dana.id}-first-inspection"] == (2.0, 1)
    assert found[f"officer-{luis.id}-caseload"] == (0, 0) and found[f"officer-{luis.id}-closures"] == (0.5, 1)
    only_dana = figures(database_url, "officers", utc("2026-03-14T12:00Z"), officer=dana.id)
    assert {key.split("-")[1] for key in only_dana} == {str(dana.id)}


def drill_down_links(page: str) -> list[tuple[str, int]]:
    return [
        (href.replace("&amp;", "&"), int(count))
        for href, count in re.findall(r'href="(/reports/[\w-]+/cases\?[^"]+)">(\d+) cases?</a>', page)
    ]


def parsed(answer: httpx.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))


async def test_every_number_opens_onto_the_cases_it_counts_and_downloads_as_csv(
    console: Api, database_url: str
) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        pat = Complainant(name=COMPLAINANT, email="pat@example.com")
        session.add(pat)
        session.flush()
        for n in range(4):
            case = s.case(now - timedelta(days=n + 1), response_due_at=now - timedelta(days=n), priority=3 - n % 2)
            complaint(session, case, Channel.PHONE, complainant=pat.id)
            if n < 3:
                s.event(case, "inspection_violation_found", now - timedelta(days=n + 1, hours=-(n + 2) * 6))
        s.case(now - timedelta(days=400), CaseStage.HEARING, waiting_on="hearing officer")
        s.case(now - timedelta(days=3), CaseStage.CLOSED, closed_at=now - timedelta(days=1), outcome="order_compliance")

    today = datetime.now(UTC).astimezone().date()
    window = f"period=custom&from={today - timedelta(days=20)}&to={today + timedelta(days=1)}"
    await sign_in(console.http, "executive")
    for slug in REPORTS:
        page = (await console.http.get(f"/reports/{slug}?{window}")).text
        links = drill_down_links(page)
        assert links, slug
        sheet = parsed(await console.http.get(f"/reports/{slug}?{window}&format=csv"))
        assert [int(row["cases_counted"]) for row in sheet] == [count for _href, count in links]
        for href, count in links:
            assert window in href  # the drill-down keeps the report's filter
            listed = (await console.http.get(href)).text
            assert f'<strong class="counted">{count}</strong>' in listed, href
            assert listed.count('class="case-number"') == count
            rows = parsed(await console.http.get(href + "&format=csv"))
            assert len(rows) == count and (not rows or tuple(rows[0]) == DRILL_DOWN_COLUMNS)
            for row in rows:
                datetime.fromisoformat(row["received_at"])  # ISO 8601
                assert COMPLAINANT not in str(row) and "pat@example.com" not in str(row)
            assert COMPLAINANT not in listed

    inspected = dict(drill_down_links((await console.http.get(f"/reports/first-inspection?{window}")).text))
    assert inspected[f"/reports/first-inspection/cases?{window}&figure=all-median"] == 3
    assert inspected[f"/reports/first-inspection/cases?{window}&figure=all-within"] == 4
    narrowed = (await console.http.get(f"/reports/first-inspection?{window}&priority=3")).text
    assert '<option value="3" selected>P3</option>' in narrowed and "priority=3&amp;figure=all-median" in narrowed
    assert [count for _h, count in drill_down_links(narrowed)][:3] == [2, 2, 2]

    aging = (await console.http.get("/reports/aging")).text
    assert "over 365 days" in aging and "waiting on hearing officer" in aging  # the oldest, with its step


async def test_reports_are_for_those_who_run_the_program_and_the_executive_reads_but_acts_on_nothing(
    console: Api, database_url: str
) -> None:
    assert not any(Role.EXECUTIVE in action.roles for action in STAFF_ACTIONS.values())
    assert not any(Role.EXECUTIVE in roles for roles in CASE_EVENT_ROLES.values())
    assert Role.EXECUTIVE not in SEE_COMPLAINANT
    await sign_in(console.http, "executive")
    home = (await console.http.get("/")).text
    assert 'href="/reports"' in home and 'href="/intake"' not in home
    index = (await console.http.get("/reports")).text
    assert 'href="/reports/first-inspection"' in index and 'href="/reports/aging"' in index
    assert (await console.http.get("/reports/nothing-here")).status_code == 404
    assert (await console.http.get("/reports/aging/cases?figure=nothing")).status_code == 404

    console.http.cookies.clear()
    await sign_in(console.http, "clerk")
    refused = await console.http.get("/reports/aging?format=csv")
    assert refused.status_code == 403 and "may not open this page" in refused.text


def ledger_line(
    session: Session,
    case: Case,
    kind: str,
    amount: str,
    at: datetime,
    due_at: datetime | None = None,
    description: str = "",
) -> None:
    session.add(
        LedgerLine(
            case_number=case.case_number,
            event_key=f"{kind}-{at.timestamp()}",
            line=1,
            entry_type=kind,
            amount=Decimal(amount),
            description=description or kind,
            due_at=due_at,
            recorded_at=at,
        )
    )
    settle(session, [case.case_number])  # as the record writer keeps what is owed


def test_reinspections_count_in_the_month_they_fell_due_on_the_citys_calendar(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        due = CaseStage.REINSPECTION_DUE
        # The deadline passed at 23:30 on 28 February in Riverton (1 March in UTC): February's reinspection.
        february = s.case(utc("2026-01-05T12:00Z"), due)
        s.event(february, "compliance_deadline_passed", utc("2026-02-28T23:30-06:00"))
        # Due Friday 6 March before the clocks changed, done on Wednesday evening after: on time.
        on_time = s.case(utc("2026-01-06T12:00Z"), due)
        s.event(on_time, "compliance_deadline_passed", utc("2026-03-06T17:00-06:00"))
        s.event(on_time, "reinspection_not_yet", utc("2026-03-09T12:00Z"))  # not the reinspection it waits for
        s.event(on_time, "reinspection_complied", utc("2026-03-11T23:30-05:00"))
        # The owner reported the work done and the reinspection came forward on Friday 13 March; done Thursday.
        forward = s.case(utc("2026-01-07T12:00Z"), due)
        s.event(forward, "owner_reported_compliance", utc("2026-03-13T10:00-05:00"))
        s.event(forward, "reinspection_not_complied", utc("2026-03-19T09:00-05:00"))
        # An owner's report with no deadline running brings nothing forward.
        s.event(s.case(utc("2026-03-02T12:00Z")), "owner_reported_compliance", utc("2026-03-03T12:00Z"))
        # Due on 20 March and never done: late by 31 March.
        s.event(s.case(utc("2026-01-08T12:00Z"), due), "compliance_deadline_passed", utc("2026-03-20T17:00-05:00"))

    now, march = utc("2026-03-31T12:00Z"), {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}
    found = figures(database_url, "reinspections", now, **march)
    assert found["due"] == (3, 3)
    assert found["on-time"] == (pytest.approx(100 / 3), 3)
    assert found["late"] == (2, 2)
    february_only = figures(
        database_url, "reinspections", now, period="custom", **{"from": "2026-02-01", "to": "2026-02-28"}
    )
    assert february_only["due"] == (1, 1) and february_only["late"] == (1, 1)


def test_volume_by_month_and_channel_against_last_year(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        east = session.exec(select(Parcel).where(Parcel.zone_code == "E")).first()
        assert east is not None
        february = s.case(utc("2026-02-28T23:30-06:00"))  # 1 March in UTC, February in Riverton
        complaint(session, february, Channel.PHONE)
        march = s.case(
            utc("2026-03-08T03:30-05:00"),
            CaseStage.CLOSED,
            closed_at=utc("2026-03-15T12:00Z"),
            outcome=Outcome.VOLUNTARY_COMPLIANCE,
            parcel=east,
            priority=1,
        )
        complaint(session, march, Channel.PORTAL)
        complaint(session, march, Channel.PHONE)  # joined later: the case still came through the portal
        last_year = s.case(utc("2025-03-10T12:00Z"), violation_code="PS-JUNK")
        complaint(session, last_year, Channel.PHONE)

    now = utc("2026-03-20T12:00Z")
    found = figures(database_url, "volume", now)
    assert found["all-opened"] == (1, 1) and found["all-opened-ly"] == (1, 1) and found["all-closed"] == (1, 1)
    assert found["channel-portal-opened"] == (1, 1) and found["channel-phone-opened-ly"] == (1, 1)
    assert "channel-phone-opened" in found and found["channel-phone-opened"] == (0, 0)
    assert found["zone-E-opened"] == (1, 1) and found["priority-P1-closed"] == (1, 1)
    assert found["violation-PS-JUNK-opened-ly"] == (1, 1)
    assert found["month-2026-02-opened"] == (1, 1) and found["month-2026-03-opened-ly"] == (1, 1)
    by_portal = figures(database_url, "volume", now, channel="portal")
    assert by_portal["all-opened"] == (1, 1) and by_portal["all-opened-ly"] == (0, 0)
    assert by_portal["month-2026-02-opened"] == (0, 0)


def test_money_recovered_liens_released_and_payments_by_method(database_url: str) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        abated = s.case(utc("2025-12-01T12:00Z"), CaseStage.CLOSED, violation_code="PS-JUNK")
        ledger_line(
            session, abated, "remediation_cost", "900.00", utc("2026-02-10T12:00Z"), due_at=utc("2026-03-10T12:00Z")
        )
        session.add(
            Lien(
                case_number=abated.case_number,
                reference="L-9",
                amount=Decimal("900.00"),
                filed_at=utc("2026-02-25T12:00Z"),
            )
        )
        # On the last evening of February in Riverton (1 March in UTC): February's money.
        ledger_line(session, abated, "payment", "400.00", utc("2026-02-28T23:30-06:00"), description="payment by card")
        ledger_line(session, abated, "payment", "500.00", utc("2026-03-05T12:00Z"), description="payment by cheque")
        abated.closed_at, abated.outcome = utc("2026-03-06T12:00Z"), Outcome.REMEDIATED_BY_CITY
        fined = s.case(utc("2026-02-01T12:00Z"), CaseStage.CLOSED, closed_at=utc("2026-03-07T12:00Z"))
        ledger_line(session, fined, "fine", "100.00", utc("2026-02-03T12:00Z"), due_at=utc("2026-03-03T12:00Z"))
        ledger_line(session, fined, "payment", "100.00", utc("2026-03-02T12:00Z"), description="payment by card")
        session.add(abated)

    found = figures(database_url, "money", utc("2026-04-10T12:00Z"), period="last_month")
    assert found["recovered"] == (Decimal("500.00"), 1)
    assert found["collected"] == (Decimal("600.00"), 2)
    assert found["released"] == (1, 1) and found["released-amounts"] == (Decimal("900.00"), 1)
    assert found["liens"] == (0, 0)
    assert found["method-card"] == (Decimal("100.00"), 1) and found["method-cheque"] == (Decimal("500.00"), 1)
    assert found["cost-per-case-all"] == (Decimal("500.00"), 2)  # 900 and 100 over two cases
    assert found["cost-per-case-PS-JUNK"] == (Decimal("900.00"), 1)
    assert found["outstanding"] == (Decimal("0.00"), 0)
    february = figures(
        database_url, "money", utc("2026-04-10T12:00Z"), period="custom", **{"from": "2026-02-01", "to": "2026-02-28"}
    )
    assert february["recovered"] == (Decimal("400.00"), 1) and february["method-card"] == (Decimal("400.00"), 1)
    assert february["liens"] == (1, 1) and february["released"] == (0, 0)


def test_the_filter_round_trips_through_the_url() -> None:
    wanted = ReportFilter.model_validate({"period": "custom", "from": "2026-03-01", "to": "2026-03-31", "zone": ""})
    assert (wanted.first, wanted.last, wanted.zone) == (date(2026, 3, 1), date(2026, 3, 31), None)
    assert wanted.query_string() == "period=custom&from=2026-03-01&to=2026-03-31"
    preset = ReportFilter.model_validate({"period": "last_month", "from": "2026-03-01", "officer": "4"})
    assert preset.query_string(figure="all-p90") == "period=last_month&officer=4&figure=all-p90"


async def test_finance_reads_the_money_report_and_only_it(console: Api, database_url: str) -> None:
    now = datetime.now(UTC)
    with seeded(database_url) as session:
        s = Seeder(session)
        fined, abated = s.case(now - timedelta(days=60)), s.case(now - timedelta(days=200))

        def account(case: Case, n: int, kind: str, amount: str, days_ago: int, due_in: int | None = None) -> None:
            at = now - timedelta(days=days_ago)
            due = at + timedelta(days=due_in) if due_in is not None else None
            session.add(
                LedgerLine(
                    case_number=case.case_number,
                    event_key=f"k{n}",
                    line=0,
                    entry_type=kind,
                    amount=Decimal(amount),
                    description=kind,
                    due_at=due,
                    recorded_at=at,
                )
            )
            settle(session, [case.case_number])

        account(fined, 1, "fine", "100.00", 5, 30)
        account(fined, 2, "payment", "40.00", 2)
        account(abated, 3, "remediation_cost", "2500.00", 150, 30)  # 120 days past due, before the period
        session.add(Lien(case_number=abated.case_number, reference="L-1", amount=Decimal("2500.00"), filed_at=now))

    today = now.astimezone().date()
    window = f"period=custom&from={today - timedelta(days=20)}&to={today + timedelta(days=1)}"
    await sign_in(console.http, "finance")
    assert [slug for slug in re.findall(r'href="/reports/([\w-]+)', (await console.http.get("/reports")).text)] == [
        "money"
    ]
    page = (await console.http.get(f"/reports/money?{window}")).text
    for shown in ("$100.00", "$40.00", "40.0%", "$2,560.00", "$60.00", "$2,500.00"):
        assert f'class="figure-value">{shown}<' in page, shown
    links = dict(drill_down_links(page))
    assert links[f"/reports/money/cases?{window}&figure=outstanding"] == 2
    assert links[f"/reports/money/cases?{window}&figure=receivable-3"] == 1
    owed = parsed(await console.http.get(f"/reports/money/cases?{window}&figure=receivable-3&format=csv"))
    assert [row["case_number"] for row in owed] == [abated.case_number]
    assert (await console.http.get("/reports/aging")).status_code == 403
    assert (await console.http.get("/reports/first-inspection/cases?figure=all-within&format=csv")).status_code == 403
