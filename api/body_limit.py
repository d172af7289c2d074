"""Request bodies limited by the bytes that arrive, not by the Content-Length a client declares.

A chunked upload declares no length, so a check of the header alone lets it be read (and spooled to disk by
the form parser) in full. Here the body is counted as the route reads it: past the limit, reading stops and the
route answers 413 in its own shape (the portal's page, Open311's list of errors), having stored nothing.
Starlette's own body limit answers a declared oversize with plain text in place of the route's answer, which is
why the public routes use this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import HTTPException, status
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class BodyLimit:
    prefix: str  # the route family, e.g. "/portal/"
    max_bytes: int
    advice: str  # what to send instead, in words for whoever sent too much


class BodyTooLarge(HTTPException):
    def __init__(self, rule: BodyLimit) -> None:
        size = (
            f"{rule.max_bytes // (1024 * 1024)} MB" if rule.max_bytes >= 1024 * 1024 else f"{rule.max_bytes // 1024} KB"
        )
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"The request is larger than {size}; {rule.advice}.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: Sequence[BodyLimit]) -> None:
        self.app = app
        self.limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = next((r for r in self.limits if scope["type"] == "http" and scope["path"].startswith(r.prefix)), None)
        if rule is None:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def counted() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > rule.max_bytes:
                raise BodyTooLarge(rule)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.max_bytes:
                    raise BodyTooLarge(rule)
            return message

        await self.app(scope, counted, send)
