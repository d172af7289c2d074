"""The print queue: notice letters served by mail that are still waiting to go into the post."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

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
