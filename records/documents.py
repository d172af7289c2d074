"""The letters of a case as stored: one row per document, written once by the activity that rendered it.

The served notices are also on their `case_notices` row; this table lists every letter of the case (notices,
follow-up letters, letters to complainants) with its hash, for the case page and the print queue (which takes
the follow-up letters to the owner from here, and the served notices from their notice).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from records.tables import _utc_column


class CaseDocument(SQLModel, table=True):
    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("case_number", "path", name="uq_case_documents_case_path"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    business_key: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    audience: str = Field(max_length=16)
    # How it reaches its reader: email, mail, posting or personal (a notice's service), or record (kept only).
    delivery: str = Field(max_length=16)
    path: str
    sha256: str = Field(max_length=64)
    size: int
    template: str = Field(max_length=64)
    template_version: str = Field(max_length=64)
    pdf_path: str | None = None
    pdf_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    # An owner's letter to go by post waits in the print queue until staff say it went out.
    mailed_at: datetime | None = _utc_column()
    mailed_by: str | None = Field(default=None, max_length=64)


def audience_of(session: Session, case_number: str, file_name: str) -> str | None:
    """Whom a stored file of the case was written for, by its name (a letter or its PDF); None for a file no
    letter row lists."""
    for document in session.exec(select(CaseDocument).where(CaseDocument.case_number == case_number)):
        if file_name in (PurePosixPath(document.path).name, PurePosixPath(document.pdf_path or "").name):
            return document.audience
    return None
