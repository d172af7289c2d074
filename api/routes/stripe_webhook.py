"""Stripe's webhook: a signed event about a case's money (`services.online_payments`). Unsigned or forged: 400,
and nothing changes."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from stripe import SignatureVerificationError

from adapters.stripe_checkout import verified_event
from api.deps import ContextDep, refusal
from services.online_payments import record_event

router = APIRouter(prefix="/webhooks", tags=["provider webhooks"])


@router.post("/stripe", responses=refusal(404, "Online payment is not configured"))
async def stripe_event(request: Request, context: ContextDep) -> dict[str, bool]:
    secret = context.settings.stripe_webhook_secret
    if secret is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="online payment is not configured")
    payload = await request.body()
    try:
        event = verified_event(payload, request.headers.get("stripe-signature", ""), secret.get_secret_value())
    except (ValueError, SignatureVerificationError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=f"not a signed Stripe event: {exc}") from None
    return {"recorded": await record_event(context, event)}
