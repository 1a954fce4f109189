"""Payment history summed per business, currency and UTC calendar month.

Kept up to date in the transaction that writes the payment rows (``services.rollups``), so the
metrics read a few rows per business and month instead of every payment. ``customer_rollups``
holds each customer's monthly volume, which customer concentration ranks; both are rebuilt from
the raw rows by ``vaultra jobs rebuild-rollups``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import BigId, Money


class PaymentRollup(SQLModel, table=True):
    """One month's totals in one currency; the unique key doubles as the read index."""

    __tablename__ = "payment_rollups"
    __table_args__ = (UniqueConstraint("business_id", "month", "currency"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    month: str = Field(max_length=7)  # "YYYY-MM", UTC
    currency: str = Field(max_length=3)
    gross: int = Field(default=0, sa_type=Money)
    charges: int = 0
    refunded: int = Field(default=0, sa_type=Money)
    refunds: int = 0
    disputes: int = 0
    disputed: int = Field(default=0, sa_type=Money)
    payouts: int = 0
    payouts_failed: int = 0
    first_charge_at: datetime | None = None  # the month's first and last succeeded charge
    last_charge_at: datetime | None = None


class CustomerRollup(SQLModel, table=True):
    """One customer's succeeded charges in one month: the rows concentration ranks."""

    __tablename__ = "customer_rollups"
    __table_args__ = (UniqueConstraint("business_id", "month", "currency", "customer_hash"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    month: str = Field(max_length=7)
    currency: str = Field(max_length=3)
    customer_hash: str = Field(max_length=64)
    volume: int = Field(default=0, sa_type=Money)
    charges: int = 0
    last_charge_at: datetime | None = None
