"""The reports' facts, read from the case projection and the append-only timeline, filtered as the URL asks.

The filters narrow the cases in SQL (indexed ranges and plain equalities, the same on SQLite and PostgreSQL);
`domain/report_figures.py` turns the facts into figures, so every figure and its drill-down come from one read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pydantic import ConfigDict, Field
from sqlalchemy import case as when
from sqlalchemy import func, literal, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.hot_spots import HotSpot, MapCases
from domain.report_figures import (
    CASELOAD_KEY,
    CHARGES,
    OFFICER_WORK,
    OUTSTANDING_KEY,
    RECEIVABLE_KEYS,
    REINSPECTION_BROUGHT_FORWARD,
    REINSPECTION_DONE,
    REINSPECTION_FALLS_DUE,
    ClosedCaseCharges,
    Closure,
    FirstInspection,
    LedgerFact,
    LienFact,
    OpenCase,
    Owing,
    ParcelCase,
    Period,
    Preset,
    ReinspectionDue,
    Stamped,
    Tally,
    VolumeCount,
)
from domain.stages import OPEN_STAGES, CaseStage, Channel, Outcome
from records.accounts import ledger_fact, receivable_bucket
from records.case_list import BlankIsAny
from records.db import in_chunks
from records.tables import (
    Case,
    CaseEvent,
    LedgerLine,
    Lien,
    Officer,
    Parcel,
    UnpaidCharge,
    UTCDateTime,
)


class ReportFilter(BlankIsAny):
    """What a report is about, as the URL carries it, so a report can be bookmarked and shared; empty means any."""

    model_config = ConfigDict(populate_by_name=True)

    period: Preset = Preset.THIS_MONTH
    first: date | None = Field(default=None, alias="from")
    last: date | None = Field(default=None, alias="to")
    zone: str | None = Field(default=None, max_length=16)
    violation: str | None = Field(default=None, max_length=24)
    officer: int | None = None
    priority: int | None = Field(default=None, ge=1, le=9)
    channel: Channel | None = None

    def query_string(self, **extra: str) -> str:
        """This filter in the URL (custom dates only with the custom period), plus `extra`."""
        values = self.model_dump(by_alias=True, exclude_defaults=True, mode="json")
        if self.period is not Preset.CUSTOM:
            values.pop("from", None)
            values.pop("to", None)
        return urlencode({**values, **extra})


def _line_time(case_number: Any, *where: Any, newest: bool = False) -> Any:
    """When the case's first (or newest) timeline line meeting `where` happened. Ordered and limited rather than
    min() or max(), so the database walks the case's own lines in time (one index) whatever it guesses of them."""
    at = col(CaseEvent.occurred_at)
    return (
        select(at)
        .where(CaseEvent.case_number == case_number, *where)
        .order_by(at.desc() if newest else at)
        .limit(1)
        .scalar_subquery()
    )


def _conditions(f: ReportFilter) -> list[Any]:
    where: list[Any] = []
    if f.zone:
        where.append(col(Case.parcel_id).in_(select(Parcel.parcel_id).where(Parcel.zone_code == f.zone)))
    if f.violation:
        where.append(col(Case.violation_code) == f.violation)
    if f.officer is not None:
        where.append(col(Case.assigned_officer_id) == f.officer)
    if f.priority is not None:
        where.append(col(Case.priority) == f.priority)
    if f.channel is not None:
        where.append(col(Case.channel) == f.channel)
    return where


