"""Delivery status from the providers: SendGrid's event webhook and Twilio's status callbacks.

Both are signed; a request whose signature does not verify gets 403 and changes nothing. A bounced
e-mail or failed SMS alerts the case's officer, who serves the notice another way.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from sqlmodel import select
from twilio.request_validator import RequestValidator

from api.context import AppContext
from api.deps import ContextDep
from records.db import transaction
from records.tables import Alert, Case, Message, Officer, SmsOptOut

router = APIRouter(prefix="/webhooks", tags=["provider webhooks"])

# Provider words → ours; events not listed (processed, open, click…) do not change a message's status.
SENDGRID_STATUS = {"delivered": "delivered", "bounce": "bounced", "dropped": "failed", "blocked": "bounced"}
TWILIO_STATUS = {"sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
FAILED = frozenset({"bounced", "failed", "undelivered"})


def _forbidden(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)


def _apply(context: AppContext, changes: list[tuple[str, str, str]]) -> int:
    """Sets each message's status by provider id; a failure alerts the case's officer. Returns how many changed."""
    changed = 0
    with transaction(context.sessions) as session:
        for provider_id, new_status, event_id in changes:
            message = session.exec(select(Message).where(Message.provider_id == provider_id)).first()
            if message is None or message.status == new_status:
                continue
            message.status = new_status
            session.add(message)
            changed += 1
            if new_status in FAILED:
                case = session.get(Case, message.case_number)
                officer = session.get(Officer, case.assigned_officer_id) if case and case.assigned_officer_id else None
                session.add(
                    Alert(
                        key=f"delivery:{message.key}:{event_id}",
                        case_number=message.case_number,
                        audience=officer.badge if officer else "supervisor",
                        message=f"{message.case_number}: the {message.channel} to the owner {new_status}; "
                        "serve or remind by another method",
                    )
                )
    return changed


# Twilio's standard opt-out and opt-in keywords (carriers require them to work on every number).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})


def _opt_in_or_out(context: AppContext, phone: str, body: str) -> int:
    word = body.strip().upper()
    if not phone or word not in STOP_WORDS | START_WORDS:
        return 0
    with transaction(context.sessions) as session:
        existing = session.get(SmsOptOut, phone)
        if word in STOP_WORDS and existing is None:
            session.add(SmsOptOut(phone=phone))
            return 1
        if word in START_WORDS and existing is not None:
            session.delete(existing)
            return 1
    return 0


@router.post("/sendgrid")
async def sendgrid_events(request: Request, context: ContextDep) -> dict[str, int]:
    key = context.settings.sendgrid_webhook_public_key
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    raw = await request.body()
    if not key:
        raise _forbidden("The SendGrid event webhook is not configured (SENDGRID_WEBHOOK_PUBLIC_KEY).")
    if not signature or not timestamp:
        raise _forbidden("The request is not signed.")
    try:
        verified = EventWebhook(public_key=key).verify_signature(raw.decode("utf-8"), signature, timestamp)
    except (ValueError, UnicodeDecodeError):
        verified = False
    if not verified:
        raise _forbidden("The signature does not match the request.")
    events: list[dict[str, Any]] = json.loads(raw)
    changes = [
        (str(e.get("sg_message_id", "")).split(".")[0], SENDGRID_STATUS[e["event"]], str(e.get("sg_event_id", "")))
        for e in events
        if e.get("event") in SENDGRID_STATUS
    ]
    return {"updated": await asyncio.to_thread(_apply, context, changes)}


@router.post("/twilio")
async def twilio_status(request: Request, context: ContextDep) -> dict[str, int]:
    token = context.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    params = dict((await request.form()).items())
    # Twilio signs the URL it was given, which is the public address, not what a proxy forwards to us.
    url = f"{context.settings.public_base_url.rstrip('/')}/webhooks/twilio"
    if token is None:
        raise _forbidden("Twilio status callbacks are not configured (TWILIO_AUTH_TOKEN).")
    if not signature or not RequestValidator(token.get_secret_value()).validate(url, params, signature):
        raise _forbidden("The signature does not match the request.")
    if "MessageStatus" not in params and "Body" in params:  # an incoming text, not a status report
        return {
            "updated": await asyncio.to_thread(
                _opt_in_or_out, context, str(params.get("From", "")), str(params["Body"])
            )
        }
    new_status = TWILIO_STATUS.get(str(params.get("MessageStatus", "")))
    if new_status is None:
        return {"updated": 0}
    sid = str(params.get("MessageSid", ""))
    return {"updated": await asyncio.to_thread(_apply, context, [(sid, new_status, f"{sid}:{new_status}")])}
