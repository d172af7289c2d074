"""Cases brought in from a legacy export: the link from each legacy number to its case, and the writes that make
a closed legacy case history (case row, complaint, timeline, outcome) and an open one a stored case waiting for
its workflow to start at its step.

Idempotent by the legacy number: a fingerprint of what the export said is kept, so a second run of the same file
finds every case unchanged, and a corrected file rewrites only the cases whose fingerprint moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, delete, func, insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from domain.case_numbers import new_tracking_code
from records.accounts import settle
from records.case_numbers import allocate_case_numbers
from records.tables import Case, CaseEvent, Complainant, Complaint, LedgerLine, Officer, Parcel, _utc_column


class LegacyCaseRecord(SQLModel, table=True):
    __tablename__ = "legacy_cases"

    legacy_case_number: str = Field(primary_key=True, max_length=64)
    case_number: str = Field(foreign_key="cases.case_number", unique=True, index=True, max_length=16)
    fingerprint: str = Field(max_length=64)
    source: str  # the export's file name
    legacy_status: str  # the status text of the legacy system, as it was written
    # The state an open case's workflow starts from (domain.case.CaseState as JSON); None for closed history.
    resume: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The server's clock, kept apart from the legacy dates the case carries.
    imported_at: datetime | None = _utc_column(nullable=False, server_now=True)
    updated_at: datetime | None = _utc_column(nullable=False, server_now=True)


@dataclass(frozen=True)
class KnownLegacyCase:
    case_number: str
    fingerprint: str
    workflow_started: bool


@dataclass(frozen=True)
class TimelineLine:
    key: str
    kind: str
    stage: str
    summary: str
    occurred_at: datetime
    data: dict[str, Any]
    actor: str


@dataclass(frozen=True)
class LedgerFact:
    entry_type: str  # "fine" or "payment"
    amount: Decimal
    description: str


@dataclass
class ImportedCase:
    """Everything the import writes for one legacy case; `case` and `complaint` are their tables' columns."""

    legacy_case_number: str
    fingerprint: str
    source: str
    legacy_status: str
    opened_year: int
    case: dict[str, Any]
    complaint: dict[str, Any]
    complainant_name: str | None
    timeline: list[TimelineLine]
    ledger: list[LedgerFact]
    resume: dict[str, Any] | None
    owner_name: str
    owner_mailing_address: str


LEGACY_LEDGER_KEY = "legacy"
IMPORTED = "imported"  # the kind of the timeline line that says when and from what a case was imported


def known_legacy_cases(session: Session) -> dict[str, KnownLegacyCase]:
    """Every case imported before, by legacy number (a city has at most a few hundred thousand)."""
    rows = session.execute(
        select(
            LegacyCaseRecord.legacy_case_number,
            LegacyCaseRecord.case_number,
            LegacyCaseRecord.fingerprint,
            Case.workflow_started_at,
        ).join(Case, col(Case.case_number) == LegacyCaseRecord.case_number)
    )
    return {
        legacy: KnownLegacyCase(number, fingerprint, started is not None)
        for legacy, number, fingerprint, started in rows
    }


def legacy_case_of(session: Session, case_number: str) -> LegacyCaseRecord | None:
    return session.exec(select(LegacyCaseRecord).where(LegacyCaseRecord.case_number == case_number)).first()


def write_new_cases(session: Session, cases: list[ImportedCase]) -> list[str]:
    """Stores new imported cases in bulk; returns their case numbers, in order."""
    numbers: dict[int, list[str]] = {}
    for year in sorted({c.opened_year for c in cases}):
        numbers[year] = allocate_case_numbers(session, year, sum(1 for c in cases if c.opened_year == year))
    assigned = [numbers[c.opened_year].pop(0) for c in cases]
    session.execute(
        insert(_table(Case)),
        [
            {**c.case, "case_number": n, "tracking_code": new_tracking_code()}
            for n, c in zip(assigned, cases, strict=True)
        ],
    )
    session.execute(
        insert(_table(Complaint)),
        [
            {**c.complaint, "case_number": n, "complainant_id": _complainant(session, c.complainant_name)}
            for n, c in zip(assigned, cases, strict=True)
        ],
    )
    _add_lines(session, list(zip(assigned, cases, strict=True)))
    session.execute(
        insert(_table(LegacyCaseRecord)),
        [
            {
                "legacy_case_number": c.legacy_case_number,
                "case_number": n,
                "fingerprint": c.fingerprint,
                "source": c.source,
                "legacy_status": c.legacy_status,
                "resume": {**c.resume, "case_number": n} if c.resume else None,
            }
            for n, c in zip(assigned, cases, strict=True)
        ],
    )
    _fill_owners(session, cases)
    return assigned


