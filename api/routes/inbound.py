"""What residents send the city: SendGrid's Inbound Parse (e-mail) and Twilio's messaging webhook (texts).

SendGrid's Inbound Parse signs nothing, so its URL carries basic-auth credentials that only SendGrid's settings
hold (`https://user:password@host/webhooks/sendgrid/inbound`); a post without them is refused before its body is
read. Twilio signs each post with the account's auth token, as it signs the status callbacks. A refused post
stores nothing. A message taken is answered 200 even when an attachment was refused (the answer names it and
why): SendGrid would otherwise post the whole message again, for three days.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from adapters.twilio_sms import twilio_signature_refusal, twilio_sms_url
from api.deps import ContextDep, refusal
from config.settings import Settings
from domain.evidence import MAX_EVIDENCE_BYTES
from services.correspondence import (
    Attached,
    InboundEmail,
    is_opt_in_or_out,
    opt_in_or_out,
    plain_text,
    receive_email,
    receive_text,
)

router = APIRouter(prefix="/webhooks", tags=["provider webhooks"])
# SendGrid takes messages of up to 30 MB in all; a text or HTML part of one may be most of that.
MAX_PART_BYTES = 30 * 1024 * 1024
MAX_ATTACHMENTS = 50
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _sendgrid_refusal(settings: Settings, authorization: str) -> str | None:
    user, password = settings.sendgrid_inbound_username, settings.sendgrid_inbound_password
    if not user or password is None:
        return "Inbound e-mail is not configured (SENDGRID_INBOUND_USERNAME, SENDGRID_INBOUND_PASSWORD)."
    scheme, _, encoded = authorization.partition(" ")
    try:
        given = base64.b64decode(encoded, validate=True).decode() if scheme.lower() == "basic" else ""
    except (binascii.Error, UnicodeDecodeError):
        given = ""
    expected = f"{user}:{password.get_secret_value()}"
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return "The request does not carry the inbound webhook's credentials."
    return None


async def _attachments(form: Any) -> list[Attached]:
    info: dict[str, dict[str, str]] = {}
    try:
        info = json.loads(str(form.get("attachment-info") or "{}"))
    except ValueError:
        info = {}
    found: list[Attached] = []
    for field, value in form.multi_items():
        if not isinstance(value, UploadFile) or len(found) >= MAX_ATTACHMENTS:
            continue
        name = str((info.get(field) or {}).get("filename") or value.filename or field)
        size = value.size or 0
        # Too big to keep: refused by its size, without reading it into memory.
        data = None if size > MAX_EVIDENCE_BYTES else await value.read()
        found.append(Attached(name=name, data=data, size=size if data is None else len(data)))
    return found


@router.post(
    "/sendgrid/inbound", responses=refusal(401, "The webhook URL's basic-auth credentials are missing or wrong")
)
async def sendgrid_inbound(request: Request, context: ContextDep) -> dict[str, Any]:
    refusal = _sendgrid_refusal(context.settings, request.headers.get("Authorization", ""))
    if refusal:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=refusal, headers={"WWW-Authenticate": "Basic"})
    async with request.form(max_files=MAX_ATTACHMENTS * 2, max_part_size=MAX_PART_BYTES) as form:
        envelope: dict[str, Any] = {}
        try:
            envelope = json.loads(str(form.get("envelope") or "{}"))
        except ValueError:
            envelope = {}
        recipients = [str(form.get("to") or ""), str(form.get("cc") or ""), *map(str, envelope.get("to") or [])]
        email = InboundEmail(
            sender=str(form.get("from") or envelope.get("from") or ""),
            recipients=recipients,
            subject=str(form.get("subject") or ""),
            text=plain_text(str(form.get("text") or ""), str(form.get("html") or "")),
            headers=str(form.get("headers") or ""),
            attachments=await _attachments(form),
        )
    received = await asyncio.to_thread(receive_email, context, email)
    return {
        "filed_to": received.case_number,
        "unmatched": received.case_number is None,
        "attachments_kept": received.attachments_kept,
        "attachments_refused": received.attachments_refused,
        "duplicate": received.duplicate,
    }


@router.post("/twilio/sms", responses=refusal(403, "The request's Twilio signature does not verify"))
async def twilio_sms(request: Request, context: ContextDep) -> Response:
    params = dict((await request.form()).items())
    signature = request.headers.get("X-Twilio-Signature", "")
    refusal = twilio_signature_refusal(context.settings, twilio_sms_url(context.settings), params, signature)
    if refusal:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=refusal)
    phone, body, sid = str(params.get("From", "")), str(params.get("Body", "")), str(params.get("MessageSid", ""))
    if is_opt_in_or_out(body):
        await asyncio.to_thread(opt_in_or_out, context, phone, body)
    elif phone and sid:
        await asyncio.to_thread(receive_text, context, phone, body, sid)
    # Twilio reads the answer as TwiML: an empty one sends no automatic reply.
    return Response(EMPTY_TWIML, media_type="application/xml")
