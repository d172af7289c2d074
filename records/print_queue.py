"""The print queue: notice letters served by mail, and owner letters that go by post (the roll has no e-mail
for the owner), still waiting to go into the post."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


def _owner_letters_by_post() -> tuple[Any, ...]:
    """The owner's letters at later steps that go by post (a served notice waits on its notice instead)."""
    return (
        CaseDocument.audience == "owner",
        CaseDocument.delivery == "mail",
        col(CaseDocument.kind).not_in([k.value for k in SERVED_LETTERS]),
    )


def follow_up_letters_to_mail(session: Session) -> list[tuple[CaseDocument, Parcel]]:
    """The owner's letters at later steps (reinspection, extension, hearing, lien, closure…) still to be posted,
    oldest first."""
    rows = session.exec(
        select(CaseDocument, Parcel)
        .join(Case, col(Case.case_number) == CaseDocument.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .where(*_owner_letters_by_post(), col(CaseDocument.mailed_at).is_(None))
        .order_by(col(CaseDocument.created_at), col(CaseDocument.id))
    )
    return list(rows.all())


def follow_up_letter(session: Session, case_number: str, business_key: str) -> CaseDocument | None:
    """The owner's letter of that step when it goes by post (None otherwise)."""
    return session.exec(
        select(CaseDocument).where(
            CaseDocument.case_number == case_number,
            CaseDocument.business_key == business_key,
            *_owner_letters_by_post(),
        )
    ).first()


def mark_letter_mailed(session: Session, letter: CaseDocument, username: str, actor: str) -> None:
    """Takes the letter off the queue and says so on the case's timeline (once: the event key is the letter's)."""
    letter.mailed_at = datetime.now(UTC)
    letter.mailed_by = username
    session.add(letter)
    summary = f"{LETTER_TITLES[LetterKind(letter.kind)]} put in the mail"
    data = {"letter": letter.business_key, "kind": letter.kind}
    _on_timeline(session, letter.case_number, f"{letter.business_key}-mailed", "letter_mailed", summary, actor, data)


def mark_mailed(session: Session, notice: CaseNotice, username: str, actor: str) -> None:
    """Takes the letter off the queue and says so on the case's timeline (once: the event key is the notice's)."""
    notice.mailed_at = datetime.now(UTC)
    notice.mailed_by = username
    number = f" (mail number {notice.tracking_number})" if notice.tracking_number else ""
    session.add(notice)
    data = {"seq": notice.seq, "tracking_number": notice.tracking_number}
    key = f"notice-{notice.seq}-mailed"
    summary = f"{notice.title} put in the mail{number}"
    _on_timeline(session, notice.case_number, key, "notice_mailed", summary, actor, data)


def _on_timeline(
    session: Session, case_number: str, key: str, kind: str, summary: str, actor: str, data: dict[str, Any]
) -> None:
    case = session.get(Case, case_number)
    assert case is not None  # a foreign key
    session.add(
        CaseEvent(
            case_number=case_number, key=key, kind=kind, stage=case.stage, summary=summary, actor=actor, data=data
        )
    )
