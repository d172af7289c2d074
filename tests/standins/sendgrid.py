"""A loopback stand-in for SendGrid's v3 Mail Send API that the real ``sendgrid`` SDK talks to.

Point the SDK at it with its own ``host`` argument: ``SendGridAPIClient(api_key=..., host=standin.base_url)``
(or ``standin.client()``). ``POST /v3/mail/send`` then behaves as SendGrid's does:

- ``Authorization: Bearer <key>`` must carry the key the stand-in was started with — else 401;
- the body (gzip allowed, as ``Content-Encoding: gzip``) must be JSON that meets the contract in
  ``contracts.mail_send_violations`` — else 400 with ``{"errors": [{"message", "field", "help"}]}``;
- an accepted message answers 202 with an empty body and an ``X-Message-Id`` header, and joins ``sent``;
  with ``mail_settings.sandbox_mode.enable`` it answers 200 and is not sent, as SendGrid's sandbox does.

``fail_next(status, times)`` answers the next requests with an error first (503 for an outage, 429 to
throttle, 400 for a permanent refusal); ``hang_next``/``slow_next`` stop answering or answer late;
``hold_next`` accepts the next message and keeps the answer back until released.

Delivery events: each accepted message is ``processed`` and then ``delivered`` — or ``bounce`` when
``bounce_next`` said so. SendGrid posts such events in batches to the event webhook; the app under test is
in-process (no port to post to), so the test takes the batch with ``signed_events()`` — the raw body and the
headers signed with ``event_signer`` (configure the app with ``event_signer.public_key``) — and posts it itself.
As SendGrid does, each event carries the message's ``custom_args`` as top-level fields (a personalization's own
``custom_args`` override the message's).
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
from typing import Any

from sendgrid import SendGridAPIClient

from tests.standins.contracts import mail_send_violations
from tests.standins.sendgrid_events import EventWebhookSigner, event
from tests.standins.server import RecordedRequest, Request, Response, Standin

MAIL_SEND = "/v3/mail/send"
DEFAULT_API_KEY = "SG.standin-key.abcdefghijklmnopqrstuvwxyz0123456789"

_REASONS = {
    400: "Bad Request",
    401: "authorization required",
    403: "access forbidden",
    404: "not found",
    405: "method not allowed",
    413: "payload too large",
    415: "Content-Type should be application/json.",
    429: "too many requests",
    500: "internal server error",
    503: "service unavailable",
    504: "gateway timeout",
}


def message_id() -> str:
    """An id shaped like SendGrid's ``X-Message-Id`` (22 URL-safe characters)."""
    return secrets.token_urlsafe(17)[:22]


class SendGridStandin(Standin):
    """SendGrid's ``POST /v3/mail/send``, checked against SendGrid's own OpenAPI document."""

    name = "sendgrid"

    def __init__(self, api_key: str = DEFAULT_API_KEY, event_signer: EventWebhookSigner | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.sent: list[dict[str, Any]] = []
        self.event_signer = event_signer or EventWebhookSigner()
        self._events: list[dict[str, Any]] = []
        self._bounces: list[str] = []
        self._sent_lock = threading.Lock()

    def bounce_next(self, reason: str = "550 5.1.1 The email account that you tried to reach does not exist") -> None:
        """The next accepted message is accepted (202, as SendGrid does) and then bounces with ``reason``."""
        with self._sent_lock:
            self._bounces.append(reason)

    def signed_events(self) -> tuple[bytes, dict[str, str]]:
        """The events since the last call, as the signed POST SendGrid's event webhook would make."""
        with self._sent_lock:
            events, self._events = self._events, []
        return self.event_signer.signed_request(events)

    def client(self, api_key: str | None = None) -> SendGridAPIClient:
        """The real SDK client, pointed at this stand-in (with this stand-in's key unless told otherwise)."""
        return SendGridAPIClient(api_key=api_key or self.api_key, host=self.base_url)

    def reset(self) -> None:
        super().reset()
        with self._sent_lock:
            self.sent.clear()
            self._events.clear()
            self._bounces.clear()

    def error_body(self, status: int, message: str | None = None) -> dict[str, Any]:
        return {"errors": [{"message": message or _REASONS.get(status, "error"), "field": None, "help": None}]}

    def handle(self, request: Request, record: RecordedRequest) -> Response:
        if request.path.rstrip("/") != MAIL_SEND:
            return Response.json(404, self.error_body(404))
        if request.method != "POST":
            return Response.json(405, self.error_body(405))
        authorization = request.header("authorization")
        if not authorization:
            return Response.json(401, self.error_body(401))
        if not secrets.compare_digest(authorization.encode(), f"Bearer {self.api_key}".encode()):
            return Response.json(
                401, self.error_body(401, "The provided authorization grant is invalid, expired, or revoked")
            )
        record.authorized = True
        body = request.body
        if request.header("content-encoding").lower() == "gzip":
            body = gzip.decompress(body)
        if request.content_type != "application/json":
            return Response.json(415, self.error_body(415))
        try:
            payload = json.loads(body)
        except ValueError:
            return Response.json(400, self.error_body(400))
        record.parsed = payload
        record.violations = mail_send_violations(payload)
        if record.violations:
            errors = [{"message": v.message, "field": v.field, "help": None} for v in record.violations]
            return Response.json(400, {"errors": errors})
        if (((payload.get("mail_settings") or {}).get("sandbox_mode")) or {}).get("enable") is True:
            return Response(200)
        record.resource_id = message_id()
        with self._sent_lock:
            self.sent.append(payload)
            for personalization in payload["personalizations"]:
                args = {**(payload.get("custom_args") or {}), **(personalization.get("custom_args") or {})}
                for to in personalization["to"]:
                    self._events.append(event("processed", to["email"], record.resource_id, **args))
                    if self._bounces:
                        reason = self._bounces.pop(0)
                        self._events.append(event("bounce", to["email"], record.resource_id, reason=reason, **args))
                    else:
                        self._events.append(event("delivered", to["email"], record.resource_id, **args))
        self.hold_if_asked()
        return Response(202, headers={"X-Message-Id": record.resource_id})
