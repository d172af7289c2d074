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
    return ParcelFacts(
        parcel_id=parcel.parcel_id,
        address=parcel.address,
        zone=parcel.zone_code,
        land_use=parcel.land_use,
        lat=parcel.lat,
        lon=parcel.lon,
        owner_name=parcel.owner_name,
        owner_mailing_address=parcel.owner_mailing_address,
        owner_email=parcel.owner_email,
        owner_phone=parcel.owner_phone,
    )


class PropertyActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="lookup_parcel")
    def lookup_parcel(self, parcel_id: str) -> ParcelFacts:
        with self._sessions() as session:
            return parcel_facts(session, parcel_id)