def rewrite_case(session: Session, case_number: str, imported: ImportedCase, correction: TimelineLine) -> None:
    """A corrected export changed this case: its row, complaint, legacy timeline and account follow the export,
    and a timeline line says the import corrected it and what changed."""
    session.execute(
        update(Case).where(col(Case.case_number) == case_number).values(**imported.case, updated_at=func.now())
    )
    complaint = session.exec(
        select(Complaint).where(Complaint.case_number == case_number).order_by(col(Complaint.id))
    ).first()
    if complaint is not None:
        for name, value in imported.complaint.items():
            setattr(complaint, name, value)
        complaint.complainant_id = _complainant(session, imported.complainant_name)
        session.add(complaint)
    session.execute(
        delete(CaseEvent).where(col(CaseEvent.case_number) == case_number, col(CaseEvent.key).startswith("legacy-"))
    )
    session.execute(
        delete(LedgerLine).where(
            col(LedgerLine.case_number) == case_number, col(LedgerLine.event_key) == LEGACY_LEDGER_KEY
        )
    )
    earlier = session.exec(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_number == case_number, col(CaseEvent.kind) == correction.kind)
    ).one()
    numbered = TimelineLine(**{**vars(correction), "key": f"{correction.key}-{earlier + 1}"})
    _add_lines(session, [(case_number, imported)], numbered)
    session.execute(
        update(LegacyCaseRecord)
        .where(col(LegacyCaseRecord.case_number) == case_number)
        .values(
            fingerprint=imported.fingerprint,
            source=imported.source,
            legacy_status=imported.legacy_status,
            resume={**imported.resume, "case_number": case_number} if imported.resume else None,
            updated_at=func.now(),
        )
    )
    _fill_owners(session, [imported])


def _table(model: type[SQLModel]) -> Any:
    """The model's table: Core inserts of many rows at once, without the ORM's bookkeeping per row."""
    return model.__table__  # type: ignore[attr-defined]


def _complainant(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    person = Complainant(name=name)
    session.add(person)
    session.flush()
    return person.id


def _add_lines(session: Session, cases: list[tuple[str, ImportedCase]], correction: TimelineLine | None = None) -> None:
    """The cases' timelines and accounts; a corrected case keeps its "imported" line and gets the correction's."""
    events = [(n, line) for n, c in cases for line in c.timeline if correction is None or line.kind != IMPORTED]
    events += [(n, correction) for n, _ in cases if correction is not None]
    session.execute(
        insert(_table(CaseEvent)),
        [
            {
                "case_number": n,
                "key": line.key,
                "kind": line.kind,
                "stage": line.stage,
                "summary": line.summary,
                "actor": line.actor,
                "data": line.data,
                "occurred_at": line.occurred_at,
            }
            for n, line in events
        ],
    )
    ledger = [
        {
            "case_number": n,
            "event_key": LEGACY_LEDGER_KEY,
            "line": i,
            "entry_type": fact.entry_type,
            "amount": fact.amount,
            "description": fact.description,
        }
        for n, c in cases
        for i, fact in enumerate(c.ledger, start=1)
    ]
    if ledger:
        session.execute(insert(_table(LedgerLine)), ledger)
    settle(session, [n for n, _c in cases])  # a correction may have taken lines away


def _fill_owners(session: Session, cases: list[ImportedCase]) -> None:
    """The legacy file's owner of record goes to the assessment roll only, and only where the roll has none:
    the roll is the city's record of who owns a property now."""
    for c in cases:
        parcel_id = c.case["parcel_id"]
        if c.owner_name:
            session.execute(
                update(Parcel)
                .where(col(Parcel.parcel_id) == parcel_id, col(Parcel.owner_name) == "")
                .values(owner_name=c.owner_name)
            )
        if c.owner_mailing_address:
            session.execute(
                update(Parcel)
                .where(col(Parcel.parcel_id) == parcel_id, col(Parcel.owner_mailing_address) == "")
                .values(owner_mailing_address=c.owner_mailing_address)
            )


def pending_open_imports(session: Session, limit: int) -> list[str]:
    """Imported open cases whose workflow Temporal has not accepted yet, oldest first: what a resumed import starts."""
    return list(
        session.exec(
            select(Case.case_number)
            .join(LegacyCaseRecord, col(LegacyCaseRecord.case_number) == Case.case_number)
            .where(col(LegacyCaseRecord.resume).is_not(None), col(Case.workflow_started_at).is_(None))
            .order_by(col(Case.opened_at), col(Case.case_number))
            .limit(limit)
        )
    )


def roll(session: Session) -> list[Parcel]:
    """The whole assessment roll, which the import matches every legacy case against in memory."""
    return list(session.exec(select(Parcel)))


def officers_by_badge(session: Session) -> dict[str, Officer]:
    return {o.badge: o for o in session.exec(select(Officer))}


def legacy_numbers(session: Session, case_numbers: list[str]) -> dict[str, str]:
    """case number → legacy number, for those of the cases that were imported."""
    if not case_numbers:
        return {}
    rows = session.exec(
        select(LegacyCaseRecord.case_number, LegacyCaseRecord.legacy_case_number).where(
            col(LegacyCaseRecord.case_number).in_(case_numbers)
        )
    )
    return dict(rows.all())


def cases_by_legacy_number(term: str) -> Any:
    """The case numbers whose legacy number is `term` (the case list's search), as a subquery."""
    return select(LegacyCaseRecord.case_number).where(func.upper(LegacyCaseRecord.legacy_case_number) == term.upper())
