"""Triage's one read: the parcel and owner of record, the officer who inspects, and the first inspection's due
date, in one session and one local activity (before, three local activities, each a round trip of the case's
workflow task)."""

from __future__ import annotations

from temporalio import activity

from activities.assignment import officer_for
from activities.deadlines import compute_deadline
from activities.property import parcel_facts
from domain.case import AssignmentRequest, TriageFacts, TriageRequest
from records.db import SessionFactory


class TriageActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="read_triage_facts")
    def read_triage_facts(self, request: TriageRequest) -> TriageFacts:
        with self._sessions() as session:
            parcel = parcel_facts(session, request.parcel_id)
            officer = officer_for(session, AssignmentRequest(zone=parcel.zone, specialty=request.specialty))
        return TriageFacts(
            parcel=parcel, officer=officer, first_inspection_due=compute_deadline(request.first_inspection)
        )
