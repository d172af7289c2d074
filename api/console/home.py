"""Signing in and out of the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.pages import render
from api.console.session import SESSION_COOKIE, CsrfChecked, signed_in_user
from api.deps import ContextDep, SessionDep
from api.security import create_access_token
from records.users import authenticate, end_sessions

router = APIRouter(include_in_schema=False)
# One answer for every refusal: it must not tell an attacker which usernames exist or which are locked.
SIGN_IN_REFUSED = (
    "Incorrect username or password, or the account is locked after repeated failures "
    "(wait 15 minutes or ask an administrator)."
)


def safe_next(path: str | None) -> str:
    """Only a path on this site: `next=//evil.example` must not turn sign-in into an open redirect."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, context: ContextDep, next: str | None = None) -> Response:
    user = signed_in_user(request, context)
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "console/login.html", None, {"next_path": safe_next(next)})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = authenticate(session, username, password)
    if user is None:
        values = {"next_path": safe_next(next), "error": SIGN_IN_REFUSED}
        return render(request, "console/login.html", None, values, status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        create_access_token(context.settings, user.username, user.session_version),
        httponly=True,
        samesite="strict",
        secure=not context.settings.is_dev,
        max_age=context.settings.access_token_minutes * 60,
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, context: ContextDep) -> Response:
    """Deleting the cookie is not enough: a copy of it (a shared computer, a stolen cookie) must stop working too."""
    user = signed_in_user(request, context)
    if user is not None:
        with context.sessions() as session:
            end_sessions(session, user)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    return response
