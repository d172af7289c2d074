"""Parcel and owner of record from the assessment roll."""

from __future__ import annotations

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.case import ParcelFacts
from records.db import SessionFactory
from records.tables import Parcel


def parcel_facts(session: Session, parcel_id: str) -> ParcelFacts:
    parcel = session.get(Parcel, parcel_id)
    if parcel is None:
        # Intake only accepts parcels on the roll, so this is a data error no retry can mend.
        raise ApplicationError(f"parcel {parcel_id} is not on the assessment roll", non_retryable=True)
    return parcel.facts()


class PropertyActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="lookup_parcel")
    def lookup_parcel(self, parcel_id: str) -> ParcelFacts:
        with self._sessions() as session:
            return parcel_facts(session, parcel_id)
