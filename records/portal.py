"""Tables of the resident and owner portal: owner access codes (hashes only) and what owners send through it.

An owner request is kept as sent, before the case hears of it: it is the city's record of what the owner
asked and when, and its id is the business key of the confirmation message (sent once).
"""

from __future__ import annotations

import hmac
from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from domain.owner_access import code_digest
from domain.policy import Policy
from domain.public_case import (
    PUBLIC_STAGES,
    PublicCaseView,
    local_date,
    next_milestone,
    public_outcome,
    public_steps,
)
from domain.stages import CaseStage
from records.intake import search_parcels
from records.tables import Case, CaseEvent, CaseNotice, LedgerLine, Parcel, _utc_column


class OwnerAccessCode(SQLModel, table=True):
    """The sha256 of a code printed on a served letter; any code printed for a case opens its owner page."""

    __tablename__ = "owner_access_codes"

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    letter: str = Field(max_length=64, description="the letter's business key (notice-1)")
    code_sha256: str = Field(unique=True, max_length=64)
    issued_at: datetime | None = _utc_column(nullable=False, server_now=True)


class OwnerRequest(SQLModel, table=True):
    __tablename__ = "owner_requests"

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    kind: str = Field(max_length=24)
    text: str
    days: int | None = None
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    delivered: bool = False
    submitted_at: datetime | None = _utc_column(nullable=False, server_now=True)


# --- Queries ---------------------------------------------------------------------------------------------


def case_by_tracking_code(session: Session, tracking_code: str) -> Case | None:
    return session.exec(select(Case).where(Case.tracking_code == tracking_code.strip().upper())).first()


def cases_at_addresses(session: Session, text: str, limit: int) -> list[tuple[Case, Parcel]]:
    """Cases on the parcels whose address matches what was typed, newest first (the public search)."""
    parcels = search_parcels(session, text, limit)
    if not parcels:
        return []
    query = (
        select(Case, Parcel)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(col(Case.parcel_id).in_([p.parcel_id for p in parcels]))
        .order_by(col(Case.opened_at).desc())
        .limit(limit)
    )
    return [(case, parcel) for case, parcel in session.exec(query)]


def public_timeline(session: Session, case_number: str, zone: str) -> list[tuple[str, date]]:
    """The kinds and local dates of a case's timeline lines; the summaries (staff's words) are not read."""
    rows = session.exec(
        select(CaseEvent.kind, CaseEvent.occurred_at)
        .where(CaseEvent.case_number == case_number)
        .order_by(col(CaseEvent.id))
    )
    return [(kind, on) for kind, at in rows if (on := local_date(at, zone)) is not None]


def record_access_code(session: Session, case_number: str, letter: str, code: str) -> None:
    """Remembers a printed code by its hash; a retried letter finds its row already there."""
    digest = code_digest(code)
    if session.exec(select(OwnerAccessCode).where(OwnerAccessCode.code_sha256 == digest)).first() is None:
        session.add(OwnerAccessCode(case_number=case_number, letter=letter, code_sha256=digest))


def access_code_opens(session: Session, case_number: str, typed_code: str) -> bool:
    row = session.exec(select(OwnerAccessCode).where(OwnerAccessCode.code_sha256 == code_digest(typed_code))).first()
    return row is not None and hmac.compare_digest(row.case_number, case_number)


def served_notices(session: Session, case_number: str) -> list[CaseNotice]:
    return list(
        session.exec(
            select(CaseNotice)
            .where(CaseNotice.case_number == case_number, col(CaseNotice.served_at).is_not(None))
            .order_by(col(CaseNotice.seq))
        )
    )


def account(session: Session, case_number: str) -> list[LedgerLine]:
    return list(
        session.exec(select(LedgerLine).where(LedgerLine.case_number == case_number).order_by(col(LedgerLine.id)))
    )


def owner_requests(session: Session, case_number: str) -> list[OwnerRequest]:
    return list(
        session.exec(select(OwnerRequest).where(OwnerRequest.case_number == case_number).order_by(col(OwnerRequest.id)))
    )


def public_case_view(session: Session, case: Case, policy: Policy) -> PublicCaseView:
    zone = policy.calendar.timezone
    parcel = session.get(Parcel, case.parcel_id)
    violation = policy.violation(case.violation_code)
    stage = CaseStage(case.stage)
    opened_on = local_date(case.opened_at, zone)
    assert parcel is not None and opened_on is not None  # a foreign key; a required column
    return PublicCaseView(
        case_number=case.case_number,
        tracking_code=case.tracking_code,
        violation=violation.title if violation else case.violation_code,
        address=parcel.address,
        opened_on=opened_on,
        stage=PUBLIC_STAGES[stage],
        milestone=next_milestone(
            stage,
            inspection_due=local_date(case.response_due_at, zone),
            compliance_deadline=local_date(case.compliance_deadline, zone),
        ),
        outcome=public_outcome(case.outcome),
        steps=public_steps(public_timeline(session, case.case_number, zone)),
    )
