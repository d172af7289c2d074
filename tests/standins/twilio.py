"""A loopback stand-in for Twilio's Messages API that the real ``twilio`` SDK talks to.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` behaves as Twilio's does:

- HTTP Basic auth with the account SID and auth token the stand-in was started with, and the same SID in the
  path — else 401 ``{"code": 20003, "message": "Authenticate", "more_info", "status"}``;
- the form body must meet ``contracts.message_create_violations`` (Twilio's OpenAPI request schema, values
  converted to the declared types, plus ``From``/``MessagingServiceSid`` and ``Body``/``MediaUrl``/``ContentSid``)
  — else 400 in Twilio's error shape with Twilio's code (21604 no ``To``, 21603 no sender, 21602 no body,
  21211/21212 malformed numbers, 21617 body over 1600 characters, 21600 any other parameter);
- an accepted message answers 201 with a Message resource (``sid`` "SM" + 32 hex, ``status`` "queued"), its
  typed parameters join ``sent`` and the resource joins ``messages`` (by sid); ``hold_next()`` keeps the next
  accepted message's answer back until released (a sender killed while Twilio already has its message).

``GET`` on the same path lists the account's messages, newest first, filtered by ``To`` and ``From`` (the query
parameters must be ones the contract declares, else 400 with code 21600).

How the SDK reaches it. ``twilio.rest.Client`` has no base-URL option: every domain hard-codes its host
(``Api`` uses ``https://api.twilio.com``) and ``edge``/``region`` only rewrite that host name. What it does
support is a custom transport — ``Client(..., http_client=...)``, Twilio's documented way to use a proxy or
your own HTTP stack. ``StandinHttpClient`` is the SDK's own ``TwilioHttpClient`` (``requests``) with one change:
a URL on ``api.twilio.com`` (or a regional ``api.<edge>.<region>.twilio.com``) goes to the stand-in instead,
path and query unchanged; any other URL raises, so nothing a test does can reach Twilio.
``AsyncStandinHttpClient`` does the same for ``AsyncTwilioHttpClient`` (``create_async``). The SDK builds,
encodes, authenticates and parses exactly as in production. (Assigning ``client.api.base_url`` also works in
twilio 9.x, but it is an undocumented attribute of a generated class.)

``status_callback_signature`` computes ``X-Twilio-Signature`` the way Twilio signs status callbacks;
``TwilioStandin.status_callback`` builds a signed callback for a message the stand-in accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from adapters.twilio_sms import RehostedTwilioHttpClient, rehosted_twilio_url
from tests.standins.contracts import FORM, TWILIO_ERRORS, message_create_violations, message_list_violations
from tests.standins.server import RecordedRequest, Request, Response, Standin

API_VERSION = "2010-04-01"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")

# Twilio's codes for errors that are not about one parameter.
_ERRORS = {
    400: (21600, "Bad Request"),
    401: (20003, "Authenticate"),
    403: (20403, "Forbidden"),
    404: (20404, "The requested resource was not found"),
    405: (20004, "Method not allowed"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
    504: (20504, "Gateway Timeout"),
}


def new_sid(prefix: str) -> str:
    """A Twilio SID: two letters and 32 lower-case hex digits."""
    return prefix + secrets.token_hex(16)


def error_document(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's error shape: ``{"code", "message", "more_info", "status"}``."""
    return {"code": code, "message": message, "more_info": TWILIO_ERRORS.format(code), "status": status}


def status_callback_signature(auth_token: str, url: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """``X-Twilio-Signature`` for a POST to ``url`` with form ``params``: base64 of HMAC-SHA1, keyed with the
    auth token, over the full URL followed by each parameter's name and value, sorted by name (a repeated
    parameter's values sorted too, duplicates once, as the SDK's ``RequestValidator`` computes it)."""
    data = url
    for name in sorted(params):
        value = params[name]
        for item in sorted({value} if isinstance(value, str) else set(value)):
            data += name + item
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _segments(body: str) -> int:
    if not body:
        return 0
    single, multi = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / multi)


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


# Production's re-hosting transport is the one the tests use: the SDK reaches the stand-in exactly as it
# would reach a proxy, and a URL off Twilio's API host is refused.
standin_url = rehosted_twilio_url
StandinHttpClient = RehostedTwilioHttpClient


