"""The fast path gives the exact figures, on SQLite and PostgreSQL: every report (under several filters) and the
dashboard's figures, computed by their queries, equal a plain recomputation that reads every case, timeline line,
ledger line and lien and applies each figure's definition in Python, on the made-up cases of `bench/reports.py`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from bench.reports import load
from domain import report_figures as rf
from domain.reports import COMPLIED, FIRST_INSPECTION_EVENTS, INSPECTION_EVENTS, NO_VIOLATION, periods
from domain.stages import CaseStage, Outcome
from records.db import make_engine, session_factory
from records.report_queries import ReportFilter
from records.reports import figures
from records.tables import Case, CaseEvent, Complaint, LedgerLine, Lien, Officer, Parcel
from services.reports import REPORTS, read_report
from tests.test_reports import CALENDAR

NOW = datetime(2026, 3, 20, 17, 0, tzinfo=UTC)  # after the clocks went forward on 8 March
TZ = CALENDAR.timezone
ZONE = ZoneInfo(TZ)
CASES = 600
FIRST_FIGURES = [
    ("first-inspection", "all-median"),
    ("first-inspection", "all-within"),
    ("compliance", "forced-share"),
    ("aging", "stalled"),
    ("reinspections", "on-time"),
    ("reinspections", "late"),
    ("recidivism", "repeat-1y"),
    ("volume", "all-opened-ly"),
    ("volume", "month-2024-04-closed"),
    ("money", "recovered"),
    ("money", "released"),
    ("money", "outstanding"),
    ("money", "receivable-3"),
    ("money", "cost-per-case-all"),
    ("money", "method-card"),
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"period": "last_month"},
    {"period": "last_12_months"},
    {"period": "last_12_months", "zone": "N"},
    {"period": "year_to_date", "channel": "portal"},
    {"period": "last_12_months", "violation": "PS-GRASS", "priority": 3},
    {"period": "custom", "from": "2025-11-01", "to": "2026-03-10"},  # two daylight-saving changes
]


class Everything:
    """Every row the figures come from, read plainly, and each figure's definition applied to them."""

    def __init__(self, session: Session) -> None:
        self.cases = list(session.exec(select(Case)))
        self.zone = dict(session.exec(select(Parcel.parcel_id, Parcel.zone_code)).all())
        self.channel: dict[str, str] = {}
        for number, channel in session.exec(
            select(Complaint.case_number, Complaint.channel).order_by(col(Complaint.id).desc())
        ):
            self.channel[number] = channel  # the first report is read last
        self.events: dict[str, list[CaseEvent]] = defaultdict(list)
        for event in session.exec(select(CaseEvent)):
            self.events[event.case_number].append(event)
        self.ledger = list(session.exec(select(LedgerLine)))
        self.liens = list(session.exec(select(Lien)))
        self.officers = list(session.exec(select(Officer).order_by(col(Officer.name))))

    def kept(self, f: ReportFilter) -> list[Case]:
        def keep(c: Case) -> bool:
            return (
                (not f.zone or self.zone[c.parcel_id] == f.zone)
                and (not f.violation or c.violation_code == f.violation)
                and (f.officer is None or c.assigned_officer_id == f.officer)
                and (f.priority is None or c.priority == f.priority)
                and (f.channel is None or self.channel.get(c.case_number) == f.channel)
            )

        return [c for c in self.cases if keep(c)]

    def at(self, c: Case, kinds: Callable[[CaseEvent], bool]) -> list[datetime]:
        return sorted(e.occurred_at for e in self.events[c.case_number] if e.occurred_at and kinds(e))

    def report(self, slug: str, f: ReportFilter) -> rf.Report:
        period = rf.report_period(f.period, rf.local_today(NOW, TZ), TZ, f.first, f.last)
        cases = self.kept(f)

        def within(at: datetime | None, days: rf.Period = period) -> bool:
            return at is not None and days.start <= at < days.end

        numbers = {c.case_number for c in cases}
        first = [
            rf.FirstInspection(
                c.case_number,
                c.priority,
                c.opened_at,
                c.response_due_at,
                next(iter(self.at(c, lambda e: e.kind in FIRST_INSPECTION_EVENTS)), None),
                c.assigned_officer_id,
            )
            for c in cases
            if within(c.opened_at)
        ]
        open_cases = [c for c in cases if c.stage != CaseStage.CLOSED]
        if slug == "first-inspection":
            return rf.first_inspection_report(first, NOW)
        if slug == "compliance":
            return rf.compliance_report(
                rf.Closure(c.case_number, c.opened_at, c.closed_at, Outcome(c.outcome))
                for c in cases
                if within(c.closed_at) and c.closed_at and c.outcome
            )
        if slug == "aging":
            return rf.aging_report(
                (
                    rf.OpenCase(c.case_number, c.opened_at, c.stage, c.waiting_on, max(self.at(c, bool), default=None))
                    for c in open_cases
                ),
                NOW,
            )
        if slug == "reinspections":
            dues = []
            for c in cases:
                lines = [(e.kind, e.stage, e.occurred_at) for e in self.events[c.case_number] if e.occurred_at]
                for kind, stage, due in lines:
                    falls_due = kind == rf.REINSPECTION_FALLS_DUE or (
                        kind == rf.REINSPECTION_BROUGHT_FORWARD and stage == CaseStage.REINSPECTION_DUE
                    )
                    if falls_due and within(due):
                        done = sorted(at for later, _stage, at in lines if later in rf.REINSPECTION_DONE and at >= due)
                        dues.append(rf.ReinspectionDue(c.case_number, due, done[0] if done else None))
            return rf.reinspections_report(dues, NOW, CALENDAR)
        if slug == "recidivism":
            history = [(c.parcel_id, c.opened_at) for c in self.cases]
            new = [rf.ParcelCase(c.case_number, c.parcel_id, c.opened_at) for c in cases if within(c.opened_at)]
            return rf.recidivism_report(new, history, TZ)
        if slug == "officers":
            # The officer asked for, else every active officer.
            wanted = [o for o in self.officers if (o.id == f.officer if f.officer is not None else o.active)]
            officers = [(o.id, o.name) for o in wanted if o.id is not None]
            kinds = rf.INSPECTION_EVENTS | rf.NOTICE_EVENTS | rf.CLOSURE_EVENTS
            events = [
                rf.OfficerEvent(c.case_number, c.assigned_officer_id, e.kind, e.occurred_at)
                for c in cases
                for e in self.events[c.case_number]
                if e.kind in kinds and e.occurred_at and within(e.occurred_at)
            ]
            load = [(c.case_number, c.assigned_officer_id) for c in open_cases]
            return rf.officers_report(officers, rf.officer_tallies(load, events), first, period)
        if slug == "volume":
            year_before = rf.same_days_last_year(period, TZ)
            in_days = [
                rf.VolumeCase(
                    c.case_number,
                    c.opened_at,
                    c.closed_at,
                    c.violation_code,
                    self.zone[c.parcel_id],
                    self.channel.get(c.case_number),
                    c.priority,
                )
                for c in cases
                if any(within(at, days) for at in (c.opened_at, c.closed_at) for days in (period, year_before))
            ]
            months = rf.trend_months(period, TZ)
            span = rf.local_days(months[0].first, months[-1].last, TZ)
            trend = rf.by_month(
                (rf.Stamped(c.case_number, c.opened_at, c.closed_at) for c in cases),
                TZ,
            )
            shown = {f"{m.first:%Y-%m}" for m in months}
            assert all(within(c.opened_at, span) == (f"{c.opened_at.astimezone(ZONE):%Y-%m}" in shown) for c in cases)
            rows = rf.volume_rows(in_days, period, TZ)
            return rf.volume_report(rows, {k: v for k, v in trend.items() if k[0] in shown}, period, TZ)
        assert slug == "money"
        accounts = [
            rf.LedgerFact(
                line.case_number,
                line.entry_type,
                line.amount,
                line.recorded_at,
                line.due_at,
                rf.payment_method(line.description) if line.entry_type == "payment" else None,
            )
            for line in self.ledger
            if line.case_number in numbers and line.recorded_at
        ]
        liens = [
            rf.LienFact(lien.case_number, lien.amount, lien.filed_at)
            for lien in self.liens
            if lien.case_number in numbers and lien.filed_at
        ]
        charged: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.ledger:
            if line.entry_type in rf.CHARGES:
                charged[line.case_number] += line.amount
        closed = [
            rf.ClosedCaseCharges(c.case_number, c.violation_code, charged[c.case_number])
            for c in cases
            if within(c.closed_at)
        ]
        # Only what the money report needs: the fast path reads the accounts with money moving or owed.
        owed = rf.owing(rf.unpaid_charges(accounts), NOW)
        return rf.money_report(accounts, liens, closed, owed, period)


