"""`Annotated` dependencies the routes declare: the context, a session, the signed-in user and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
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

# A number in a path names a row (a user, a key, a message, a notice's or fine's sequence): the database keeps it in a
# signed 64-bit integer and its driver refuses to even ask about a larger one, so such a number is refused as input
# (422) before it can become a server error.
RowNumber = Annotated[int, Path(ge=1, le=2**63 - 1)]


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