class AsyncStandinHttpClient(AsyncTwilioHttpClient):
    """The SDK's ``aiohttp`` transport, sending Twilio's API host to a stand-in (for ``create_async``)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        return await super().request(
            method,
            standin_url(url, self.base_url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


class TwilioStandin(Standin):
    """Twilio's ``POST`` and ``GET /2010-04-01/Accounts/{AccountSid}/Messages.json``, checked against Twilio's
    OpenAPI."""

    name = "twilio"

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        super().__init__()
        self.account_sid = account_sid or new_sid("AC")
        self.auth_token = auth_token or secrets.token_hex(16)
        self.sent: list[dict[str, Any]] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.callback_urls: dict[str, str] = {}  # sid → the StatusCallback the message named
        self._sent_lock = threading.Lock()

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def client(self, *, account_sid: str | None = None, auth_token: str | None = None) -> Client:
        """The real SDK client on this stand-in's transport (with its credentials unless told otherwise)."""
        return Client(
            account_sid or self.account_sid,
            auth_token or self.auth_token,
            http_client=StandinHttpClient(self.base_url),
        )

    def async_client(self, *, account_sid: str | None = None, auth_token: str | None = None) -> Client:
        """As ``client()``, for the SDK's ``*_async`` methods (one aiohttp session per request)."""
        return Client(
            account_sid or self.account_sid,
            auth_token or self.auth_token,
            http_client=AsyncStandinHttpClient(self.base_url, pool_connections=False),
        )

    def reset(self) -> None:
        super().reset()
        with self._sent_lock:
            self.sent.clear()
            self.messages.clear()
            self.callback_urls.clear()

    def error_body(self, status: int, message: str | None = None) -> dict[str, Any]:
        code, default = _ERRORS.get(status, (20000 + status, "Error"))  # Twilio's 20xxx codes mirror HTTP
        return error_document(status, code, message or default)

    def handle(self, request: Request, record: RecordedRequest) -> Response:
        route = _MESSAGES.match(request.path)
        if route is None:
            return Response.json(404, self.error_body(404, f"The requested resource {request.path} was not found"))
        if request.method not in ("POST", "GET"):
            return Response.json(405, self.error_body(405))
        if not self._authorized(request.header("authorization"), route["account"]):
            return Response.json(401, self.error_body(401))
        record.authorized = True
        if request.method == "GET":
            return self._list(request, record)
        # Twilio reads only form bodies; anything else reads as no parameters (and so as no 'To', 21604).
        text = request.body.decode("utf-8") if request.content_type == FORM else ""
        pairs = parse_qsl(text, keep_blank_values=True)
        params, record.violations = message_create_violations(pairs)
        record.parsed = params
        if record.violations:
            first = record.violations[0]
            return Response.json(400, error_document(400, first.code or 21600, first.message))
        message = self._message(params)
        record.resource_id = message["sid"]
        with self._sent_lock:
            self.sent.append(params)
            self.messages[message["sid"]] = message
            if params.get("StatusCallback"):
                self.callback_urls[message["sid"]] = str(params["StatusCallback"])
        self.hold_if_asked()
        return Response.json(201, message)

    def _list(self, request: Request, record: RecordedRequest) -> Response:
        """``GET …/Messages.json``: the account's messages, newest first, filtered by ``To`` and ``From``."""
        pairs = parse_qsl(request.query, keep_blank_values=True)
        record.violations = message_list_violations(pairs)
        if record.violations:
            first = record.violations[0]
            return Response.json(400, error_document(400, first.code or 21600, first.message))
        query = dict(pairs)
        size = int(query.get("PageSize", "50"))
        with self._sent_lock:
            found = [
                m
                for m in reversed(self.messages.values())
                if query.get("To") in (None, m["to"]) and query.get("From") in (None, m["from"])
            ][:size]
        uri = f"{request.path}?{request.query}" if request.query else request.path
        return Response.json(
            200,
            {
                "messages": found,
                "end": max(len(found) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            },
        )

    def _authorized(self, header: str, account: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except ValueError:
            return False
        expected = f"{self.account_sid}:{self.auth_token}".encode()
        return secrets.compare_digest(f"{user}:{password}".encode(), expected) and account == self.account_sid

    def _message(self, params: Mapping[str, Any]) -> dict[str, Any]:
        media = list(params.get("MediaUrl") or [])
        sid = new_sid("MM" if media else "SM")
        now = _rfc2822(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        body = str(params.get("Body") or "")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": params.get("From"),
            "messaging_service_sid": params.get("MessagingServiceSid"),
            "num_media": str(len(media)),
            "num_segments": str(_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "scheduled" if params.get("ScheduleType") == "fixed" else "queued",
            "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
            "to": params["To"],
            "uri": uri,
        }

    def status_callback(
        self, sid: str, status: str, url: str | None = None, *, error_code: int | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The form parameters and headers Twilio would POST to ``url`` (by default the ``StatusCallback`` the
        message named; Twilio posts nothing for a message that named none) when message ``sid`` reaches
        ``status`` (``sent``, ``delivered``, ``undelivered``, ``failed``…), signed with this account's token."""
        message = self.messages[sid]
        if url is None:
            if sid not in self.callback_urls:
                raise LookupError(f"message {sid} named no StatusCallback: Twilio would report its status to nobody")
            url = self.callback_urls[sid]
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message["from"] or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["to"],
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        headers = {
            "Content-Type": FORM,
            "X-Twilio-Signature": status_callback_signature(self.auth_token, url, params),
        }
        return params, headers
