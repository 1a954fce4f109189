"""Keeping the monthly rollups true: the change each payment write makes, and a full rebuild.

``payments`` calls ``stored_states`` before it replaces rows and ``apply_delta`` after, in the
same transaction. Two writers of one object must not both read its old state, so they take
turns: on PostgreSQL ``lock_objects`` takes a transaction lock per group of objects (other
objects' writers go on in parallel); on SQLite there is one writer at a time anyway.
``rebuild_rollups`` recomputes them from the raw rows, locking the businesses it rewrites, and
rewrites only businesses whose rollups differ.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.rollups import (
    COUNTED_REFUNDS,
    FIELDS,
    CustomerKey,
    MonthKey,
    RollupDelta,
    month_start,
    next_month_start,
    utc,
)
from vaultra_mcp.db import month_key
from vaultra_mcp.models import (
    Business,
    Charge,
    CustomerRollup,
    Dispute,
    PaymentRollup,
    Payout,
    Refund,
)
from vaultra_mcp.services.deps import Deps

LOCK_GROUPS = 64  # per business: few locks per transaction, little waiting between objects
WHOLE_BUSINESS = LOCK_GROUPS  # the lock key a rebuild holds exclusively
STATE_CHUNK = 2_000  # stripe ids per lookup, far below SQLite's bound-parameter limit
REBUILD_CHUNK = 100  # businesses per rebuild transaction
KINDS: dict[str, Any] = {
    "charges": Charge,
    "refunds": Refund,
    "disputes": Dispute,
    "payouts": Payout,
}


class RebuildOutcome(BaseModel):
    """What a rebuild found: businesses checked, rollup rows they have, and rows it repaired."""

    businesses: int = 0
    month_rows: int = 0
    customer_rows: int = 0
    repaired_rows: int = 0


async def lock_objects(session: AsyncSession, rows: PaymentSet) -> None:
    """PostgreSQL: lock each group of objects ``rows`` touch until the transaction ends, in one
    order (a statement evaluates its columns left to right), so two writers never wait for
    each other; first a shared lock on each business, which only a rebuild takes exclusively.
    One statement: each round trip costs more than the locks."""
    parts = (rows.charges, rows.refunds, rows.disputes, rows.payouts)
    businesses = sorted({row["business_id"] for part in parts for row in part})
    groups = sorted(
        {
            (row["business_id"], zlib.crc32(row["stripe_id"].encode()) % LOCK_GROUPS)
            for part in parts
            for row in part
        }
    )
    if groups:
        await session.execute(
            select(
                *(func.pg_advisory_xact_lock_shared(b, WHOLE_BUSINESS) for b in businesses),
                *(func.pg_advisory_xact_lock(b, group) for b, group in groups),
            )
        )


async def share_businesses(session: AsyncSession, business_ids: Iterable[int]) -> None:
    """PostgreSQL: writers of these businesses go on together, and wait for a rebuild."""
    ids = sorted(set(business_ids))
    if ids:
        await session.execute(
            select(*(func.pg_advisory_xact_lock_shared(b, WHOLE_BUSINESS) for b in ids))
        )


def _state_columns(model: Any) -> list[Any]:
    names = ["business_id", "stripe_id", "status", "amount", "currency", "created"]
    if model is Charge:
        names.append("customer_hash")
    return [model.__table__.c[name] for name in names]


async def stored_states(
    session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The stored state of each of ``rows``' objects that exists, by (business, stripe id)."""
    wanted: dict[int, list[str]] = {}
    for row in rows:
        wanted.setdefault(row["business_id"], []).append(row["stripe_id"])
    table = model.__table__
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for business_id, stripe_ids in wanted.items():
        for start in range(0, len(stripe_ids), STATE_CHUNK):
            result = await session.execute(
                select(*_state_columns(model)).where(
                    table.c.business_id == business_id,
                    table.c.stripe_id.in_(stripe_ids[start : start + STATE_CHUNK]),
                )
            )
            for state in result.mappings():
                found[(business_id, state["stripe_id"])] = dict(state)
    return found


