"""Administrators issue and revoke the API keys 311 apps post requests with (`/api/v1/admin/open311-keys`).

A new key is shown once, in the answer that creates it; the list shows each key's first characters only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import NOT_FOUND, STAFF_ROLE, ContextDep, RowNumber, require
from domain.access import MANAGE_OPEN311_KEYS
from records.db import transaction
from records.open311 import Open311Key, create_key, list_keys, revoke_key
from records.tables import User

router = APIRouter(prefix="/api/v1/admin/open311-keys", tags=["open311 keys"], responses=STAFF_ROLE)
Admin = Annotated[User, Depends(require(MANAGE_OPEN311_KEYS))]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=120, description="the app or organisation the key is for")


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    hint: str = Field(description="the key's first characters")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    key: str = Field(description="the key itself: shown this once, never stored")


@router.post("", status_code=status.HTTP_201_CREATED)
def issue_key(body: KeyCreate, context: ContextDep, admin: Admin) -> KeyCreated:
    with transaction(context.sessions) as session:
        row, plain = create_key(session, body.name, admin.id)
        session.flush()
        session.refresh(row)
        return KeyCreated(**KeyPublic.model_validate(row).model_dump(), key=plain)


@router.get("")
def get_keys(context: ContextDep, _admin: Admin) -> list[KeyPublic]:
    with context.sessions() as session:
        return [KeyPublic.model_validate(row) for row in list_keys(session)]


@router.post("/{key_id}/revoke", responses=NOT_FOUND)
def revoke(key_id: RowNumber, context: ContextDep, _admin: Admin) -> KeyPublic:
    with transaction(context.sessions) as session:
        row: Open311Key | None = revoke_key(session, key_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No Open311 key {key_id}.")
        session.flush()
        return KeyPublic.model_validate(row)
