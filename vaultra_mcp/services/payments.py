"""Writing normalized payment rows: the demo loader, the Stripe sync and webhooks all use this.

Two ways in, both keyed on ``(business_id, stripe_id)`` so nothing is ever duplicated:
``insert_payment_rows`` ignores rows it already has (loading the same history twice is harmless);
``upsert_observed_rows`` replaces a row only with a later observation of it, in one conditional
statement, so concurrent and out-of-order deliveries settle on the latest state. "Later" is
``(observed_at, observed_rank)``: Stripe's times are whole seconds, and within one second the
object's own progress decides (``core.stripe_objects``), never the order of arrival. A charge's
``disputed`` only ever turns on, and turns on whenever a dispute of it is stored, whichever of
the two arrived first. Every write marks its business as changed so the next metrics run
recomputes exactly the businesses that have new data, and changes the monthly rollups
(``services.rollups``) by what it changed, in the same transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.rollups import RollupDelta
from vaultra_mcp.db import insert_ignoring_duplicates
from vaultra_mcp.models import Business, Charge, Dispute, Payout, Refund
from vaultra_mcp.services.rollups import (
    apply_delta,
    lock_objects,
    share_businesses,
    stored_states,
)

BATCH_ROWS = 2_000
KEPT = frozenset({"id", "business_id", "stripe_id", "ingested_at"})  # never changed by an upsert


async def insert_payment_rows(
    session: AsyncSession, dialect: str, rows: PaymentSet, now: datetime
) -> None:
    """Insert rows (duplicates ignored), bump their businesses' ``payments_version`` and add
    the new rows to the rollups. Only rows this statement inserted count, so a concurrent load
    of the same rows adds them once."""
    if dialect == "postgresql":
        await share_businesses(
            session, {r["business_id"] for _, _, b in _by_table(rows) for r in b}
        )
    delta = RollupDelta()
    for kind, model, batch in _by_table(rows):
        inserted = await _insert(session, dialect, model, batch, now)
        for row in batch:
            key = (row["business_id"], row["stripe_id"])
            if key in inserted:
                inserted.discard(key)  # of duplicates in one batch, the first is inserted
                delta.change(kind, None, row)
    await apply_delta(session, dialect, delta)
    await mark_changed(session, rows, now)


async def upsert_observed_rows(
    session: AsyncSession, dialect: str, rows: PaymentSet, now: datetime
) -> int:
    """Insert rows, or replace stored ones observed no later than these; then mark changed.
    Rows must carry every column of their table but ``id`` and ``ingested_at``. Returns how
    many rows were written (an older observation than the stored one writes nothing)."""
    async with _taking_turns(session, dialect, rows, now):
        return await _upsert_rows(session, dialect, rows, now)


@asynccontextmanager
async def _taking_turns(
    session: AsyncSession, dialect: str, rows: PaymentSet, now: datetime
) -> AsyncIterator[None]:
    """Writers of the same objects take turns, so each reads the state the other committed
    before changing the rollups by the difference. On PostgreSQL a lock per group of objects
    (``services.rollups.lock_objects``), and the business rows, which every writer updates,
    last, to hold them briefly; on SQLite the first write takes the one write lock, so the
    business rows first."""
    if dialect == "postgresql":
        await lock_objects(session, rows)
        yield
        await mark_changed(session, rows, now)
    else:
        await mark_changed(session, rows, now)
        yield


async def _upsert_rows(session: AsyncSession, dialect: str, rows: PaymentSet, now: datetime) -> int:
    written = 0
    delta = RollupDelta()
    for kind, model, batch in _by_table(rows):
        if batch:
            newest = _newest(batch)
            stored = await stored_states(session, model, newest)
            result = await session.execute(
                _upsert(dialect, model), [{**row, "ingested_at": now} for row in newest]
            )
            replaced = {(business_id, stripe_id) for business_id, stripe_id in result.all()}
            written += len(replaced)
            for row in newest:
                key = (row["business_id"], row["stripe_id"])
                if key in replaced:
                    delta.change(kind, stored.get(key), row)
    await _flag_disputed(session, rows)
    await apply_delta(session, dialect, delta)
    return written


def _newest(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per object, its latest observation: a statement may change a row only once."""
    newest: dict[tuple[int, str], dict[str, Any]] = {}
    for row in batch:
        key = (row["business_id"], row["stripe_id"])
        if key not in newest or later(row, newest[key]):
            newest[key] = row
    return list(newest.values())


def later(row: dict[str, Any], than: dict[str, Any]) -> bool:
    """Whether observation ``row`` of an object replaces ``than`` (the SQL below, in Python)."""
    return bool(
        (row["observed_at"], row["observed_rank"]) >= (than["observed_at"], than["observed_rank"])
    )


@cache
def _upsert(dialect: str, model: Any) -> Any:
    """Built once per table: statement construction costs more than the write itself."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = model.__table__
    statement = insert(table)
    new = statement.excluded
    stored, rank = table.c.observed_at, table.c.observed_rank
    values = {c.name: new[c.name] for c in table.c if c.name not in KEPT}
    if "disputed" in table.c:  # once disputed, always disputed (Stripe never clears it)
        values["disputed"] = or_(table.c.disputed, new.disputed)
    return statement.on_conflict_do_update(
        index_elements=["business_id", "stripe_id"],
        set_=values,
        where=or_(
            stored.is_(None),
            stored < new.observed_at,
            and_(stored == new.observed_at, rank <= new.observed_rank),
        ),
    ).returning(table.c.business_id, table.c.stripe_id)  # each row written, none per row kept


async def _flag_disputed(session: AsyncSession, rows: PaymentSet) -> None:
    """Charges among ``rows`` (or disputed by them) that have a stored dispute are disputed,
    even when the dispute was stored before the charge was."""
    by_business: dict[int, set[str]] = {}
    for row in rows.charges:
        by_business.setdefault(row["business_id"], set()).add(row["stripe_id"])
    for row in rows.disputes:
        if row["charge_stripe_id"]:
            by_business.setdefault(row["business_id"], set()).add(row["charge_stripe_id"])
    for business_id, charge_ids in by_business.items():
        await session.execute(
            update(Charge)
            .where(
                col(Charge.business_id) == business_id,
                col(Charge.stripe_id).in_(sorted(charge_ids)),
                col(Charge.disputed).is_(False),
                select(col(Dispute.id))
                .where(
                    col(Dispute.business_id) == col(Charge.business_id),
                    col(Dispute.charge_stripe_id) == col(Charge.stripe_id),
                )
                .exists(),
            )
            .values(disputed=True)
        )


def _by_table(rows: PaymentSet) -> list[tuple[str, Any, list[dict[str, Any]]]]:
    return [
        ("charges", Charge, rows.charges),
        ("refunds", Refund, rows.refunds),
        ("disputes", Dispute, rows.disputes),
        ("payouts", Payout, rows.payouts),
    ]


async def mark_changed(session: AsyncSession, rows: PaymentSet, now: datetime) -> None:
    """Bump ``payments_version`` of every business with rows here: the recompute queue."""
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
) -> set[tuple[int, str]]:
    """Insert the new rows; returns the keys of those inserted (not the ones already stored)."""
    statement = insert_ignoring_duplicates(dialect, table, ("business_id", "stripe_id"))
    statement = statement.returning(table.business_id, table.stripe_id)
    inserted: set[tuple[int, str]] = set()
    for start in range(0, len(batch), BATCH_ROWS):
        chunk = [{**row, "ingested_at": now} for row in batch[start : start + BATCH_ROWS]]
        inserted.update((b, s) for b, s in await session.execute(statement, chunk))
    return inserted
