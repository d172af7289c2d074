"""Stripe's events about a case's money, each kept once: the Checkout Session's id keys a completed payment (Stripe
sends an event more than once, and a replayed one must record nothing new); a failed payment or a refund is kept by
its event id for finance to follow up."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from records.tables import _utc_column


class OnlinePayment(SQLModel, table=True):
    __tablename__ = "online_payments"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255, description="the Checkout Session's id, or the event's")
    kind: str = Field(max_length=40, description="Stripe's event type")
    case_number: str | None = Field(default=None, foreign_key="cases.case_number", index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    reference: str = Field(max_length=255, description="the payment intent or charge Stripe names")
    received_at: datetime | None = _utc_column(nullable=False, server_now=True)