@pytest.fixture
def made_up(database_url: str) -> str:
    load(make_engine(database_url), CASES, NOW, seed=11)
    return database_url


def test_every_report_by_its_queries_equals_a_plain_recomputation_from_the_timeline(made_up: str) -> None:
    with session_factory(make_engine(made_up))() as session:
        plain = Everything(session)
        officer = plain.officers[0].id
        counted: set[str] = set()
        drilled_into: set[str] = set()
        for wanted in [*FILTERS, {"period": "last_12_months", "officer": officer}]:
            f = ReportFilter.model_validate(wanted)
            for slug, kind in REPORTS.items():
                fast = read_report(session, kind, f, NOW, CALENDAR).report.figures
                expected = plain.report(slug, f).figures
                assert [(x.key, x.value, x.counted) for x in fast] == [(x.key, x.value, x.counted) for x in expected], (
                    slug,
                    wanted,
                )
                listed = {x.key: x.cases for x in expected}
                assert all(x.cases == listed[x.key] for x in fast if x.count is None), (slug, wanted)
                counted |= {f"{slug}/{x.key}" for x in fast if x.counted}
            # A figure counted by the database on the page (a month of the trend, what is owed now, an officer's work) lists exactly
            # its cases when drilled into.
            for slug, key in [
                ("volume", "month-2026-02-opened"),
                ("volume", "month-2025-11-closed-ly"),
                ("volume", "month-2024-06-opened-ly"),
                ("money", rf.OUTSTANDING_KEY),
                *(("money", owed) for owed in rf.RECEIVABLE_KEYS),
                *(("officers", f"officer-{officer}-{key}") for key in ("caseload", "inspections", "closures")),
                *(
                    ("volume", key)
                    for key in ("all-opened", "violation-PS-GRASS-closed-ly", "zone-N-opened", "priority-P2-closed")
                ),
                *(("volume", f"channel-{channel}-opened") for channel in ("portal", "officer")),
            ]:
                drilled = read_report(session, REPORTS[slug], f, NOW, CALENDAR, figure=key).report.figure(key)
                plainly = plain.report(slug, f).figure(key)
                if plainly is None:  # a breakdown's value the filter leaves out: no figure either way
                    assert drilled is None, (key, wanted)
                    continue
                assert drilled is not None
                assert (drilled.count, drilled.cases, drilled.value) == (None, plainly.cases, plainly.value), (
                    key,
                    wanted,
                )
                drilled_into.add(f"{slug}/{key}")
    # The made-up city has something for every figure of every report to count (officers, months and payment
    # methods vary with the data; their first figures do not).
    assert {f"{slug}/{key}" for slug, key in FIRST_FIGURES} <= counted
    assert {
        "volume/zone-N-opened",
        "volume/channel-officer-opened",
        f"officers/officer-{officer}-caseload",
    } <= drilled_into


