"""Who is asking on the public portal: a browser's visit, named by a signed cookie, and its connection's address.

Many residents may share one address (a library's, city hall's, a phone carrier's), so the portal's rate limits
count per visit, and per address only at a ceiling far above one person's use. The cookie is signed with the
secret key: a script cannot invent visits, only ask for them, and a request that comes without one (a browser's
first, or every request of a script that keeps no cookie) is also counted against its address, as one person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VISIT_COOKIE = "abate_visit"
PORTAL_PREFIX = "/portal"


def _signature(secret: str, visit: str) -> str:
    return hmac.new(secret.encode(), f"portal-visit:{visit}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_visit(secret: str, visit: str) -> str:
    return f"{visit}.{_signature(secret, visit)}"


def visit_of_cookie(secret: str, cookie: str) -> str | None:
    visit, _, signature = cookie.partition(".")
    return visit if visit and hmac.compare_digest(signature, _signature(secret, visit)) else None


class VisitMiddleware:
    """Gives each browser on the portal a visit (a session cookie) and tells the routes which visit asks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PORTAL_PREFIX):
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.context.settings
        secret = settings.secret_key.get_secret_value()
        cookie = cookie_parser(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")).get(VISIT_COOKIE, "")
        visit = visit_of_cookie(secret, cookie)
        state = scope.setdefault("state", {})
        state["visit"], state["new_visit"] = visit or secrets.token_urlsafe(16), visit is None
        if visit is not None:
            await self.app(scope, receive, send)
            return
        attributes = "; Path=/portal; HttpOnly; SameSite=Lax" + ("" if settings.is_dev else "; Secure")

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = signed_visit(secret, state["visit"])
                MutableHeaders(scope=message).append("set-cookie", f"{VISIT_COOKIE}={value}{attributes}")
            await send(message)

        await self.app(scope, receive, with_cookie)


def address_of(request: Request) -> str:
    """The connection's address (uvicorn with --proxy-headers behind a trusted proxy makes it the resident's)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Visitor:
    visit: str
    new: bool  # the request came without a visit
    address: str


def visitor_of(request: Request) -> Visitor:
    """Who asks; off the portal, where no visit is given, every request is a new visit of its address."""
    visit: str | None = getattr(request.state, "visit", None)
    return Visitor(visit or "", visit is None or bool(request.state.new_visit), address_of(request))
