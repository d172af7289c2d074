"""E-mail through SendGrid's mail API, each message carrying its business key for SendGrid's event webhook."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from python_http_client.exceptions import HTTPError as SendGridHTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Attachment as SendGridAttachment
from sendgrid.helpers.mail import CustomArg, Disposition, FileContent, FileName, FileType, Mail, ReplyTo
from temporalio.exceptions import ApplicationError

from adapters.senders import (
    PROVIDER_TIMEOUT,
    Attachment,
    ProviderDeclined,
    ProviderRejected,
    refuses_credentials,
    refuses_for_good,
)

# A retry that finds an e-mail still "sending" waits this long after the first attempt for SendGrid's event webhook
# to say whether SendGrid accepted it: SendGrid posts events in batches about every 30 seconds and retries a webhook
# that failed, so ten minutes covers an ordinary delay and a short outage of our API. With no word by then, SendGrid
# most likely never took the e-mail and it goes again; a deployment without the webhook configured never hears, so
# there a retry in that window sends once the grace has passed (at least once, not exactly once).
EVENT_GRACE = timedelta(minutes=10)
# The custom argument that carries a message's key to SendGrid and back on each of its events.
MESSAGE_KEY_ARG = "abate_message_key"


class SendGridSender:
    backend = "sendgrid"

    def __init__(
        self,
        api_key: str,
        from_email: str,
        host: str | None = None,
        *,
        timeout: timedelta = PROVIDER_TIMEOUT,
        event_grace: timedelta = EVENT_GRACE,
    ) -> None:
        self._client = SendGridAPIClient(api_key=api_key, **({"host": host} if host else {}))
        # The SDK has no timeout argument; its HTTP client's documented `timeout` applies to every request.
        self._client.client.timeout = timeout.total_seconds()
        self._from = from_email
        self._event_grace = event_grace

    def send(
        self,
        key: str,
        to: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
        reply_to: str | None = None,
    ) -> str:
        mail = Mail(from_email=self._from, to_emails=to, subject=subject, plain_text_content=body)
        mail.custom_arg = CustomArg(MESSAGE_KEY_ARG, key)  # echoed on every event: the webhook finds the row by it
        if reply_to:
            mail.reply_to = ReplyTo(reply_to)
        if attachment is not None:
            name, content = attachment
            mail.attachment = SendGridAttachment(
                FileContent(base64.b64encode(content).decode("ascii")),
                FileName(name),
                FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                Disposition("attachment"),
            )
        try:
            response = self._client.send(mail)
        except SendGridHTTPError as exc:
            words = _words(exc.body) if refuses_credentials(exc.status_code) else None
            if refuses_for_good(exc.status_code):
                raise ProviderRejected(
                    f"SendGrid refused the e-mail ({exc.status_code}): {exc.body!r}", credentials=words
                ) from exc
            raise ProviderDeclined(
                f"SendGrid did not take the e-mail ({exc.status_code}): {exc.body!r}", credentials=words
            ) from exc
        return str(response.headers.get("X-Message-Id", ""))

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Mail send has no lookup (the Email Activity API is a paid add-on outside the mail contract); the event
        webhook's word on the first attempt moves the row on by itself, so until the grace has passed this waits."""
        left = since + self._event_grace - datetime.now(UTC)
        if left > timedelta(0):
            raise ApplicationError(
                "waiting for SendGrid's event webhook to say whether the first attempt was accepted "
                f"(sending again in {int(left.total_seconds())} s if it does not)",
                type="AwaitingProviderEvent",
            )
        return None


def _words(body: bytes | str | None) -> str:
    """SendGrid's error messages (`{"errors": [{"message": …}]}`), else its answer as it came."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        errors = json.loads(text).get("errors", [])
        return "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict)) or text
    except (ValueError, AttributeError):
        return text
