"""Paying online: a Stripe Checkout for what an owner owes, and Stripe's signed events made into the case's money.

A completed Checkout becomes a `payment_received` signal to the case exactly once: the Checkout Session's id is kept
first (unique), so a repeated or replayed event finds it and records nothing new; if the case cannot be told, the
row goes again and Stripe's retry tries afresh. A failed payment or a refund is kept by its event id, and told to the case (its timeline and finance; a refund is owed again).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from adapters.stripe_checkout import CheckoutSession, StripeCheckout
from config.settings import Settings
from domain.actions import PaymentFailed, PaymentReceived, PaymentRefunded
from records.db import transaction
from records.online_payments import OnlinePayment
from services.context import AppContext
from services.temporal_client import case_handle

COMPLETED = "checkout.session.completed"
KEPT_FOR_FINANCE = ("payment_intent.payment_failed", "charge.refunded")


def checkout(settings: Settings) -> StripeCheckout | None:
    """Stripe Checkout when a secret key is configured; None hides the pay button."""
    if settings.stripe_secret_key is None:
        return None
    return StripeCheckout(
        settings.stripe_secret_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        currency=settings.stripe_currency,
    )


async def open_checkout(context: AppContext, case_number: str, amount: Decimal, back: str) -> CheckoutSession | None:
    stripe = checkout(context.settings)
    if stripe is None:
        return None
    return await asyncio.to_thread(
        stripe.open_session,
        case_number,
        amount,
        f"Case {case_number}: fines and costs",
        success_url=f"{back}?paid=1",
        cancel_url=back,
    )


async def record_event(context: AppContext, verified: stripe.Event) -> bool:
    """Keeps a Stripe event once; True when it was new. A completed Checkout is then paid on its case."""
    event: dict[str, Any] = verified.to_dict()
    kind, data = event["type"], event["data"]["object"]
    if kind == COMPLETED:
        key, case_number = data["id"], data.get("client_reference_id") or data.get("metadata", {}).get("case_number")
        amount, reference = Decimal(data.get("amount_total") or 0) / 100, data.get("payment_intent") or data["id"]
    elif kind in KEPT_FOR_FINANCE:
        key, case_number = event["id"], (data.get("metadata") or {}).get("case_number")
        amount = Decimal(data.get("amount_refunded") or data.get("amount") or 0) / 100
        reference = data["id"]
    else:
        return False
    with context.sessions() as session:
        if session.exec(select(OnlinePayment.id).where(OnlinePayment.key == key)).first() is not None:
            return False
    try:
        with transaction(context.sessions) as session:
            session.add(
                OnlinePayment(key=key, kind=kind, case_number=case_number, amount=amount, reference=str(reference))
            )
    except IntegrityError:  # the same event, delivered twice at once
        return False
    if not case_number:
        return True
    signal: tuple[str, Any]
    if kind == COMPLETED:
        signal = ("payment_received", PaymentReceived(amount=amount, method="card (Stripe)", reference=str(key)))
    elif kind == "charge.refunded":
        signal = ("payment_refunded", PaymentRefunded(amount=amount, reference=str(reference)))
    else:
        reason = ((data.get("last_payment_error") or {}).get("message")) or ""
        signal = ("payment_failed", PaymentFailed(amount=amount, reference=str(reference), reason=reason[:500]))
    try:
        await case_handle(context.temporal, case_number).signal(*signal)
    except Exception:
        with transaction(context.sessions) as session:  # not told: Stripe's retry records it afresh
            row = session.exec(select(OnlinePayment).where(OnlinePayment.key == key)).one()
            session.delete(row)
        raise
    return True
