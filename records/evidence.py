"""Evidence kept on a case: photos and files, each stored once under its sha256 and never replaced.

Uploads arrive with a person's request (an officer in the field, a resident, an owner), so they are stored
by the API before any workflow hears of them (services/evidence.py), like the complaint itself; the workflow
then only carries the evidence ids. The file lives at `<document store>/<case>/evidence/<sha256><ext>`: the same
bytes uploaded twice are one file and one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from domain.evidence import KEEPS_POSITION
from records.tables import Case, _utc_column

MAX_NAME_LENGTH = 255


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("case_number", "sha256", name="uq_evidence_case_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    sha256: str = Field(max_length=64)
    media_type: str = Field(max_length=64)
    size: int
    path: str  # relative to the document store
    original_name: str = Field(max_length=MAX_NAME_LENGTH)  # as sent; shown escaped, never used as a path
    source: str = Field(max_length=32)
    # Internal evidence (an officer's photos of a neighbour's yard, say) is never shown on public pages.
    internal: bool = True
    caption: str | None = Field(default=None, max_length=500)
    taken_at: datetime | None = _utc_column()
    # Which witness gave taken_at (domain/evidence.py CaptureTimeSource); none when the capture time is unknown.
    taken_at_source: str | None = Field(default=None, max_length=16)
    latitude: float | None = None
    longitude: float | None = None
    uploaded_by: str = Field(max_length=64)  # a username, or "public" / "owner"
    uploaded_at: datetime | None = _utc_column(nullable=False, server_now=True)


def evidence_of(session: Session, case_number: str, *, public_only: bool = False) -> list[Evidence]:
    query = select(Evidence).where(Evidence.case_number == case_number)
    if public_only:
        query = query.where(col(Evidence.internal).is_(False))
    return list(session.exec(query.order_by(col(Evidence.uploaded_at), col(Evidence.id))))


def prior_field_evidence(session: Session, parcel_id: str, other_than: str, limit: int) -> list[Evidence]:
    """Officers' photos and videos of the same property from its other cases, newest first, to look at before a
    visit: the property as it looked, not what a resident or an owner sent."""
    query = (
        select(Evidence)
        .join(Case, col(Case.case_number) == col(Evidence.case_number))
        .where(
            Case.parcel_id == parcel_id,
            Case.case_number != other_than,
            col(Evidence.source).in_([s.value for s in KEEPS_POSITION]),
            col(Evidence.media_type).startswith("image/") | col(Evidence.media_type).startswith("video/"),
        )
        .order_by(col(Evidence.uploaded_at).desc(), col(Evidence.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
