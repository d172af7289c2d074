"""A provider that refuses the city's credentials holds every message until the key is fixed.

The sender keeps retrying with backoff (adapters/senders.py); this row is what tells people: the admin is alerted
once when the hold begins (the alert's key names the hold), and every console page shows it until a message
through that provider goes again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from domain.alerts import PROVIDER_REFUSED
from records.notifications import file_alert
from records.tables import Alert, _utc_column

PROVIDER_NAMES = {"sendgrid": "SendGrid", "twilio": "Twilio"}


class ProviderHold(SQLModel, table=True):
    __tablename__ = "provider_holds"

    provider: str = Field(primary_key=True, max_length=16)  # a sender's backend: sendgrid, twilio
    reason: str  # the provider's own words
    held_since: datetime | None = _utc_column(nullable=False)


def hold(session: Session, provider: str, reason: str) -> bool:
    """Records the hold and alerts the admin, once per hold; True when this refusal began it."""
    if session.get(ProviderHold, provider) is not None:
        return False
    since = datetime.now(UTC)
    session.add(ProviderHold(provider=provider, reason=reason, held_since=since))
    name = PROVIDER_NAMES.get(provider, provider)
    alert = Alert(
        key=f"provider-held:{provider}:{since:%Y%m%d%H%M%S%f}",
        audience="admin",
        kind=PROVIDER_REFUSED,
        message=f"{name} refuses the city's credentials; messages are held and retried until the key is fixed. "
        f"{name} said: {reason}",
    )
    file_alert(session, alert)
    return True


def release(session: Session, provider: str) -> None:
    found = session.get(ProviderHold, provider)
    if found is not None:
        session.delete(found)


def holds(session: Session) -> list[ProviderHold]:
    return list(session.exec(select(ProviderHold).order_by(col(ProviderHold.provider))))
