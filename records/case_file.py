"""The case file: everything on record about one case, read in one place for the API's case detail and the console's
case page, so the two never disagree about what a case holds or in which order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from records.documents import CaseDocument
from records.tables import Case, CaseEvent, CaseNotice, Hearing, LedgerLine, Officer, Parcel


@dataclass(frozen=True)
class CaseFile:
    case: Case
    parcel: Parcel
    officer: Officer | None
    timeline: list[CaseEvent]  # in the order written
    notices: list[CaseNotice]  # by notice number
    documents: list[CaseDocument]
    ledger: list[LedgerLine]  # the account, fines and costs in the order posted
    hearings: list[Hearing]


def read_case_file(session: Session, case_number: str) -> CaseFile | None:
    case = session.get(Case, case_number)
    if case is None:
        return None
    parcel = session.get(Parcel, case.parcel_id)
    assert parcel is not None  # a foreign key
    return CaseFile(
        case=case,
        parcel=parcel,
        officer=session.get(Officer, case.assigned_officer_id) if case.assigned_officer_id else None,
        timeline=list(
            session.exec(select(CaseEvent).where(CaseEvent.case_number == case_number).order_by(col(CaseEvent.id)))
        ),
        notices=list(
            session.exec(select(CaseNotice).where(CaseNotice.case_number == case_number).order_by(col(CaseNotice.seq)))
        ),
        documents=list(
            session.exec(
                select(CaseDocument).where(CaseDocument.case_number == case_number).order_by(col(CaseDocument.id))
            )
        ),
        ledger=list(
            session.exec(select(LedgerLine).where(LedgerLine.case_number == case_number).order_by(col(LedgerLine.id)))
        ),
        hearings=list(session.exec(select(Hearing).where(Hearing.case_number == case_number))),
    )
