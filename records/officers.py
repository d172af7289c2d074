"""Officers, the zones they cover and their specialties, as the admin keeps them; assignment reads the same rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, delete, select

from records.tables import Officer, OfficerSpecialty, OfficerZone, User, Zone


class OfficerError(ValueError):
    """A change that cannot be made (a badge already in use); the message says why."""


@dataclass
class OfficerEntry:
    officer: Officer
    zones: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    username: str | None = None


def officers(session: Session) -> list[OfficerEntry]:
    zones: dict[int, list[str]] = defaultdict(list)
    for link in session.exec(select(OfficerZone).order_by(col(OfficerZone.zone_code))):
        zones[link.officer_id].append(link.zone_code)
    specialties: dict[int, list[str]] = defaultdict(list)
    for skill in session.exec(select(OfficerSpecialty).order_by(col(OfficerSpecialty.specialty))):
        specialties[skill.officer_id].append(skill.specialty)
    rows = session.exec(
        select(Officer, User.username)
        .outerjoin(User, col(User.id) == Officer.user_id)
        .order_by(col(Officer.active).desc(), col(Officer.badge))
    )
    return [
        OfficerEntry(officer, zones[officer.id or 0], specialties[officer.id or 0], username)
        for officer, username in rows
    ]


@dataclass(frozen=True)
class OfficerChange:
    badge: str
    name: str
    email: str | None
    phone: str | None
    user_id: int | None
    active: bool
    zones: list[str]
    specialties: list[str]


def save_officer(session: Session, officer_id: int | None, change: OfficerChange) -> Officer:
    """Creates or updates an officer with exactly these zones and specialties (new cases are assigned by them)."""
    taken = session.exec(select(Officer.id).where(Officer.badge == change.badge)).first()
    if taken is not None and taken != officer_id:
        raise OfficerError(f"badge {change.badge} belongs to another officer")
    unknown = [z for z in change.zones if session.get(Zone, z) is None]
    if unknown:
        raise OfficerError(f"zone {unknown[0]} does not exist")
    officer = (
        session.get(Officer, officer_id) if officer_id is not None else Officer(badge=change.badge, name=change.name)
    )
    if officer is None:
        raise OfficerError(f"no officer {officer_id}")
    officer.badge, officer.name, officer.email, officer.phone = change.badge, change.name, change.email, change.phone
    officer.user_id, officer.active = change.user_id, change.active
    session.add(officer)
    session.flush()
    assert officer.id is not None
    session.exec(delete(OfficerZone).where(col(OfficerZone.officer_id) == officer.id))
    session.exec(delete(OfficerSpecialty).where(col(OfficerSpecialty.officer_id) == officer.id))
    session.add_all(OfficerZone(officer_id=officer.id, zone_code=z) for z in sorted(set(change.zones)))
    session.add_all(OfficerSpecialty(officer_id=officer.id, specialty=s) for s in sorted(set(change.specialties)))
    session.commit()
    return officer


def zones(session: Session) -> list[Zone]:
    return list(session.exec(select(Zone).order_by(col(Zone.code))))


def save_zone(session: Session, code: str, name: str, description: str) -> Zone:
    zone = session.get(Zone, code) or Zone(code=code, name=name)
    zone.name, zone.description = name, description
    session.add(zone)
    session.commit()
    return zone
