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

from domain.case import FailedService, LetterDocument
from records.tables import CaseNotice, _utc_column


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


def record_pdf(session: Session, case_number: str, letter: str, pdf_sha256: str) -> None:
    """A letter's PDF, made after the letter was issued: its hash goes on the letter's row and on the notice that
    keeps the letter, as served or under a failed service. Set once: the PDF itself never changes.

    The letter's row is locked before the notices are read, and a notice being written reads the hash under a
    share lock (`with_pdf_hash`): whichever commits second sees the other's work, so on PostgreSQL a notice written
    while its PDF is recorded cannot miss the hash."""
    for document in session.exec(
        select(CaseDocument)
        .where(CaseDocument.case_number == case_number, CaseDocument.path == letter)
        .with_for_update()
    ):
        document.pdf_sha256 = document.pdf_sha256 or pdf_sha256
        session.add(document)
    for notice in session.exec(select(CaseNotice).where(CaseNotice.case_number == case_number)):
        if notice.document_path == letter:
            notice.pdf_sha256 = notice.pdf_sha256 or pdf_sha256
        failed = [FailedService.model_validate(f) for f in notice.failed_services]
        if any(f.letter and f.letter.path == letter and not f.letter.pdf_sha256 for f in failed):
            notice.failed_services = [
                f.model_copy(update={"letter": _with_hash(f.letter, letter, pdf_sha256)}).model_dump(mode="json")
                for f in failed
            ]
        session.add(notice)


def _with_hash(kept: LetterDocument | None, letter: str, pdf_sha256: str) -> LetterDocument | None:
    if kept is None or kept.path != letter or kept.pdf_sha256:
        return kept
    return kept.model_copy(update={"pdf_sha256": pdf_sha256})


def with_pdf_hash(session: Session, case_number: str, letter: LetterDocument | None) -> LetterDocument | None:
    """The case's copy of a letter with its PDF's hash, if the PDF was made since the letter was issued (the
    workflow, which does not wait for the PDF, never learns it). Called before the notice's row is touched: the letter's
    row is locked first, as `record_pdf` does, so neither ever waits for the other while holding a notice."""
    if letter is None or letter.pdf_path is None or letter.pdf_sha256:
        return letter
    made = session.exec(
        select(CaseDocument.pdf_sha256)
        .where(CaseDocument.case_number == case_number, CaseDocument.path == letter.path)
        .with_for_update(read=True)
    ).first()
    return _with_hash(letter, letter.path, made) if made else letter
