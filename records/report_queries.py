"""The reports' facts, read from the case projection and the append-only timeline, filtered as the URL asks.

The filters narrow the cases in SQL (indexed ranges and plain equalities, the same on SQLite and PostgreSQL);
`domain/report_figures.py` turns the facts into figures, so every figure and its drill-down come from one read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import ConfigDict, Field
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.hot_spots import HotSpot, MapCases
from domain.report_figures import (
    Closure,
    FirstInspection,
    LedgerFact,
    LienFact,
    OfficerEvent,
    OpenCase,
    ParcelCase,
    Period,
    Preset,
)
from domain.stages import CaseStage, Channel, Outcome
from records.case_list import BlankIsAny
from records.tables import Case, CaseEvent, Complaint, LedgerLine, Lien, Officer, Parcel

CHUNK = 500  # values per IN list: SQLite allows a bounded number of parameters in one statement
# The events that are a case's first visit; a reinspection always comes after one of them.
FIRST_INSPECTION_EVENTS = ("inspection_violation_found", "inspection_no_violation")


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


def _opening_complaint(case_number: Any) -> Any:
    """The id of the complaint that opened the case: its channel is the case's channel, whatever reports joined it."""
    earlier = aliased(Complaint)
    return select(func.min(earlier.id)).where(earlier.case_number == case_number).scalar_subquery()


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
        where.append(
            col(Case.case_number).in_(
                select(Complaint.case_number).where(
                    Complaint.channel == f.channel, col(Complaint.id) == _opening_complaint(Complaint.case_number)
                )
            )
        )
    return where


def first_inspections(session: Session, f: ReportFilter, period: Period) -> list[FirstInspection]:
    """Cases received in the period, each with its first inspection's server timestamp (or none yet)."""
    first = (
        select(func.min(CaseEvent.occurred_at))
        .where(CaseEvent.case_number == Case.case_number, col(CaseEvent.kind).in_(FIRST_INSPECTION_EVENTS))
        .scalar_subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number, Case.priority, Case.opened_at, Case.response_due_at, first, Case.assigned_officer_id
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
    newest = select(func.max(CaseEvent.occurred_at)).where(CaseEvent.case_number == Case.case_number).scalar_subquery()
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.case_number, Case.opened_at, Case.stage, Case.waiting_on, newest
        ).where(col(Case.stage) != CaseStage.CLOSED, *_conditions(f))
    ).all()
    return [OpenCase(*row) for row in rows]


def ledger(session: Session, f: ReportFilter) -> list[LedgerFact]:
    """Every line of the filtered cases' accounts: what is owed now needs the whole account, not the period's."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(LedgerLine.case_number),
            col(LedgerLine.entry_type),
            col(LedgerLine.amount),
            col(LedgerLine.recorded_at),
            col(LedgerLine.due_at),
        )
        .join(Case, col(Case.case_number) == LedgerLine.case_number)
        .where(*_conditions(f))
    ).all()
    return [LedgerFact(number, kind, amount, recorded, due) for number, kind, amount, recorded, due in rows if recorded]


def liens(session: Session, f: ReportFilter, period: Period) -> list[LienFact]:
    rows = session.exec(
        select(col(Lien.case_number), col(Lien.amount), col(Lien.filed_at))
        .join(Case, col(Case.case_number) == Lien.case_number)
        .where(col(Lien.filed_at) >= period.start, col(Lien.filed_at) < period.end, *_conditions(f))
    ).all()
    return [LienFact(number, amount, filed) for number, amount, filed in rows if filed]


def caseload(session: Session, f: ReportFilter) -> list[tuple[str, int | None]]:
    rows = session.exec(
        select(Case.case_number, Case.assigned_officer_id).where(col(Case.stage) != CaseStage.CLOSED, *_conditions(f))
    ).all()
    return [(number, officer) for number, officer in rows]


def officer_events(session: Session, f: ReportFilter, period: Period, kinds: frozenset[str]) -> list[OfficerEvent]:
    rows = session.exec(
        select(CaseEvent.case_number, Case.assigned_officer_id, CaseEvent.kind, CaseEvent.occurred_at)
        .join(Case, col(Case.case_number) == CaseEvent.case_number)
        .where(
            col(CaseEvent.kind).in_(kinds),
            col(CaseEvent.occurred_at) >= period.start,
            col(CaseEvent.occurred_at) < period.end,
            *_conditions(f),
        )
    ).all()
    return [OfficerEvent(*row) for row in rows]


def officers(session: Session, f: ReportFilter) -> list[tuple[int, str]]:
    wanted = [col(Officer.id) == f.officer] if f.officer is not None else [col(Officer.active).is_(True)]
    rows = session.exec(select(Officer.id, Officer.name).where(*wanted).order_by(col(Officer.name))).all()
    return [(officer_id, name) for officer_id, name in rows if officer_id is not None]


def received_cases(session: Session, f: ReportFilter, period: Period) -> list[ParcelCase]:
    rows = session.exec(
        select(Case.case_number, Case.parcel_id, Case.opened_at).where(
            col(Case.opened_at) >= period.start, col(Case.opened_at) < period.end, *_conditions(f)
        )
    ).all()
    return [ParcelCase(*row) for row in rows]


def parcel_history(session: Session, parcel_ids: set[str], since: datetime, until: datetime) -> list[ParcelCase]:
    """Every case on these properties received in [since, until), whatever the report's filter (a repeat is any
    earlier case on the property)."""
    found: list[ParcelCase] = []
    ordered = sorted(parcel_ids)
    for at in range(0, len(ordered), CHUNK):
        rows = session.exec(
            select(Case.case_number, Case.parcel_id, Case.opened_at).where(
                col(Case.parcel_id).in_(ordered[at : at + CHUNK]),
                col(Case.opened_at) >= since,
                col(Case.opened_at) < until,
            )
        ).all()
        found.extend(ParcelCase(*row) for row in rows)
    return found


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
    for at in range(0, len(case_numbers), CHUNK):
        chunk = case_numbers[at : at + CHUNK]
        rows = session.exec(
            select(  # type: ignore[call-overload]
                Case, Parcel.address, Parcel.zone_code, Complaint.channel, Officer.name
            )
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .outerjoin(Complaint, col(Complaint.id) == _opening_complaint(Case.case_number))
            .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
            .where(col(Case.case_number).in_(chunk))
        )
        for case, address, zone, channel, officer in rows:
            found[case.case_number] = CaseLine(
                case.case_number,
                address,
                zone,
                case.violation_code,
                case.priority,
                channel,
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
