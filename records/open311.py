"""Open311 GeoReport v2: the keys 311 apps post with, what each app submitted, and the queries that read requests.

A key is shown once when it is made and stored only as its SHA-256: keys are 192 random bits, so a fast hash
is as safe as a slow one and lets a request find its key by an indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from records.tables import Case, Parcel, _utc_column

KEY_PREFIX = "o311_"


class Open311Key(SQLModel, table=True):
    __tablename__ = "open311_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, description="the app or organisation the key was given to")
    key_hash: str = Field(unique=True, max_length=64)
    hint: str = Field(max_length=16, description="the key's first characters, to recognise it in a list")
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    last_used_at: datetime | None = _utc_column()
    revoked_at: datetime | None = _utc_column()


class Open311Submission(SQLModel, table=True):
    """One POST of a service request: which key sent it, the answers to the service's questions, its token."""

    __tablename__ = "open311_submissions"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=32)
    key_id: int = Field(foreign_key="open311_keys.id", index=True)
    complaint_id: int = Field(foreign_key="complaints.id", unique=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    media_url: str | None = Field(default=None, max_length=2000)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    submitted_at: datetime | None = _utc_column(nullable=False, server_now=True)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, created_by_user_id: int | None) -> tuple[Open311Key, str]:
    """A new key and its plain text, which is never stored and cannot be shown again."""
    plain = KEY_PREFIX + secrets.token_urlsafe(24)
    row = Open311Key(name=name, key_hash=_hash(plain), hint=plain[:10], created_by_user_id=created_by_user_id)
    session.add(row)
    session.flush()
    return row, plain


def list_keys(session: Session) -> list[Open311Key]:
    return list(session.exec(select(Open311Key).order_by(col(Open311Key.id))))


def revoke_key(session: Session, key_id: int) -> Open311Key | None:
    row = session.get(Open311Key, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
    return row


def active_key(session: Session, plain: str) -> Open311Key | None:
    row = session.exec(select(Open311Key).where(Open311Key.key_hash == _hash(plain))).first()
    return row if row is not None and row.revoked_at is None else None


def new_token() -> str:
    return secrets.token_hex(16)


def case_of_token(session: Session, token: str) -> str | None:
    return session.exec(select(Open311Submission.case_number).where(Open311Submission.token == token)).first()


@dataclass(frozen=True)
class RequestFilter:
    """What GET requests asks for; ids override everything else, as the specification says."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    opened_from: datetime | None = None
    opened_until: datetime | None = None
    closed: bool | None = None
    limit: int = 1000


def service_requests(session: Session, wanted: RequestFilter) -> list[tuple[Case, Parcel]]:
    """Cases with their parcels, newest first."""
    query = select(Case, Parcel).where(Case.parcel_id == Parcel.parcel_id)
    if wanted.ids:
        query = query.where(col(Case.case_number).in_(wanted.ids))
    else:
        if wanted.service_codes:
            query = query.where(col(Case.violation_code).in_(wanted.service_codes))
        if wanted.opened_from is not None:
            query = query.where(col(Case.opened_at) >= wanted.opened_from)
        if wanted.opened_until is not None:
            query = query.where(col(Case.opened_at) <= wanted.opened_until)
        if wanted.closed is not None:
            closed_at = col(Case.closed_at)
            query = query.where(closed_at.is_not(None) if wanted.closed else closed_at.is_(None))
    rows = session.exec(query.order_by(col(Case.opened_at).desc()).limit(wanted.limit))
    return [(case, parcel) for case, parcel in rows]


def media_urls(session: Session, case_numbers: list[str]) -> dict[str, str]:
    """The first photo link a 311 app sent for each case, if any."""
    rows = session.exec(
        select(Open311Submission.case_number, Open311Submission.media_url)
        .where(col(Open311Submission.case_number).in_(case_numbers), col(Open311Submission.media_url).is_not(None))
        .order_by(col(Open311Submission.id))
    )
    found: dict[str, str] = {}
    for case_number, url in rows:
        if url:
            found.setdefault(case_number, url)
    return found
