"""Who is at the console: the signed-in staff member, the role check every page makes, and CSRF.

The session is the same signed token the API issues, kept in an HttpOnly, SameSite=Strict cookie, and the
user is re-read on every request, so deactivation and role changes bite at once. Forms carry a CSRF token
that must match a second cookie (double submit): a page on another site can neither read nor set it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from api.deps import ContextDep
from api.security import token_subject
from domain.access import Role
from records.tables import User
from records.users import active_user

SESSION_COOKIE = "abate_session"
CSRF_COOKIE = "abate_csrf"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """Raised by a page dependency when nobody is signed in; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageForbidden(Exception):
    """Raised when the signed-in user's role may not open a page or take an action; answered with a 403 page."""

    def __init__(self, user: User, allowed: frozenset[Role]) -> None:
        self.user, self.allowed = user, allowed


class CsrfRejected(Exception):
    """A form without the token this browser was given: another site's form, or a page left open too long."""


def signed_in_user(request: Request, context: ContextDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    subject = token_subject(context.settings, token) if token else None
    if subject is None:
        return None
    with context.sessions() as session:
        return active_user(session, subject.username, subject.session_version)


def sign_in_path(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


def staff(allowed: frozenset[Role]) -> Any:
    """A page dependency (`user: Annotated[User, staff(roles)]`): the signed-in user if their role is in
    `allowed`; otherwise a redirect to sign in, or a 403 page saying which roles may."""

    def check(request: Request, user: Annotated[User | None, Depends(signed_in_user)]) -> User:
        if user is None:
            raise SignInRequired(sign_in_path(request))
        if user.role not in allowed:
            raise PageForbidden(user, allowed)
        return user

    return Depends(check)


def csrf_token(request: Request) -> str:
    """This browser's token (made on its first visit and kept in a cookie that `remember_csrf` sets)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_token", None)
    if token is None:
        token = request.state.new_csrf_token = secrets.token_urlsafe(32)
    return token


def remember_csrf(request: Request, response: Response, *, secure: bool) -> None:
    new = getattr(request.state, "new_csrf_token", None)
    if new is not None and CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", secure=secure)


async def verify_csrf(request: Request) -> None:
    """A dependency for every console POST: the form's token must equal the cookie's."""
    expected = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRejected


CsrfChecked = Depends(verify_csrf)
