"""Writing normalized payment rows: the demo loader, the Stripe sync and webhooks all use this.

Rows are inserted with ON CONFLICT DO NOTHING on ``(business_id, stripe_id)``, so loading the
same objects twice is harmless, and every write marks its business as changed so the next
metrics run recomputes exactly the businesses that have new rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.db import insert_ignoring_duplicates
from vaultra_mcp.models import Business, Charge, Dispute, Payout, Refund

BATCH_ROWS = 2_000


@dataclass
class PaymentRows:
    """Normalized rows for one business, as produced by ``core.stripe_objects``."""

    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.charges) + len(self.refunds) + len(self.disputes) + len(self.payouts)


async def insert_payment_rows(
    session: AsyncSession, dialect: str, rows: PaymentRows, now: datetime
) -> None:
    """Insert rows (duplicates ignored) and bump their businesses' ``payments_version``."""
    for table, batch in (
        (Charge, rows.charges),
        (Refund, rows.refunds),
        (Dispute, rows.disputes),
        (Payout, rows.payouts),
    ):
        await _insert(session, dialect, table, batch, now)
    touched = {
        r["business_id"]
        for part in (rows.charges, rows.refunds, rows.disputes, rows.payouts)
        for r in part
    }
    if touched:
        await session.execute(
            update(Business)
            .where(col(Business.id).in_(sorted(touched)))
            .values(payments_version=col(Business.payments_version) + 1, updated_at=now)
        )


async def _insert(
    session: AsyncSession, dialect: str, table: Any, batch: Sequence[dict[str, Any]], now: datetime
) -> None:
    statement = insert_ignoring_duplicates(dialect, table, ("business_id", "stripe_id"))
    for start in range(0, len(batch), BATCH_ROWS):
        chunk = [{**row, "ingested_at": now} for row in batch[start : start + BATCH_ROWS]]
        await session.execute(statement, chunk)