async def apply_delta(session: AsyncSession, dialect: str, delta: RollupDelta) -> None:
    """Add a batch's change to the rollups, then re-read the bounds it may have narrowed."""
    months = [
        {
            "business_id": business_id,
            "month": month,
            "currency": currency,
            **dict(zip(FIELDS, sums, strict=True)),
            "first_charge_at": delta.bounds.get((business_id, month, currency), (None, None))[0],
            "last_charge_at": delta.bounds.get((business_id, month, currency), (None, None))[1],
        }
        for (business_id, month, currency), sums in delta.months.items()
        if any(sums) or (business_id, month, currency) in delta.stale_months
    ]
    customers = [
        {
            "business_id": business_id,
            "month": month,
            "currency": currency,
            "customer_hash": customer,
            "volume": volume,
            "charges": charges,
            "last_charge_at": delta.customer_last.get((business_id, month, currency, customer)),
        }
        for (business_id, month, currency, customer), (volume, charges) in delta.customers.items()
    ]
    if customers:
        await session.execute(_add_customers(dialect), customers)
    if months:  # last: a business's current month is the row every concurrent writer updates
        await session.execute(_add_months(dialect), months)
    for key in sorted(delta.stale_months):
        await _reread_month_bounds(session, key)
    for customer_key in sorted(delta.stale_customers):
        await _reread_customer_last(session, customer_key)


def _earlier(stored: Any, new: Any) -> Any:
    return case((or_(stored.is_(None), new < stored), new), else_=stored)


def _later(stored: Any, new: Any) -> Any:
    return case((or_(stored.is_(None), new > stored), new), else_=stored)


@cache
def _add_months(dialect: str) -> Any:
    """Built once: INSERT ... ON CONFLICT adding each sum and widening the charge bounds."""
    table = PaymentRollup.__table__  # type: ignore[attr-defined]
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    new = statement.excluded
    values = {name: table.c[name] + new[name] for name in FIELDS}
    values["first_charge_at"] = _earlier(table.c.first_charge_at, new.first_charge_at)
    values["last_charge_at"] = _later(table.c.last_charge_at, new.last_charge_at)
    return statement.on_conflict_do_update(
        index_elements=["business_id", "month", "currency"], set_=values
    )


@cache
def _add_customers(dialect: str) -> Any:
    table = CustomerRollup.__table__  # type: ignore[attr-defined]
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["business_id", "month", "currency", "customer_hash"],
        set_={
            "volume": table.c.volume + new.volume,
            "charges": table.c.charges + new.charges,
            "last_charge_at": _later(table.c.last_charge_at, new.last_charge_at),
        },
    )


def _month_charges(business_id: int, month: str, currency: str) -> list[Any]:
    """Succeeded charges of one business, currency and month, as a range of its index."""
    start = month_start(datetime.strptime(month, "%Y-%m"))
    return [
        col(Charge.business_id) == business_id,
        col(Charge.created) >= start,
        col(Charge.created) < next_month_start(start),
        col(Charge.currency) == currency,
        col(Charge.status) == "succeeded",
    ]


async def _reread_month_bounds(session: AsyncSession, key: MonthKey) -> None:
    business_id, month, currency = key
    where = _month_charges(business_id, month, currency)
    await session.execute(
        update(PaymentRollup)
        .where(
            col(PaymentRollup.business_id) == business_id,
            col(PaymentRollup.month) == month,
            col(PaymentRollup.currency) == currency,
        )
        .values(
            first_charge_at=select(func.min(col(Charge.created))).where(*where).scalar_subquery(),
            last_charge_at=select(func.max(col(Charge.created))).where(*where).scalar_subquery(),
        )
    )


async def _reread_customer_last(session: AsyncSession, key: CustomerKey) -> None:
    business_id, month, currency, customer = key
    where = [*_month_charges(business_id, month, currency), col(Charge.customer_hash) == customer]
    await session.execute(
        update(CustomerRollup)
        .where(
            col(CustomerRollup.business_id) == business_id,
            col(CustomerRollup.month) == month,
            col(CustomerRollup.currency) == currency,
            col(CustomerRollup.customer_hash) == customer,
        )
        .values(
            last_charge_at=select(func.max(col(Charge.created))).where(*where).scalar_subquery()
        )
    )


