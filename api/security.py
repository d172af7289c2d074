"""Bearer tokens (signed JWTs). The user is re-read on every request, so deactivation and role changes bite at once,
and a token names the user's session version, so signing out (which moves the version on) ends it even if copied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from config.settings import Settings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenSubject:
    username: str
    session_version: int


def create_access_token(settings: Settings, username: str, session_version: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": username,
        "sv": session_version,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def token_subject(settings: Settings, token: str) -> TokenSubject | None:
    try:
        claims = jwt.decode(token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    subject, version = claims.get("sub"), claims.get("sv")
    if not isinstance(subject, str) or not isinstance(version, int):
        return None
    return TokenSubject(subject, version)


OWNER_AUDIENCE = "owner-portal"
OWNER_SESSION_MINUTES = 60


def create_owner_token(settings: Settings, case_number: str) -> str:
    """The owner page's session: one case, one hour; an audience of its own, so it is never a staff token."""
    now = datetime.now(UTC)
    claims = {
        "sub": case_number,
        "aud": OWNER_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=OWNER_SESSION_MINUTES),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def owner_token_case(settings: Settings, token: str) -> str | None:
    try:
        claims = jwt.decode(
            token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM], audience=OWNER_AUDIENCE
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
