"""The council reports as stored: one PDF per period, written once with its sha256 and listed for download later.

A council report is what the council was shown: asked for again, the period's stored file is served, not a new
render with today's numbers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, select

from records.tables import _utc_column


class CouncilReport(SQLModel, table=True):
    __tablename__ = "council_reports"
    __table_args__ = (UniqueConstraint("period_first", "period_last", name="uq_council_reports_period"),)

    id: int | None = Field(default=None, primary_key=True)
    period_first: date = Field(sa_column=Column(Date(), nullable=False))
    period_last: date = Field(sa_column=Column(Date(), nullable=False))
    path: str  # relative to the document store
    sha256: str = Field(max_length=64)
    size: int
    created_by: str = Field(max_length=64)
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)


def council_report_for(session: Session, first: date, last: date) -> CouncilReport | None:
    return session.exec(
        select(CouncilReport).where(CouncilReport.period_first == first, CouncilReport.period_last == last)
    ).first()


def council_reports(session: Session) -> list[CouncilReport]:
    """Every stored council report, the latest period first."""
    return list(
        session.exec(
            select(CouncilReport).order_by(col(CouncilReport.period_last).desc(), col(CouncilReport.period_first))
        ).all()
    )