async def rebuild_rollups(deps: Deps, business_ids: Sequence[int] | None = None) -> RebuildOutcome:
    """Recompute every business's rollups (or those listed) from the raw payment rows.

    Idempotent: only businesses whose rollups differ are rewritten, so a second run repairs
    nothing. Each chunk of businesses is one transaction holding off their writers.
    """
    async with deps.db.sessions() as session:
        query = select(col(Business.id)).order_by(col(Business.id))
        if business_ids is not None:
            query = query.where(col(Business.id).in_(list(business_ids)))
        ids = [int(bid) for bid in (await session.execute(query)).scalars() if bid is not None]
    outcome = RebuildOutcome(businesses=len(ids))
    for start in range(0, len(ids), REBUILD_CHUNK):
        chunk = ids[start : start + REBUILD_CHUNK]
        async with deps.db.transaction() as session:
            await _lock_businesses(deps.db.dialect, session, chunk)
            fresh_months, fresh_customers = await _from_rows(session, chunk)
            stored_months, stored_customers = await _stored(session, chunk)
            wrong = _differences(fresh_months, stored_months) + _differences(
                fresh_customers, stored_customers
            )
            damaged = sorted({key[0] for key in wrong})
            if damaged:
                await _rewrite(
                    session,
                    damaged,
                    {k: v for k, v in fresh_months.items() if k[0] in damaged},
                    {k: v for k, v in fresh_customers.items() if k[0] in damaged},
                )
        outcome.month_rows += len(_nonzero(fresh_months))
        outcome.customer_rows += len(_nonzero(fresh_customers))
        outcome.repaired_rows += len(wrong)
    return outcome


Rows = dict[tuple[Any, ...], tuple[Any, ...]]


async def _lock_businesses(dialect: str, session: AsyncSession, chunk: Sequence[int]) -> None:
    """Hold off every writer of these businesses: the business lock they share, taken
    exclusively, on PostgreSQL; the write lock on SQLite (a transaction's first write takes it)."""
    if dialect == "postgresql":
        for business_id in sorted(chunk):
            await session.execute(select(func.pg_advisory_xact_lock(business_id, WHOLE_BUSINESS)))
    else:
        await session.execute(
            update(Business)
            .where(col(Business.id).in_(list(chunk)))
            .values(payments_version=col(Business.payments_version))
        )


async def _from_rows(session: AsyncSession, chunk: Sequence[int]) -> tuple[Rows, Rows]:
    """The rollups the raw rows imply: one GROUP BY per table, merged by month key."""
    months: dict[tuple[Any, ...], list[Any]] = {}
    for kind, model in KINDS.items():
        for row in await session.execute(_grouped(kind, model, chunk)):
            business_id, month, currency, *values = row
            sums = months.setdefault((business_id, month, currency), [0] * len(FIELDS) + [None] * 2)
            for i, name in enumerate(_summed(kind)):
                sums[FIELDS.index(name)] += int(values[i] or 0)
            if kind == "charges":
                sums[-2], sums[-1] = as_utc(values[2]), as_utc(values[3])
    customers: Rows = {}
    succeeded = [
        *_scope(Charge, chunk),
        col(Charge.status) == "succeeded",
        col(Charge.customer_hash).is_not(None),
    ]
    month = month_key(col(Charge.created))
    query = (
        select(
            col(Charge.business_id),
            month,
            col(Charge.currency),
            col(Charge.customer_hash),
            func.sum(col(Charge.amount)),
            func.count(),
            func.max(col(Charge.created)),
        )
        .where(*succeeded)
        .group_by(col(Charge.business_id), month, col(Charge.currency), col(Charge.customer_hash))
    )
    for business_id, m, currency, customer, volume, charges, last in await session.execute(query):
        customers[(business_id, m, currency, customer)] = (int(volume), int(charges), as_utc(last))
    return {key: tuple(value) for key, value in months.items()}, customers


