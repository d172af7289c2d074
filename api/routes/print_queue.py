"""The print queue (`/api/v1/print-queue`): letters to the owner that staff still have to print and mail.

Recording service by mail (`record_service`, method mail, with the certified/registered mail number when the
policy asks for one) renders the letter dated the day of mailing and starts its clocks; the letter then waits
here, with its envelope address and a download of its PDF (or the .docx when there is no PDF), until staff
mark it mailed. The owner's letters at later steps (reinspection, extension, hearing, lien, closure…) wait here
the same way when the roll has no e-mail for the owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlmodel import select

from api.deps import NOT_FOUND, STAFF_ROLE, RowNumber, SessionDep, require
from api.schemas import document_url
from domain.access import PRINT_QUEUE
from domain.notices import LETTER_TITLES, LetterKind
from records.documents import CaseDocument
from records.print_queue import (
    follow_up_letter,
    follow_up_letters_to_mail,
    letters_to_mail,
    mark_letter_mailed,
    mark_mailed,
)
from records.tables import Case, CaseNotice, Parcel, User

router = APIRouter(prefix="/api/v1/print-queue", tags=["print queue"], responses=STAFF_ROLE)


class LetterToMail(BaseModel):
    case_number: str
    letter: str = Field(description="the step that wrote it: notice-1 for a served notice, letter-4 for a later one")
    kind: str = Field(description="the notice type of a served notice, or the kind of a later letter")
    seq: int | None = Field(description="the notice's number, for a served notice")
    title: str
    served_at: datetime | None
    appeal_deadline: datetime | None
    tracking_number: str | None
    owner_name: str
    mailing_address: str
    download_url: str
    download_format: str
    pdf_unavailable_reason: str | None
    mailed_at: datetime | None
    mailed_by: str | None

    @classmethod
    def of(cls, notice: CaseNotice, parcel: Parcel) -> LetterToMail:
        path = notice.pdf_path or notice.document_path
        assert path is not None  # the queue holds letters only
        return cls(
            case_number=notice.case_number,
            letter=f"notice-{notice.seq}",
            kind=notice.notice_type,
            seq=notice.seq,
            title=notice.title,
            served_at=notice.served_at,
            appeal_deadline=notice.appeal_deadline,
            tracking_number=notice.tracking_number,
            owner_name=parcel.owner_name,
            mailing_address=parcel.owner_mailing_address,
            download_url=str(document_url(path)),
            download_format="pdf" if notice.pdf_path else "docx",
            pdf_unavailable_reason=None if notice.pdf_path else notice.pdf_unavailable_reason,
            mailed_at=notice.mailed_at,
            mailed_by=notice.mailed_by,
        )

    @classmethod
    def of_letter(cls, letter: CaseDocument, parcel: Parcel) -> LetterToMail:
        return cls(
            case_number=letter.case_number,
            letter=letter.business_key,
            kind=letter.kind,
            seq=None,
            title=LETTER_TITLES[LetterKind(letter.kind)],
            served_at=None,
            appeal_deadline=None,
            tracking_number=None,
            owner_name=parcel.owner_name,
            mailing_address=parcel.owner_mailing_address,
            download_url=str(document_url(letter.pdf_path or letter.path)),
            download_format="pdf" if letter.pdf_path else "docx",
            pdf_unavailable_reason=None if letter.pdf_path else "no PDF was made beside this letter",
            mailed_at=letter.mailed_at,
            mailed_by=letter.mailed_by,
        )


@router.get("")
def print_queue(session: SessionDep, _user: Annotated[User, Depends(require(PRINT_QUEUE))]) -> list[LetterToMail]:
    """Served notices first (their appeal clocks run from the date they state), then the later letters."""
    notices = [LetterToMail.of(notice, parcel) for notice, parcel in letters_to_mail(session)]
    return notices + [LetterToMail.of_letter(letter, parcel) for letter, parcel in follow_up_letters_to_mail(session)]


@router.post("/{case_number}/notices/{seq}/mailed", responses=NOT_FOUND)
def letter_mailed(
    case_number: str, seq: RowNumber, session: SessionDep, user: Annotated[User, Depends(require(PRINT_QUEUE))]
) -> LetterToMail:
    """Idempotent: marking a mailed letter again changes nothing and answers what was recorded."""
    notice = session.exec(
        select(CaseNotice).where(CaseNotice.case_number == case_number, CaseNotice.seq == seq)
    ).first()
    if notice is None or notice.service_method != "mail" or notice.document_path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Case {case_number} has no notice {seq} served by mail.")
    if notice.mailed_at is None:
        mark_mailed(session, notice, user.username, f"{user.username} ({user.role})")
        session.commit()
        session.refresh(notice)
    return LetterToMail.of(notice, _owner_of(session, case_number))


@router.post("/{case_number}/letters/{letter}/mailed", responses=NOT_FOUND)
def follow_up_letter_mailed(
    case_number: str, letter: str, session: SessionDep, user: Annotated[User, Depends(require(PRINT_QUEUE))]
) -> LetterToMail:
    """A later letter to the owner went into the post. Idempotent, like a notice's."""
    document = follow_up_letter(session, case_number, letter)
    if document is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"Case {case_number} has no letter {letter} to the owner by mail."
        )
    if document.mailed_at is None:
        mark_letter_mailed(session, document, user.username, f"{user.username} ({user.role})")
        session.commit()
        session.refresh(document)
    return LetterToMail.of_letter(document, _owner_of(session, case_number))


def _owner_of(session: SessionDep, case_number: str) -> Parcel:
    """The parcel of a case that has a letter, for the envelope's address."""
    case = session.get(Case, case_number)
    parcel = session.get(Parcel, case.parcel_id) if case else None
    assert parcel is not None  # foreign keys
    return parcel