def test_the_dashboard_figures_by_their_queries_equal_a_plain_recomputation(made_up: str) -> None:
    p = periods(NOW, TZ)
    with session_factory(make_engine(made_up))() as session:
        plain = Everything(session)
        fast = figures(session, p)
    cases = plain.cases

    def opened_before_and_open_at(at: datetime) -> int:
        return sum(1 for c in cases if c.opened_at < at and (c.closed_at is None or c.closed_at >= at))

    def mean_days(start: datetime, end: datetime) -> float | None:
        spans = [rf.days_between(c.opened_at, c.closed_at) for c in cases if c.closed_at and start <= c.closed_at < end]
        return sum(spans) / len(spans) if spans else None

    def visits(start: datetime, end: datetime) -> int:
        return sum(
            1
            for c in cases
            for e in plain.events[c.case_number]
            if e.kind in INSPECTION_EVENTS and e.occurred_at and start <= e.occurred_at < end
        )

    def compliance(start: datetime, end: datetime) -> float | None:
        founded = [
            c.outcome
            for c in cases
            if c.closed_at and start <= c.closed_at < end and c.outcome and c.outcome not in NO_VIOLATION
        ]
        return 100 * sum(o in COMPLIED for o in founded) / len(founded) if founded else None

    expected = [
        (sum(1 for c in cases if c.stage != CaseStage.CLOSED), opened_before_and_open_at(p.this_month)),
        (mean_days(p.this_month, p.now), mean_days(p.last_month, p.this_month)),
        (visits(p.today, p.tomorrow), round(visits(p.last_month, p.this_month) / p.last_month_days, 1)),
        (compliance(p.this_month, p.now), compliance(p.last_month, p.this_month)),
    ]
    assert [f.label for f in fast][:4] == [
        "Open cases",
        "Average days to resolution",
        "Inspections today",
        "Order compliance rate",
    ]
    # The database counts elapsed time to the millisecond (SQLite's julianday): days agree to a millionth.
    assert [(f.now, f.before) for f in fast] == [
        (pytest.approx(now, abs=1e-6), pytest.approx(before, abs=1e-6)) for now, before in expected
    ]
    assert all(value is not None for pair in expected for value in pair)  # every figure has something to compare
