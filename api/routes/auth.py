from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import ContextDep, SessionDep, refusal
from api.schemas import Token
from api.security import create_access_token
from records.users import authenticate

router = APIRouter(
    prefix="/api/v1/auth",
    tags=["auth"],
    responses=refusal(401, "Wrong username or password, or the account is deactivated or locked"),
)


@router.post("/token")
def issue_token(
    context: ContextDep, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password, or the account is deactivated or locked after repeated failures.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(context.settings, user.username, user.session_version))