def first_inspections(session: Session, f: ReportFilter, period: Period) -> list[FirstInspection]:
    """Cases received in the period, each with its first inspection's server timestamp (or none yet)."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number,
            Case.priority,
            Case.opened_at,
            Case.response_due_at,
            Case.first_inspected_at,
            Case.assigned_officer_id,
        ).where(col(Case.opened_at) >= period.start, col(Case.opened_at) < period.end, *_conditions(f))
    ).all()
    return [FirstInspection(*row) for row in rows]


def closures(session: Session, f: ReportFilter, period: Period) -> list[Closure]:
    rows = session.exec(
        select(Case.case_number, Case.opened_at, Case.closed_at, Case.outcome).where(
            col(Case.closed_at) >= period.start, col(Case.closed_at) < period.end, *_conditions(f)
        )
    ).all()
    return [
        Closure(number, opened, closed, Outcome(outcome))
        for number, opened, closed, outcome in rows
        if closed is not None and outcome is not None
    ]


def open_cases(session: Session, f: ReportFilter) -> list[OpenCase]:
    newest = _line_time(Case.case_number, newest=True)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number, Case.opened_at, Case.stage, Case.waiting_on, newest
        ).where(col(Case.stage).in_(OPEN_STAGES), *_conditions(f))
    ).all()
    return [OpenCase(*row) for row in rows]


def _moving(period: Period) -> Any:
    """The cases with a line on their account in the period."""
    return select(LedgerLine.case_number).where(
        col(LedgerLine.recorded_at) >= period.start, col(LedgerLine.recorded_at) < period.end
    )


def ledger(session: Session, f: ReportFilter, period: Period) -> list[LedgerFact]:
    """Every line of the filtered cases' accounts with a line in the period, whole: how a payment of the period
    settled depends on the lines before it. What is owed now comes from `owing`."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(LedgerLine.case_number),
            col(LedgerLine.entry_type),
            col(LedgerLine.amount),
            col(LedgerLine.recorded_at),
            col(LedgerLine.due_at),
            col(LedgerLine.description),
        )
        .join(Case, col(Case.case_number) == LedgerLine.case_number)
        .where(col(LedgerLine.case_number).in_(_moving(period)), *_conditions(f))
        .order_by(col(LedgerLine.id))
    ).all()
    return [ledger_fact(*row) for row in rows if row[3]]


def liens(session: Session, f: ReportFilter, period: Period) -> list[LienFact]:
    """The liens filed in the period, and those filed before its end on a case whose account moved in it: only a
    payment in the period can release one in the period."""
    rows = session.exec(
        select(col(Lien.case_number), col(Lien.amount), col(Lien.filed_at))
        .join(Case, col(Case.case_number) == Lien.case_number)
        .where(
            col(Lien.filed_at) < period.end,
            (col(Lien.filed_at) >= period.start) | col(Lien.case_number).in_(_moving(period)),
            *_conditions(f),
        )
    ).all()
    return [LienFact(number, amount, filed) for number, amount, filed in rows if filed]


def owing(session: Session, f: ReportFilter, now: datetime, listed: str | None) -> dict[str, Owing]:
    """What owners of the filtered cases owe now, in all and by receivable bucket, summed and counted by the
    database from the unpaid charges the record writer keeps; the figure `listed` also lists its cases."""
    kept = (
        [col(UnpaidCharge.case_number).in_(select(Case.case_number).where(*where))] if (where := _conditions(f)) else []
    )
    bucket = receivable_bucket(now)
    summed = func.coalesce(func.sum(UnpaidCharge.owed), 0)
    cases = func.count(func.distinct(UnpaidCharge.case_number))
    total, count = session.exec(select(summed, cases).where(*kept)).one()
    found = {OUTSTANDING_KEY: Owing(_cents(total), count)}
    by_bucket = {
        n: (amount, many)
        for n, amount, many in session.exec(select(bucket, summed, cases).where(*kept).group_by(bucket)).all()
    }
    for n, key in enumerate(RECEIVABLE_KEYS):
        amount, many = by_bucket.get(n, (0, 0))
        found[key] = Owing(_cents(amount), many)
    if listed in found:
        which = [] if listed == OUTSTANDING_KEY else [bucket == RECEIVABLE_KEYS.index(listed)]
        numbers = session.exec(
            select(UnpaidCharge.case_number).where(*kept, *which).distinct().order_by(col(UnpaidCharge.case_number))
        ).all()
        found[listed] = Owing(found[listed].amount, found[listed].count, tuple(numbers))
    return found