def _summed(kind: str) -> tuple[str, str]:
    return {
        "charges": ("gross", "charges"),
        "refunds": ("refunded", "refunds"),
        "disputes": ("disputed", "disputes"),
        "payouts": ("payouts_failed", "payouts"),
    }[kind]


def _scope(model: Any, chunk: Sequence[int]) -> list[Any]:
    return [model.__table__.c.business_id.in_(list(chunk))]


def _grouped(kind: str, model: Any, chunk: Sequence[int]) -> Any:
    """Per (business, month, currency): the two sums ``_summed`` names, the same rule as
    ``core.rollups.contribution``; charges also their first and last time."""
    t = model.__table__
    amount: Any = t.c.amount
    where = _scope(model, chunk)
    if kind == "charges":
        where.append(t.c.status == "succeeded")
    elif kind == "refunds":
        where.append(t.c.status.in_(sorted(COUNTED_REFUNDS)))
    elif kind == "disputes":
        amount = case((t.c.status != "won", t.c.amount), else_=0)
    else:
        amount = case((t.c.status == "failed", 1), else_=0)
    month = month_key(t.c.created)
    extra = [func.min(t.c.created), func.max(t.c.created)] if kind == "charges" else []
    return (
        select(t.c.business_id, month, t.c.currency, func.sum(amount), func.count(), *extra)
        .where(*where)
        .group_by(t.c.business_id, month, t.c.currency)
    )


async def _stored(session: AsyncSession, chunk: Sequence[int]) -> tuple[Rows, Rows]:
    months: Rows = {}
    for r in (
        await session.execute(
            select(PaymentRollup).where(col(PaymentRollup.business_id).in_(list(chunk)))
        )
    ).scalars():
        months[(r.business_id, r.month, r.currency)] = (
            *(getattr(r, name) for name in FIELDS),
            as_utc(r.first_charge_at),
            as_utc(r.last_charge_at),
        )
    customers: Rows = {}
    for c in (
        await session.execute(
            select(CustomerRollup).where(col(CustomerRollup.business_id).in_(list(chunk)))
        )
    ).scalars():
        customers[(c.business_id, c.month, c.currency, c.customer_hash)] = (
            c.volume,
            c.charges,
            as_utc(c.last_charge_at),
        )
    return months, customers


def _differences(fresh: Rows, stored: Rows) -> list[tuple[Any, ...]]:
    """Keys of rows that are missing, extra or different; a row that sums to nothing counts as
    absent (a month whose only charge failed after all keeps a zero row)."""
    fresh, stored = _nonzero(fresh), _nonzero(stored)
    return [key for key in fresh.keys() | stored.keys() if fresh.get(key) != stored.get(key)]


def _nonzero(rows: Rows) -> Rows:
    return {key: value for key, value in rows.items() if any(v for v in value)}


async def _rewrite(
    session: AsyncSession, chunk: Sequence[int], months: Rows, customers: Rows
) -> None:
    await session.execute(delete(PaymentRollup).where(col(PaymentRollup.business_id).in_(chunk)))
    await session.execute(delete(CustomerRollup).where(col(CustomerRollup.business_id).in_(chunk)))
    names = [*FIELDS, "first_charge_at", "last_charge_at"]
    if months:
        await session.execute(
            insert(PaymentRollup),
            [
                {"business_id": b, "month": m, "currency": c, **dict(zip(names, v, strict=True))}
                for (b, m, c), v in months.items()
            ],
        )
    if customers:
        await session.execute(
            insert(CustomerRollup),
            [
                {
                    "business_id": b,
                    "month": m,
                    "currency": c,
                    "customer_hash": h,
                    "volume": v[0],
                    "charges": v[1],
                    "last_charge_at": v[2],
                }
                for (b, m, c, h), v in customers.items()
            ],
        )


def as_utc(value: datetime | str | None) -> datetime | None:
    """A timestamp as aware UTC: MIN/MAX over one come back untyped (text) on SQLite."""
    if value is None:
        return None
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
