"""What the case's messages go through: a provider's sender, or the dev outbox, and what a provider's answer means.

What a provider's answer means for a retry is decided in one place, ``refuses_for_good``: outages, throttling and
timeouts raise so Temporal retries with backoff; a refusal that cannot succeed is raised as ``ProviderRejected``.
A provider that answered "not now" (``ProviderDeclined``) did not take the message, so nothing is outstanding.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

# A provider that has not answered by then is treated as down (the attempt raises and Temporal retries): well
# under the activity's start-to-close timeout (workflows/common.py), so the attempt fails on its own terms and
# records why, rather than being abandoned by Temporal mid-call.
PROVIDER_TIMEOUT = timedelta(seconds=10)


class _ProviderAnswer(Exception):
    """`credentials`: the provider's own words when it refused the city's key or account (401, 403), which holds
    every message alike until an administrator fixes it (records/provider_holds.py tells them)."""

    def __init__(self, message: str, credentials: str | None = None) -> None:
        super().__init__(message)
        self.credentials = credentials


class ProviderRejected(_ProviderAnswer):
    """The provider refused the message for a reason a retry cannot mend."""


class ProviderDeclined(_ProviderAnswer):
    """The provider answered that it did not take the message this time (an outage, a throttle, a wrong key):
    unlike an attempt that got no answer, nothing is outstanding, so the retry Temporal makes sends at once."""


def refuses_credentials(status: int) -> bool:
    """401: the key is wrong or revoked; 403: the key lacks the permission, or the account (its sender) is not
    verified. Either refuses every message of the city until an administrator fixes it."""
    return status in (401, 403)


def refuses_for_good(status: int) -> bool:
    """Whether a provider's HTTP error refuses this message for good (recorded; the case falls back) rather than
    reporting an outage that Temporal's retry policy waits out.

    5xx, 408 (request timeout) and 429 (rate limited) pass with time. So do 401 and 403 (`refuses_credentials`): a
    wrong or revoked key, or a sender the provider has not verified, refuses every message alike, and each one can
    still go once the operator fixes the account, so retrying (backing off to once a minute, the admin alerted and the
    console saying messages are held) delivers them then, instead of failing every case's services at once for a
    configuration slip. Any other 4xx (400 invalid number, 404, 413 too large, 422…) is about this message, and
    sending it again as it is cannot succeed.
    """
    return 400 <= status < 500 and not refuses_credentials(status) and status not in (408, 429)


Attachment = tuple[str, bytes]  # file name, content


class Sender(Protocol):
    backend: str

    def send(
        self,
        key: str,
        to: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
        reply_to: str | None = None,
    ) -> str:
        """Sends the message whose business key is ``key`` (an e-mail's replies to ``reply_to``); returns the
        provider's message id."""

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of this message if an earlier attempt (since ``since``) got it there; None when it
        did not, or when the provider cannot tell. Raises (retryably) while the answer is still to come."""


class OutboxSender:
    """Dev default: the message is stored as it would have been sent (the messages table is the outbox)."""

    backend = "outbox"

    def send(
        self,
        key: str,
        to: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
        reply_to: str | None = None,
    ) -> str:
        return f"outbox:{to}"

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # the outbox is the messages table itself: an unmarked row was never stored as sent
