"""Writes a case's projection, timeline and records together, so a list never disagrees with a timeline.

Idempotent by the timeline key: a retried activity (or a replayed workflow) writes nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio import activity

from domain.case import (
    AlertEntry,
    CaseEventRecord,
    CourtDateEntry,
    HearingEntry,
    LedgerEntry,
    LienEntry,
    MoneyEntry,
    NoticeEntry,
    TimelineEntry,
    Transition,
)
from domain.reports import FIRST_INSPECTION_EVENTS
from records.accounts import settle
from records.case_facts import note_first_inspections
from records.db import SessionFactory, transaction
from records.documents import with_pdf_hash
from records.notifications import file_alert
from records.tables import Alert, Case, CaseEvent, CaseNotice, CourtAppearance, Hearing, LedgerLine, Lien


class RecordsActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="record_transition")
    def record_transition(self, transition: Transition) -> None:
        projection = transition.projection
        with transaction(self._sessions) as session:
            case = session.get(Case, projection.case_number, with_for_update=True)
            if case is None:
                raise RuntimeError(f"case {projection.case_number} has no record yet")
            if not _append_event(session, projection.case_number, transition.event):
                return
            for field, value in projection.model_dump(exclude={"case_number"}).items():
                setattr(case, field, value)
            case.updated_at = datetime.now(UTC)
            session.add(case)
            _write_entries(session, projection.case_number, transition.event, transition.entries)

    @activity.defn(name="record_event")
    def record_event(self, record: CaseEventRecord) -> None:
        with transaction(self._sessions) as session:
            if _append_event(session, record.case_number, record.event):
                _write_entries(session, record.case_number, record.event, record.entries)


def _append_event(session: Session, case_number: str, entry: TimelineEntry) -> bool:
    """Adds the timeline line; False if it is already there (this write happened before)."""
    exists = session.exec(
        select(CaseEvent.id).where(CaseEvent.case_number == case_number, CaseEvent.key == entry.key)
    ).first()
    if exists is not None:
        return False
    session.add(
        CaseEvent(
            case_number=case_number,
            key=entry.key,
            kind=entry.kind,
            stage=entry.stage,
            summary=entry.summary,
            actor=entry.actor,
            data=entry.data,
        )
    )
    if entry.kind in FIRST_INSPECTION_EVENTS:
        note_first_inspections(session, [case_number])  # the reports read it on the case
    return True


def _write_entries(session: Session, case_number: str, event: TimelineEntry, entries: list[LedgerEntry]) -> None:
    event_key = event.key
    for line, entry in enumerate(entries, start=1):
        match entry:
            case NoticeEntry():
                letter = with_pdf_hash(session, case_number, entry.letter)
                failed = [
                    f.model_copy(update={"letter": with_pdf_hash(session, case_number, f.letter)}).model_dump(
                        mode="json"
                    )
                    for f in entry.failed_services
                ]
                notice = session.exec(
                    select(CaseNotice).where(CaseNotice.case_number == case_number, CaseNotice.seq == entry.seq)
                ).first() or CaseNotice(
                    case_number=case_number,
                    seq=entry.seq,
                    notice_type=entry.notice_type,
                    title=entry.title,
                    issued_at=entry.issued_at,
                )
                for field in (
                    "created_by",
                    "served_at",
                    "service_method",
                    "appeal_deadline",
                    "served_by",
                    "tracking_number",
                    "posting_evidence_id",
                    "awaiting_service_by",
                ):
                    setattr(notice, field, getattr(entry, field))
                notice.keep_letter(letter)
                notice.failed_services = failed
                session.add(notice)
            case MoneyEntry():
                session.add(
                    LedgerLine(
                        case_number=case_number,
                        event_key=event_key,
                        line=line,
                        entry_type=entry.entry_type,
                        amount=entry.amount,
                        description=entry.description,
                        due_at=entry.due_at,
                        reference=entry.reference,
                    )
                )
            case LienEntry(released=True):
                lien = session.exec(select(Lien).where(Lien.reference == entry.reference)).one()
                lien.released_at = lien.released_at or datetime.now(UTC)
                session.add(lien)
            case LienEntry():
                session.add(Lien(case_number=case_number, reference=entry.reference, amount=entry.amount))
            case AlertEntry():
                alert = Alert(
                    key=f"{case_number}:{event_key}:{line}",
                    case_number=case_number,
                    audience=entry.audience,
                    kind=event.kind,
                    message=entry.message,
                )
                file_alert(session, alert, stage=event.stage)
            case CourtDateEntry():
                session.add(
                    CourtAppearance(
                        case_number=case_number,
                        key=entry.key,
                        at=entry.at,
                        title=entry.title,
                        purpose=entry.purpose,
                        location=entry.location,
                    )
                )
            case HearingEntry():
                hearing = session.get(Hearing, entry.workflow_id) or Hearing(
                    workflow_id=entry.workflow_id, case_number=case_number, kind=entry.hearing_kind
                )
                if entry.scheduled_for is not None:
                    hearing.scheduled_for, hearing.location = entry.scheduled_for, entry.location
                if entry.decision is not None:
                    hearing.decision = entry.decision
                session.add(hearing)
    if any(isinstance(entry, MoneyEntry) for entry in entries):
        settle(session, [case_number])  # what the account owes now, in the transaction that added its lines
