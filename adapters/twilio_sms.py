"""SMS through Twilio's REST API, with delivery reports posted back to our webhook."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client as TwilioClient

from adapters.senders import (
    PROVIDER_TIMEOUT,
    Attachment,
    ProviderDeclined,
    ProviderRejected,
    refuses_credentials,
    refuses_for_good,
)
from config.settings import Settings

# How far back, and how far off Twilio's clock may be, when a retry looks for an earlier attempt's message.
SENT_LOOKUP_PAGE = 50
CLOCK_SKEW = timedelta(minutes=5)

_TWILIO_API_HOST = re.compile(r"^api(\.[a-z0-9-]+){0,2}\.twilio\.com$")


def rehosted_twilio_url(url: str, base_url: str) -> str:
    """``url`` on Twilio's REST API host (or a regional one), moved to ``base_url``; anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not _TWILIO_API_HOST.match(parts.hostname or ""):
        raise ValueError(f"only Twilio's API host is re-hosted; refusing to send {url!r} anywhere")
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class RehostedTwilioHttpClient(TwilioHttpClient):
    """The SDK's own transport, sending api.twilio.com requests to another host (a proxy, or a test stand-in).

    ``twilio.rest.Client`` has no base-URL option; a custom ``http_client`` is its documented hook.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        return super().request(method, rehosted_twilio_url(url, self.base_url), *args, **kwargs)


class TwilioSender:
    backend = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str | None = None,
        *,
        status_callback: str | None = None,
        timeout: timedelta = PROVIDER_TIMEOUT,
    ) -> None:
        seconds = timeout.total_seconds()
        http = RehostedTwilioHttpClient(base_url, timeout=seconds) if base_url else TwilioHttpClient(timeout=seconds)
        self._client = TwilioClient(account_sid, auth_token, http_client=http)
        self._from = from_number
        # Twilio reports delivery only to a URL named on each message; without it an SMS stays "sent" forever.
        self._status_callback = status_callback

    def send(
        self,
        key: str,
        to: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
        reply_to: str | None = None,
    ) -> str:
        callback = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=to, from_=self._from, body=body, **callback)
        except TwilioRestException as exc:
            words = f"error {exc.code}: {exc.msg}" if refuses_credentials(exc.status) else None
            if refuses_for_good(exc.status):
                raise ProviderRejected(
                    f"Twilio refused the SMS ({exc.status}, error {exc.code}): {exc.msg}", credentials=words
                ) from exc
            raise ProviderDeclined(
                f"Twilio did not take the SMS ({exc.status}, error {exc.code}): {exc.msg}", credentials=words
            ) from exc
        return str(message.sid)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Newest first: an attempt that reached Twilio is among the latest messages to that number."""
        try:
            recent = self._client.messages.list(
                to=to, from_=self._from, page_size=SENT_LOOKUP_PAGE, limit=SENT_LOOKUP_PAGE
            )
        except TwilioRestException as exc:
            if refuses_for_good(exc.status):
                raise ProviderRejected(
                    f"Twilio refused the message lookup ({exc.status}, error {exc.code}): {exc.msg}"
                ) from exc
            raise
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= since - CLOCK_SKEW):
                return str(message.sid)
        return None


def twilio_status_callback_url(settings: Settings) -> str:
    """Where Twilio posts each SMS's delivery status, and so the URL its signature covers."""
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio"


def twilio_signature_refusal(settings: Settings, url: str, params: dict[str, Any], signature: str) -> str | None:
    """Why a post claiming to be Twilio's is refused (None: Twilio signed it, for `url`, the address Twilio was
    given, not the one a proxy forwards to us)."""
    token = settings.twilio_auth_token
    if token is None:
        return "Twilio webhooks are not configured (TWILIO_AUTH_TOKEN)."
    if not signature or not RequestValidator(token.get_secret_value()).validate(url, params, signature):
        return "The signature does not match the request."
    return None


def twilio_sms_url(settings: Settings) -> str:
    """Where Twilio posts the texts residents send the city's number (the number's messaging webhook)."""
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio/sms"
