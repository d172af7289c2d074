"""Pytest fixtures for the provider stand-ins; import them into a test module explicitly:

    from tests.standins.fixtures import sendgrid_standin, twilio_standin  # noqa: F401

Each is function-scoped: a fresh server on a free loopback port, fresh credentials, empty records. At teardown
the stand-in stops, and a test fails if the stand-in itself raised while serving it (a stand-in bug is never
allowed to pass as a provider 500).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standins.sendgrid import SendGridStandin
from tests.standins.server import Standin
from tests.standins.twilio import TwilioStandin


def _check_clean(standin: Standin) -> None:
    if standin.internal_errors:
        pytest.fail(f"the {standin.name} stand-in raised while serving:\n" + "\n".join(standin.internal_errors))


@pytest.fixture
def sendgrid_standin() -> Iterator[SendGridStandin]:
    """SendGrid's mail send on loopback: ``.base_url``, ``.api_key``, ``.client()``, ``.sent``, ``.requests``,
    ``.fail_next(status, times)``, ``.hang_next()``, ``.slow_next(seconds)``, ``.bounce_next()``, ``.signed_events()``."""
    with SendGridStandin() as standin:
        yield standin
    _check_clean(standin)


@pytest.fixture
def twilio_standin() -> Iterator[TwilioStandin]:
    """Twilio's create-message on loopback: ``.base_url``, ``.account_sid``, ``.auth_token``, ``.client()``,
    ``.sent``, ``.messages``, ``.requests``, ``.fail_next(status, times)``, ``.hang_next()``, ``.slow_next(seconds)``,
    ``.status_callback(...)``."""
    with TwilioStandin() as standin:
        yield standin
    _check_clean(standin)
