"""The print queue: notice letters served by mail, and owner letters that go by post (the roll has no e-mail
for the owner), still waiting to go into the post."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from domain.notices import LETTER_TITLES, SERVED_LETTERS, LetterKind
from records.documents import CaseDocument
from records.tables import Case, CaseEvent, CaseNotice, Parcel


def letters_to_mail(session: Session) -> list[tuple[CaseNotice, Parcel]]:
    """Oldest service first: the appeal clock of a mailed notice runs from the date the letter states."""
    rows = session.exec(
        select(CaseNotice, Parcel)
        .join(Case, col(Case.case_number) == CaseNotice.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(
            CaseNotice.service_method == "mail",
            col(CaseNotice.document_path).is_not(None),
            col(CaseNotice.mailed_at).is_(None),
        )
        .order_by(col(CaseNotice.served_at), col(CaseNotice.case_number), col(CaseNotice.seq))
    )
    return list(rows.all())


def follow_up_letters_to_mail(session: Session) -> list[tuple[CaseDocument, Parcel]]:
    """The owner's letters at later steps (reinspection, extension, hearing, lien, closure…) that go by post,
    oldest first."""
    rows = session.exec(
        select(CaseDocument, Parcel)
        .join(Case, col(Case.case_number) == CaseDocument.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(
            CaseDocument.audience == "owner",
            CaseDocument.delivery == "mail",
            col(CaseDocument.kind).not_in([k.value for k in SERVED_LETTERS]),
            col(CaseDocument.mailed_at).is_(None),
        )
        .order_by(col(CaseDocument.created_at), col(CaseDocument.id))
    )
    return list(rows.all())


def follow_up_letter(session: Session, case_number: str, business_key: str) -> CaseDocument | None:
    """The owner's letter of that step when it goes by post (None otherwise)."""
    return session.exec(
        select(CaseDocument).where(
            CaseDocument.case_number == case_number,
            CaseDocument.business_key == business_key,
            CaseDocument.audience == "owner",
            CaseDocument.delivery == "mail",
            col(CaseDocument.kind).not_in([k.value for k in SERVED_LETTERS]),
        )
    ).first()


def mark_letter_mailed(session: Session, letter: CaseDocument, username: str, actor: str) -> None:
    """Takes the letter off the queue and says so on the case's timeline (once: the event key is the letter's)."""
    case = session.get(Case, letter.case_number)
    assert case is not None  # a foreign key
    letter.mailed_at = datetime.now(UTC)
    letter.mailed_by = username
    session.add(letter)
    session.add(
        CaseEvent(
            case_number=letter.case_number,
            key=f"{letter.business_key}-mailed",
            kind="letter_mailed",
            stage=case.stage,
            summary=f"{LETTER_TITLES[LetterKind(letter.kind)]} put in the mail",
            actor=actor,
            data={"letter": letter.business_key, "kind": letter.kind},
        )
    )


def mark_mailed(session: Session, notice: CaseNotice, username: str, actor: str) -> None:
    """Takes the letter off the queue and says so on the case's timeline (once: the event key is the notice's)."""
    case = session.get(Case, notice.case_number)
    assert case is not None  # a foreign key
    notice.mailed_at = datetime.now(UTC)
    notice.mailed_by = username
    number = f" (mail number {notice.tracking_number})" if notice.tracking_number else ""
    session.add(notice)
    session.add(
        CaseEvent(
            case_number=notice.case_number,
            key=f"notice-{notice.seq}-mailed",
            kind="notice_mailed",
            stage=case.stage,
            summary=f"{notice.title} put in the mail{number}",
            actor=actor,
            data={"seq": notice.seq, "tracking_number": notice.tracking_number},
        )
    )
