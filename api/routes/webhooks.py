"""Delivery status from the providers: SendGrid's event webhook and Twilio's status callbacks.

Both are signed; a request whose signature does not verify gets 403 and changes nothing, and so does a SendGrid
batch signed longer ago than the replay window. A report only moves a message forward (``delivery_advances``):
a late "sent" never undoes "delivered" or "bounced". A report finds its message by the provider's id; SendGrid's
also by the message's key (echoed from the send's ``custom_args``) when the sender never heard SendGrid's answer and
the row is still "sending": its ``processed`` event is SendGrid's word that the e-mail was taken, so a retry of the
send sends nothing (see activities/messaging.py). A bounced
e-mail or failed SMS to an owner reaches the case's workflow as the `delivery_failed` signal: a notice served by
that e-mail falls back to the policy's next service method, and the officer is alerted. Failures the workflow
cannot hear (its case is closed, or the message went to a complainant) alert the officer from here.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from sqlmodel import Session, col, select
from temporalio.service import RPCError, RPCStatusCode
from twilio.request_validator import RequestValidator

from adapters.sendgrid_mail import MESSAGE_KEY_ARG
from adapters.twilio_sms import twilio_status_callback_url
from api.deps import ContextDep, refusal
from domain.actions import DeliveryFailed
from domain.messages import DELIVERY_FAILED, delivery_advances
from records.db import transaction
from records.notifications import file_alert
from records.tables import Alert, Case, Message, Officer, SmsOptOut
from services.context import AppContext
from services.temporal_client import case_handle

router = APIRouter(
    prefix="/webhooks",
    tags=["provider webhooks"],
    responses=refusal(403, "The webhook is not configured, or the request's signature does not verify"),
)

# Provider words → ours; events not listed (deferred, open, click…) do not change a message's status. "processed"
# (SendGrid took the e-mail) only moves a row that was still "sending" on to "sent".
SENDGRID_STATUS = {
    "processed": "sent",
    "delivered": "delivered",
    "bounce": "bounced",
    "dropped": "failed",
    "blocked": "bounced",
}
TWILIO_STATUS = {"sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
# SendGrid signs the timestamp with the body: a batch signed longer ago than this is a replay, not a report.
REPLAY_WINDOW = timedelta(minutes=10)


def _forbidden(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)


@dataclass(frozen=True)
class StatusReport:
    provider_id: str
    status: str
    event_id: str
    reason: str = ""
    message_key: str = ""
    at: datetime | None = None


def _message_for(session: Session, report: StatusReport) -> Message | None:
    """The message a report is about: by the provider's id, else by its key if it has no provider id yet."""
    if report.provider_id:
        found = session.exec(select(Message).where(Message.provider_id == report.provider_id)).first()
        if found is not None:
            return found
    if not report.message_key:
        return None
    return session.exec(
        select(Message).where(Message.key == report.message_key, col(Message.provider_id).is_(None))
    ).first()


def _owner_failures(context: AppContext, reports: list[StatusReport]) -> list[tuple[str, DeliveryFailed]]:
    """The reported failures of messages to owners not yet marked failed: (case number, signal) for each."""
    failures = [r for r in reports if r.status in DELIVERY_FAILED]
    if not failures:
        return []
    found = []
    with context.sessions() as session:
        messages = [(report, _message_for(session, report)) for report in failures]
    for report, message in messages:
        if message is None or message.case_number is None:  # a message to staff: no case to tell
            continue
        if message.audience == "owner" and delivery_advances(message.status, report.status):
            event = DeliveryFailed(
                message_key=message.key, channel=message.channel, status=report.status, reason=report.reason[:500]
            )
            found.append((message.case_number, event))
    return found


async def _tell_cases(context: AppContext, reports: list[StatusReport]) -> set[str]:
    """Signals each owner failure to its case; returns the message keys a running case took over.

    If Temporal cannot be reached the request fails (503) before anything is stored, so the provider sends
    the event again; the workflow ignores a failure it has already handled."""
    told = set()
    for case_number, event in await asyncio.to_thread(_owner_failures, context, reports):
        try:
            await case_handle(context.temporal, case_number).signal("delivery_failed", event)
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:  # a closed case is not found: alert from here
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Try again later.") from exc
            continue
        told.add(event.message_key)
    return told


async def _report(context: AppContext, reports: list[StatusReport]) -> int:
    told = await _tell_cases(context, reports)
    return await asyncio.to_thread(_apply, context, reports, told)


def _apply(context: AppContext, reports: list[StatusReport], told: set[str]) -> int:
    """Sets each message's status by provider id; a failure no case took over alerts the officer. Returns how
    many changed."""
    changed = 0
    with transaction(context.sessions) as session:
        for report in reports:
            new_status, event_id = report.status, report.event_id
            message = _message_for(session, report)
            if message is None or not delivery_advances(message.status, new_status):
                continue
            message.status = new_status
            message.provider_id = message.provider_id or report.provider_id
            if message.sent_at is None and new_status in ("sent", "delivered"):
                message.sent_at = report.at or datetime.now(UTC)
            if report.reason:
                message.error = report.reason
            session.add(message)
            changed += 1
            if new_status in DELIVERY_FAILED and message.key not in told:
                case = session.get(Case, message.case_number) if message.case_number else None
                officer = session.get(Officer, case.assigned_officer_id) if case and case.assigned_officer_id else None
                alert = Alert(
                    key=f"delivery:{message.key}:{event_id}",
                    case_number=message.case_number,
                    audience=officer.badge if officer else "supervisor",
                    kind="delivery_failed",
                    message=f"{message.case_number or 'staff'}: the {message.channel} to the {message.audience} "
                    f"{new_status}; reach them by another method",
                )
                file_alert(session, alert)
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
    signed_at = datetime.fromtimestamp(int(timestamp), UTC) if timestamp.isdigit() else None
    if signed_at is None or abs(datetime.now(UTC) - signed_at) > REPLAY_WINDOW:
        raise _forbidden(f"The events were signed at {timestamp}, outside the {REPLAY_WINDOW} replay window.")
    events: list[dict[str, Any]] = json.loads(raw)
    reports = [
        StatusReport(
            provider_id=str(e.get("sg_message_id", "")).split(".")[0],
            status=SENDGRID_STATUS[e["event"]],
            event_id=str(e.get("sg_event_id", "")),
            reason=str(e.get("reason", "")),
            message_key=str(e.get(MESSAGE_KEY_ARG, "")),
            at=datetime.fromtimestamp(e["timestamp"], UTC) if isinstance(e.get("timestamp"), int) else None,
        )
        for e in events
        if e.get("event") in SENDGRID_STATUS
    ]
    return {"updated": await _report(context, reports)}


@router.post("/twilio")
async def twilio_status(request: Request, context: ContextDep) -> dict[str, int]:
    token = context.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    params = dict((await request.form()).items())
    # Twilio signs the URL it was given on the message, which is the public address, not what a proxy forwards to us.
    url = twilio_status_callback_url(context.settings)
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
    code = str(params.get("ErrorCode", ""))
    report = StatusReport(sid, new_status, f"{sid}:{new_status}", f"Twilio error {code}" if code else "")
    return {"updated": await _report(context, [report])}
