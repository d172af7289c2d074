"""Signed SendGrid event-webhook requests, made the way SendGrid makes them, with a throw-away key pair.

SendGrid signs each event-webhook POST with ECDSA on P-256 over SHA-256 of ``timestamp + raw body``; the
signature (base64 of DER) goes in ``X-Twilio-Email-Event-Webhook-Signature``, the timestamp in
``X-Twilio-Email-Event-Webhook-Timestamp``, and the account's verification key is the base64 of the public key's
DER ``SubjectPublicKeyInfo`` — the string SendGrid's settings page shows and the SDK's
``sendgrid.helpers.eventwebhook.EventWebhook(public_key=...)`` takes.

The crypto library is ``cryptography``, the one the SendGrid SDK's own ``EventWebhook`` verifier uses
(a declared dependency of ``sendgrid``), so signer and verifier share one implementation of the curve.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

SIGNATURE_HEADER: str = EventWebhookHeader.SIGNATURE  # X-Twilio-Email-Event-Webhook-Signature
TIMESTAMP_HEADER: str = EventWebhookHeader.TIMESTAMP  # X-Twilio-Email-Event-Webhook-Timestamp


class EventWebhookSigner:
    """A fresh P-256 key pair that signs event-webhook bodies as SendGrid does."""

    def __init__(self) -> None:
        self._private_key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key(self) -> str:
        """The verification key as SendGrid gives it: base64 of the DER ``SubjectPublicKeyInfo``, one line."""
        der = self._private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def signature(self, body: bytes | str, timestamp: str) -> str:
        """base64(DER(ECDSA-P256-SHA256(timestamp + body)))."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        signed = self._private_key.sign(timestamp.encode("utf-8") + raw, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signed).decode("ascii")

    def headers(self, body: bytes | str, timestamp: str | None = None) -> dict[str, str]:
        """The headers SendGrid sends with ``body``: content type, signature, timestamp (now unless given)."""
        stamp = timestamp if timestamp is not None else str(int(time.time()))
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: self.signature(body, stamp),
            TIMESTAMP_HEADER: stamp,
        }

    def signed_request(
        self, events: Sequence[Mapping[str, Any]], timestamp: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A JSON array of ``events`` as the raw body SendGrid would POST, and its signed headers."""
        body = json.dumps(list(events), separators=(",", ":")).encode("utf-8")
        return body, self.headers(body, timestamp)


def event(kind: str, email: str, message_id: str, *, timestamp: int | None = None, **extra: Any) -> dict[str, Any]:
    """One event as SendGrid reports it: ``kind`` (``processed``, ``delivered``, ``bounce``, ``dropped``,
    ``open``…), the recipient, and ``sg_message_id`` starting with the ``X-Message-Id`` the send answered.
    Custom arguments of the send appear as top-level keys, so pass them in ``extra``."""
    return {
        "email": email,
        "timestamp": timestamp if timestamp is not None else int(time.time()),
        "event": kind,
        "sg_event_id": secrets.token_urlsafe(16),
        "sg_message_id": f"{message_id}.recvd-standin-1-{secrets.token_hex(4).upper()}-0",
        "smtp-id": f"<{message_id}@standin.sendgrid.net>",
        **extra,
    }
