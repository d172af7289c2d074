"""Messages to an owner that the API sends itself, by the same exactly-once path as the case's own messages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from activities.messaging import messaging_activities
from domain.messages import MessageReceipt, OwnerConfirmation
from services.context import AppContext


def send_owner_confirmation(context: AppContext, confirmation: OwnerConfirmation) -> MessageReceipt:
    """Confirms what the owner sent through the portal on the owner's channel on the roll; once by its key, so a
    resubmitted form does not confirm twice."""
    messaging = messaging_activities(
        context.sessions, context.settings, context.settings.document_store_dir, ZoneInfo(context.city.timezone)
    )
    return messaging.send_owner_confirmation(confirmation)
