"""Loads the demo city (zones, parcels, officers, demo staff) from `config/demo_city/`.

Idempotent: rows already present are left as they are, so a restart keeps what staff changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, select

from domain.access import Role
from domain.addresses import address_key
from domain.messages import MessageChannel
from records.tables import Officer, OfficerSpecialty, OfficerZone, Parcel, User, Zone
from records.users import hash_password

DEMO_PASSWORD = "demo"  # noqa: S105 - loaded only in dev mode, and printed by scripts/dev


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def load_demo_city(session: Session, directory: Path, *, with_demo_users: bool) -> None:
    for row in _rows(directory / "zones.csv"):
        if session.get(Zone, row["code"]) is None:
            session.add(Zone(code=row["code"], name=row["name"], description=row["description"]))
    session.flush()

    known_parcels = set(session.exec(select(Parcel.parcel_id)))
    for row in _rows(directory / "parcels.csv"):
        if row["parcel_id"] in known_parcels:
            continue
        session.add(
            Parcel(
                parcel_id=row["parcel_id"],
                address=row["address"],
                address_key=address_key(row["address"]),
                zone_code=row["zone_code"],
                land_use=row["land_use"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                owner_name=row["owner_name"],
                owner_mailing_address=row["owner_mailing_address"],
                owner_email=row["owner_email"] or None,
                owner_phone=row["owner_phone"] or None,
                # Rolls without the column (or a blank) leave it to e-mail, else SMS.
                owner_preferred_channel=MessageChannel(row["owner_preferred_channel"]).value
                if row.get("owner_preferred_channel")
                else None,
            )
        )
    session.flush()

    users: dict[str, User] = {}
    if with_demo_users:
        for row in _rows(directory / "users.csv"):
            user = session.exec(select(User).where(User.username == row["username"])).first()
            if user is None:
                user = User(
                    username=row["username"],
                    full_name=row["full_name"],
                    email=row["email"] or None,
                    phone=row.get("phone") or None,
                    role=Role(row["role"]),
                    password_hash=hash_password(DEMO_PASSWORD),
                )
                session.add(user)
            users[user.username] = user
        session.flush()

    for row in _rows(directory / "officers.csv"):
        if session.exec(select(Officer).where(Officer.badge == row["badge"])).first() is not None:
            continue
        linked = users.get(row["username"]) if row["username"] else None
        officer = Officer(
            badge=row["badge"],
            name=row["name"],
            email=row["email"] or None,
            phone=row["phone"] or None,
            user_id=linked.id if linked else None,
        )
        session.add(officer)
        session.flush()
        assert officer.id is not None
        session.add_all(OfficerZone(officer_id=officer.id, zone_code=zone) for zone in _split(row["zones"]))
        session.add_all(
            OfficerSpecialty(officer_id=officer.id, specialty=specialty) for specialty in _split(row["specialties"])
        )
    session.flush()
