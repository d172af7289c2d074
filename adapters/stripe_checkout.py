"""Stripe Checkout through the official SDK: a hosted payment page for what an owner owes on a case, and the
verification of Stripe's signed webhook events.

The case number rides in the session's `client_reference_id` and metadata, so the completed event names the case
it pays; amounts go to Stripe in the currency's smallest unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class StripeCheckout:
    def __init__(self, secret_key: str, *, api_base: str | None = None, currency: str = "usd") -> None:
        options: dict[str, Any] = {"api_key": secret_key}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self._client = stripe.StripeClient(**options)
        self._currency = currency

    def open_session(
        self, case_number: str, amount: Decimal, description: str, *, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        session = self._client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "client_reference_id": case_number,
                "metadata": {"case_number": case_number},
                # The payment and its charge carry the case too, so a failure or a refund finds its case.
                "payment_intent_data": {"metadata": {"case_number": case_number}},
                "success_url": success_url,
                "cancel_url": cancel_url,
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": self._currency,
                            "unit_amount": int((amount * 100).to_integral_value()),
                            "product_data": {"name": description},
                        },
                    }
                ],
            }
        )
        return CheckoutSession(id=session.id, url=session.url or "")


def verified_event(payload: bytes, signature: str, secret: str) -> stripe.Event:
    """The event if Stripe signed it with the endpoint's secret (raises ValueError or SignatureVerificationError)."""
    return stripe.Webhook.construct_event(payload, signature, secret)