def _cents(amount: Decimal | int | float) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def closed_charges(session: Session, f: ReportFilter, period: Period) -> list[ClosedCaseCharges]:
    """The cases closed in the period, each with the fines and abatement costs levied on it (summed in SQL)."""
    charged = (
        select(func.coalesce(func.sum(LedgerLine.amount), 0))
        .where(LedgerLine.case_number == Case.case_number, col(LedgerLine.entry_type).in_(CHARGES))
        .scalar_subquery()
    )
    rows = session.exec(
        select(Case.case_number, Case.violation_code, charged).where(
            col(Case.closed_at) >= period.start, col(Case.closed_at) < period.end, *_conditions(f)
        )
    ).all()
    return [ClosedCaseCharges(number, code, Decimal(amount)) for number, code, amount in rows]


def reinspection_dues(session: Session, f: ReportFilter, period: Period) -> list[ReinspectionDue]:
    """The reinspections that fell due in the period, each with the first reinspection recorded since."""
    done = aliased(CaseEvent)
    at = col(done.occurred_at)
    answered = (
        select(at)
        .where(
            done.case_number == CaseEvent.case_number,
            col(done.kind).in_(REINSPECTION_DONE),
            at >= CaseEvent.occurred_at,
        )
        .order_by(at)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.exec(
        select(CaseEvent.case_number, CaseEvent.occurred_at, answered)
        .join(Case, col(Case.case_number) == CaseEvent.case_number)
        .where(
            (col(CaseEvent.kind) == REINSPECTION_FALLS_DUE)
            | (
                (col(CaseEvent.kind) == REINSPECTION_BROUGHT_FORWARD)
                & (col(CaseEvent.stage) == CaseStage.REINSPECTION_DUE)
            ),
            col(CaseEvent.occurred_at) >= period.start,
            col(CaseEvent.occurred_at) < period.end,
            *_conditions(f),
        )
    ).all()
    return [ReinspectionDue(*row) for row in rows]


def _opened_or_closed_within(spans: Iterable[Period]) -> Any:
    return or_(
        *(
            (col(column) >= span.start) & (col(column) < span.end)
            for span in spans
            for column in (Case.opened_at, Case.closed_at)
        )
    )


def _volume_spans(period: Period, last_year: Period) -> list[tuple[str, Any, Period]]:
    """Each column of the volume report: its name, the instant it counts and the days it counts it in."""
    return [
        (f"{verb}{suffix}", column, span)
        for verb, column in (("opened", col(Case.opened_at)), ("closed", col(Case.closed_at)))
        for suffix, span in (("", period), ("-ly", last_year))
    ]


def volume_counts(session: Session, f: ReportFilter, period: Period, last_year: Period) -> list[VolumeCount]:
    """How many cases were opened and closed in the period and the same days last year, by violation type, zone,
    opening channel and priority together (one grouped count per column; the report adds them up by each)."""
    kinds = (col(Case.violation_code), col(Parcel.zone_code), col(Case.channel), col(Case.priority))
    found: list[VolumeCount] = []
    for name, at, span in _volume_spans(period, last_year):
        rows = session.exec(
            select(*kinds, func.count())  # type: ignore[call-overload]
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .where(at >= span.start, at < span.end, *_conditions(f))
            .group_by(*kinds)
        ).all()
        found += [VolumeCount(name, *row) for row in rows]
    return found


def volume_listed(
    session: Session, f: ReportFilter, period: Period, last_year: Period, row: tuple[str, str], column: str
) -> list[str]:
    """The cases one figure of the volume report counts: a row ("all", or a breakdown and its value) in a column."""
    dimension, value = row
    same: dict[str, Any] = {
        "all": True,
        "violation": col(Case.violation_code) == value,
        "zone": col(Parcel.zone_code) == value,
        "channel": col(Case.channel).is_(None) if value == "unknown" else col(Case.channel) == value,
        "priority": col(Case.priority) == int(value.removeprefix("P") or 0) if value[1:].isdigit() else False,
    }
    at, span = next((at, span) for name, at, span in _volume_spans(period, last_year) if name == column)
    return list(
        session.exec(
            select(Case.case_number)
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .where(same[dimension], at >= span.start, at < span.end, *_conditions(f))
            .order_by(col(Case.case_number))
        ).all()
    )


def stamped_cases(session: Session, f: ReportFilter, span: Period) -> list[Stamped]:
    """The cases opened or closed within the span: only when (a month of the trend, for its drill-down)."""
    rows = session.exec(
        select(Case.case_number, Case.opened_at, Case.closed_at).where(
            _opened_or_closed_within((span,)), *_conditions(f)
        )
    ).all()
    return [Stamped(*row) for row in rows]


def monthly_counts(session: Session, f: ReportFilter, months: list[Period]) -> dict[tuple[str, str], int]:
    """How many cases were opened and closed in each month ("2026-03", "opened"), counted by the database: the
    months are a table of their bounds, and each is one indexed range of the cases (no sort, no per-row CASE)."""
    bounds = union_all(
        *(
            select(
                literal(f"{m.first:%Y-%m}").label("month"),
                literal(m.start, UTCDateTime()).label("starts"),
                literal(m.end, UTCDateTime()).label("ends"),
            )
            for m in months
        )
    ).cte("months")
    counts: dict[tuple[str, str], int] = {}
    for verb, column in (("opened", col(Case.opened_at)), ("closed", col(Case.closed_at))):
        rows = session.exec(
            select(bounds.c.month, func.count())
            .select_from(bounds)
            .join(Case, (column >= bounds.c.starts) & (column < bounds.c.ends))
            .where(*_conditions(f))
            .group_by(bounds.c.month)
        ).all()
        counts.update(((label, verb), n) for label, n in rows)
    return counts


def officer_tallies(
    session: Session, f: ReportFilter, period: Period, listed: tuple[int, str] | None
) -> dict[tuple[int | None, str], Tally]:
    """Each officer's open caseload now and work in the period (the cases assigned to them now), counted by the
    database; the tally `listed` (officer, key) also lists its cases."""
    work = when(*((col(CaseEvent.kind).in_(kinds), key) for key, _what, kinds in OFFICER_WORK))
    kinds = [kind for _key, _what, of_kind in OFFICER_WORK for kind in of_kind]
    in_period = (
        col(CaseEvent.kind).in_(kinds),
        col(CaseEvent.occurred_at) >= period.start,
        col(CaseEvent.occurred_at) < period.end,
    )
    officer = col(Case.assigned_officer_id)
    open_now = col(Case.stage).in_(OPEN_STAGES)
    tallies = {
        (of, CASELOAD_KEY): Tally(n, n)
        for of, n in session.exec(
            select(officer, func.count()).where(open_now, *_conditions(f)).group_by(officer)
        ).all()
    }
    events = (
        select(officer, work, func.count(), func.count(func.distinct(CaseEvent.case_number)))
        .join(Case, col(Case.case_number) == CaseEvent.case_number)
        .where(*in_period, *_conditions(f))
        .group_by(officer, work)
    )
    tallies |= {(of, key): Tally(done, cases) for of, key, done, cases in session.exec(events).all()}
    if listed is not None and listed in tallies:
        of, key = listed
        if key == CASELOAD_KEY:
            numbers = select(Case.case_number).where(open_now, officer == of, *_conditions(f))
        else:
            chosen = next(kinds for k, _what, kinds in OFFICER_WORK if k == key)
            numbers = (
                select(CaseEvent.case_number)
                .join(Case, col(Case.case_number) == CaseEvent.case_number)
                .where(*in_period, col(CaseEvent.kind).in_(chosen), officer == of, *_conditions(f))
            )
        cases = tuple(session.exec(numbers.distinct().order_by(numbers.selected_columns[0])).all())
        tallies[listed] = Tally(tallies[listed].done, tallies[listed].count, cases)
    return tallies


def officers(session: Session, f: ReportFilter) -> list[tuple[int, str]]:
    wanted = [col(Officer.id) == f.officer] if f.officer is not None else [col(Officer.active).is_(True)]
    rows = session.exec(select(Officer.id, Officer.name).where(*wanted).order_by(col(Officer.name))).all()
    return [(officer_id, name) for officer_id, name in rows if officer_id is not None]


def received_cases(session: Session, f: ReportFilter, period: Period) -> list[tuple[ParcelCase, datetime | None]]:
    """The cases received in the period, each with when the latest case before it on the same property was
    received, whatever the report's filter: another case is within a window before it exactly when the latest one
    is. One indexed lookup per new case instead of every case on the properties."""
    earlier = aliased(Case)
    latest = (
        select(earlier.opened_at)
        .where(earlier.parcel_id == Case.parcel_id, col(earlier.opened_at) < Case.opened_at)
        .order_by(col(earlier.opened_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Case.case_number, Case.parcel_id, Case.opened_at, latest).where(
            col(Case.opened_at) >= period.start, col(Case.opened_at) < period.end, *_conditions(f)
        )
    ).all()
    return [(ParcelCase(number, parcel, opened), before) for number, parcel, opened, before in rows]


@dataclass(frozen=True)
class CaseLine:
    """A drill-down row: what identifies the case and where it stands. No owner or complainant."""

    case_number: str
    address: str
    zone: str
    violation_code: str
    priority: int
    channel: str | None
    officer: str | None
    stage: str
    waiting_on: str | None
    received_at: datetime
    closed_at: datetime | None
    outcome: str | None


def case_lines(session: Session, case_numbers: tuple[str, ...]) -> list[CaseLine]:
    """The counted cases, in the figure's own order."""
    found: dict[str, CaseLine] = {}
    for chunk in in_chunks(case_numbers):
        rows = session.exec(
            select(Case, Parcel.address, Parcel.zone_code, Officer.name)
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
            .where(col(Case.case_number).in_(chunk))
        )
        for case, address, zone, officer in rows:
            found[case.case_number] = CaseLine(
                case.case_number,
                address,
                zone,
                case.violation_code,
                case.priority,
                case.channel,
                officer,
                case.stage,
                case.waiting_on,
                case.opened_at,
                case.closed_at,
                case.outcome,
            )
    return [found[number] for number in case_numbers if number in found]


class MapFilter(ReportFilter):
    """The report filter, and which cases the hot-spot map shows."""

    cases: MapCases = MapCases.OPEN


def hot_spots(session: Session, f: MapFilter, period: Period) -> list[HotSpot]:
    """The map's cases at their parcels' coordinates: the case and the property only, never the complaint."""
    which = (
        col(Case.stage) != CaseStage.CLOSED
        if f.cases is MapCases.OPEN
        else (col(Case.opened_at) >= period.start) & (col(Case.opened_at) < period.end)
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number, Parcel.lat, Parcel.lon, Parcel.address, Case.violation_code, Case.stage, Case.opened_at
        )
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(which, *_conditions(f))
        .order_by(col(Case.case_number))
    ).all()
    return [
        HotSpot(number, lat, lon, address, violation, CaseStage(stage).label, opened)
        for number, lat, lon, address, violation, stage, opened in rows
    ]


def received_by_violation(session: Session, f: ReportFilter, period: Period) -> list[tuple[str, int]]:
    """Cases received in the period, counted by violation type."""
    rows = session.exec(
        select(Case.violation_code, func.count())
        .where(col(Case.opened_at) >= period.start, col(Case.opened_at) < period.end, *_conditions(f))
        .group_by(col(Case.violation_code))
    ).all()
    return [(code, count) for code, count in rows]
