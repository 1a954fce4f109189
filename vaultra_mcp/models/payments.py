"""Normalized payment history, one row per Stripe object, plus raw webhook events.

Money is integer minor units with an ISO currency. Customers appear only as a keyed hash and no
card data is ever stored. ``(business_id, stripe_id)`` is unique so loads and syncs are idempotent.
``observed_at`` is when Stripe's object was in the stored state (an event's ``created``, the whole
second a sync's read began), and ``observed_rank`` how far along its life it was then
(``core.stripe_objects``): a row is only ever replaced by a newer observation, or one of the same
second that is further along, whatever order they arrive in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import BigId, Json, Money, utcnow


class PaymentObject(SQLModel):
    """The columns every kind of Stripe payment object has; each table adds its own."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    stripe_id: str = Field(max_length=255)
    amount: int = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    created: datetime
    observed_at: datetime | None = None  # when Stripe's object was in this state
    observed_rank: int = Field(default=0, sa_type=BigInteger)  # how far along it was then
    ingested_at: datetime = Field(default_factory=utcnow)


class Charge(PaymentObject, table=True):
    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("business_id", "stripe_id"),
        Index("ix_charges_business_created", "business_id", "created"),
    )

    status: str = Field(max_length=20)
    amount_refunded: int = Field(default=0, sa_type=Money)
    disputed: bool = False
    customer_hash: str | None = Field(default=None, max_length=64)


class Refund(PaymentObject, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("business_id", "stripe_id"),
        Index("ix_refunds_business_created", "business_id", "created"),
    )

    charge_stripe_id: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=50)


class Dispute(PaymentObject, table=True):
    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("business_id", "stripe_id"),
        Index("ix_disputes_business_created", "business_id", "created"),
    )

    charge_stripe_id: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=30)
    reason: str | None = Field(default=None, max_length=50)


class Payout(PaymentObject, table=True):
    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("business_id", "stripe_id"),
        Index("ix_payouts_business_created", "business_id", "created"),
    )

    status: str = Field(max_length=20)
    arrival_date: date | None = None
    failure_code: str | None = Field(default=None, max_length=50)
    failure_message: str | None = Field(default=None, sa_column=Column(Text))


class StripeEvent(SQLModel, table=True):
    """Every webhook event as received; the unique event id makes delivery idempotent."""

    __tablename__ = "stripe_events"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    event_id: str = Field(max_length=255, unique=True)
    type: str = Field(max_length=100)
    account: str | None = Field(default=None, max_length=255, index=True)
    livemode: bool = False
    business_id: int | None = Field(
        default=None, foreign_key="businesses.id", ondelete="SET NULL", index=True
    )
    payload: dict[str, Any] = Field(sa_type=Json)
    status: str = Field(default="received", max_length=20)
    error: str | None = Field(default=None, sa_column=Column(Text))
    created: datetime
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
