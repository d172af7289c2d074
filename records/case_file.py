"""The case file: everything on record about one case, read in one place for the API's case detail and the console's
case page, so the two never disagree about what a case holds or in which order.

A reader whose role may not see complainants (`SEE_COMPLAINANT`) gets the file with every complainant's name,
e-mail and phone taken out of the complaints' descriptions and the timeline (an officer's findings and notes are
typed freely and may name the neighbour who called), by the same rule as the owner's letters, and without the
position of a resident's photo (it may have been taken from their home)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from domain.evidence import KEEPS_POSITION, EvidenceSource
from domain.privacy import Identity, withhold_identities
from records.db import one_snapshot
from records.documents import CaseDocument
from records.evidence import Evidence, evidence_of
from records.legacy_cases import LegacyCaseRecord, legacy_case_of
from records.tables import (
    Case,
    CaseEvent,
    CaseNotice,
    Complainant,
    Complaint,
    Hearing,
    LedgerLine,
    Officer,
    Parcel,
)


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
    complaints: list[Complaint]  # in the order received
    evidence: list[Evidence]  # in the order uploaded
    legacy: LegacyCaseRecord | None = None  # the legacy case it was imported from


def read_case_file(session: Session, case_number: str, *, withhold_complainants: bool) -> CaseFile | None:
    one_snapshot(session)
    case = session.get(Case, case_number)
    if case is None:
        return None
    complaints = list(
        session.exec(select(Complaint).where(Complaint.case_number == case_number).order_by(col(Complaint.id)))
    )
    timeline = list(
        session.exec(select(CaseEvent).where(CaseEvent.case_number == case_number).order_by(col(CaseEvent.id)))
    )
    evidence = evidence_of(session, case_number)
    if withhold_complainants:
        people = complainants_of(session, [case_number]).get(case_number, [])
        complaints = [
            Complaint(**{**c.model_dump(), "description": withhold_identities(c.description, people)})
            for c in complaints
        ]
        timeline = [_withheld_event(event, people) for event in timeline]
        # What came with an e-mail from anyone but the owner may be a complainant's own (domain/communications.py).
        evidence = [
            _withheld_evidence(item, people) for item in evidence if item.source != EvidenceSource.CORRESPONDENCE
        ]
    parcel = session.get(Parcel, case.parcel_id)
    assert parcel is not None  # a foreign key
    return CaseFile(
        case=case,
        parcel=parcel,
        officer=session.get(Officer, case.assigned_officer_id) if case.assigned_officer_id else None,
        timeline=timeline,
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
        complaints=complaints,
        evidence=evidence,
        legacy=legacy_case_of(session, case_number),
    )


def complainants_of(session: Session, case_numbers: Iterable[str]) -> dict[str, list[Identity]]:
    """Who reported each of these cases, as the redaction needs them."""
    rows = session.exec(
        select(Complaint.case_number, Complainant)
        .join(Complainant, col(Complaint.complainant_id) == Complainant.id)
        .where(col(Complaint.case_number).in_(list(case_numbers)))
    )
    people: dict[str, list[Identity]] = {}
    for number, person in rows:
        people.setdefault(number, []).append(Identity(name=person.name, email=person.email, phone=person.phone))
    return people


def withheld_timeline(session: Session, events: list[CaseEvent]) -> list[CaseEvent]:
    """Timeline lines of any cases (the dashboard's recent activity) with their complainants taken out."""
    people = complainants_of(session, {event.case_number for event in events})
    return [_withheld_event(event, people.get(event.case_number, [])) for event in events]


def _withheld_evidence(item: Evidence, people: list[Identity]) -> Evidence:
    """A resident's photo may be taken from their home, and its file name may be theirs: the position is shown only
    for an officer's own photos, and the name with the complainants taken out."""
    keeps_position = EvidenceSource(item.source) in KEEPS_POSITION
    return Evidence(
        **{
            **item.model_dump(),
            "original_name": withhold_identities(item.original_name, people),
            "latitude": item.latitude if keeps_position else None,
            "longitude": item.longitude if keeps_position else None,
        }
    )


def _withheld_event(event: CaseEvent, people: list[Identity]) -> CaseEvent:
    """A copy, never the row itself, so nothing redacted can be written back."""

    def withheld(value: Any) -> Any:
        if isinstance(value, str):
            return withhold_identities(value, people)
        if isinstance(value, dict):
            return {key: withheld(item) for key, item in value.items()}
        if isinstance(value, list):
            return [withheld(item) for item in value]
        return value

    return CaseEvent(**{**event.model_dump(), "summary": withheld(event.summary), "data": withheld(event.data)})
