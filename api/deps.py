"""`Annotated` dependencies the routes declare: the context, a session, the signed-in user and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlmodel import Session

from api.security import token_subject
from domain.access import Role
from records.tables import User
from records.users import active_user
from services.context import AppContext

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

# A number in a path names a row (a user, a key, a message, a notice's or fine's sequence): every such column is an
# INTEGER, a signed 32-bit number in PostgreSQL, which refuses to even compare one with a larger number (SQLite's are
# 64-bit, where the driver refuses past 2**63). A larger number names no row: it is refused as input (422) before it
# can become a server error.
LARGEST_ROW_NUMBER = 2**31 - 1
RowNumber = Annotated[int, Path(ge=1, le=LARGEST_ROW_NUMBER)]


class Refusal(BaseModel):
    """A refused request's answer (FastAPI's shape): one sentence for the person refused, naming the rule."""

    detail: str


Answers = dict[int | str, dict[str, Any]]


def refusal(status_code: int, description: str) -> Answers:
    """An answer a router declares once for the OpenAPI document, so that clients see every refusal it gives."""
    return {status_code: {"model": Refusal, "description": description}}


SIGNED_IN = refusal(401, "No bearer token, or one invalid, expired, signed out, or of a deactivated account")
STAFF_ROLE = SIGNED_IN | refusal(403, "The user's role may not do this; the answer names the roles that may")
NOT_FOUND = refusal(404, "No such case, or nothing of that name or number on it")
REFUSED_BY_RULE = refusal(409, "A rule of the process refused it; the answer says which rule and what is allowed")


def get_current_user(context: ContextDep, token: Annotated[str, Depends(oauth2)]) -> User:
    subject = token_subject(context.settings, token)
    # A short-lived session: async routes must not hold a connection while they wait on Temporal.
    with context.sessions() as session:
        user = active_user(session, subject.username, subject.session_version) if subject else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="The token is invalid, expired, signed out, or belongs to a deactivated account; sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require(allowed: frozenset[Role]) -> Callable[[User], User]:
    """A dependency that lets through only users whose role is in `allowed`."""

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            roles = ", ".join(sorted(role.value for role in allowed))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"Your role ({user.role}) may not do this; it needs one of: {roles}.",
            )
        return user

    return check
