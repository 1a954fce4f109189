"""The oracle the rollups must match: payment history summed from the raw rows alone.

This was how the metrics were computed before the monthly rollups; the property tests compare
``services.payment_aggregates`` (rollups plus edge days) with it. Five GROUP BY queries
(charges by month, customer concentration, refunds, disputes, payouts) feed
``core.metrics``; trailing windows are CASE sums inside the monthly groups, and charges are
read a second time, over the last year only, to rank customers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.core.aggregates import WINDOW_DAYS, MonthTotals, PaymentAggregates, Totals
from vaultra_mcp.db import Database, month_key
from vaultra_mcp.models import Charge, Dispute, Payout, Refund

IN_CHUNK = 5_000  # stay far below SQLite's bound-parameter limit
FIELDS = (
    "gross",
    "charges",
    "refunded",
    "refunds",
    "disputes",
    "disputed",
    "payouts",
    "payouts_failed",
)
INDEX = {name: i for i, name in enumerate(FIELDS)}


class _Builder:
    """Mutable running sums for one business; turned into frozen aggregates at the end."""

    __slots__ = ("currency", "customers", "first", "last", "months", "other_currency", "windows")

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.months: dict[str, list[int]] = {}
        self.windows: dict[int, list[int]] = {days: [0] * len(FIELDS) for days in WINDOW_DAYS}
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.customers: tuple[int, int, int, dict[int, int]] = (0, 0, 0, {})
        self.other_currency = 0

    def add(self, row: Any, month: str, amount_field: str, count_field: str, first: int) -> None:
        """Add a month group's totals and its window sums (columns from ``first`` on)."""
        sums = self.months.setdefault(month, [0] * len(FIELDS))
        a, n = INDEX[amount_field], INDEX[count_field]
        sums[a] += int(row[first] or 0)
        sums[n] += int(row[first + 1] or 0)
        for offset, days in enumerate(WINDOW_DAYS):
            window = self.windows[days]
            window[a] += int(row[first + 2 + 2 * offset] or 0)
            window[n] += int(row[first + 3 + 2 * offset] or 0)


async def load_aggregates(
    db: Database,
    currencies: dict[int, str],
    as_of: datetime,
    restrict: bool = True,
) -> dict[int, PaymentAggregates]:
    """Aggregates for the businesses in ``currencies`` (id -> currency) as of ``as_of``.

    The five queries are independent, so they run at once on their own connections. With
    ``restrict=False`` they scan every business and keep only those asked for, which is cheaper
    than a long IN list when recomputing everything.
    """
    builders = {bid: _Builder(currency) for bid, currency in currencies.items()}
    for chunk in _chunks(sorted(builders)) if restrict else [None]:
        await asyncio.gather(
            *(
                _on_own_session(db, query, builders, chunk, as_of)
                for query in (
                    _charges_by_month,
                    _customer_concentration,
                    _refunds,
                    _disputes,
                    _payouts,
                )
            )
        )
    return {bid: _finish(b, as_of) for bid, b in builders.items()}


async def _on_own_session(
    db: Database,
    query: Callable[
        [AsyncSession, dict[int, _Builder], Sequence[int] | None, datetime], Awaitable[None]
    ],
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    async with db.sessions() as session:
        await query(session, builders, chunk, as_of)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def _sums(created: Any, amount: Any, count: Any, as_of: datetime) -> list[ColumnElement[Any]]:
    """SUM(amount), SUM(count), then the same for each trailing window (CASE expressions)."""
    columns: list[ColumnElement[Any]] = [func.sum(amount), func.sum(count)]
    for days in WINDOW_DAYS:
        inside = created > as_of - timedelta(days=days)
        columns.append(func.sum(case((inside, amount), else_=0)))
        columns.append(func.sum(case((inside, count), else_=0)))
    return columns


def _scope(column: Any, chunk: Sequence[int] | None) -> list[ColumnElement[bool]]:
    return [column.in_(chunk)] if chunk is not None else []


async def _charges_by_month(
    session: AsyncSession,
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    month = month_key(col(Charge.created))
    query = (
        select(
            col(Charge.business_id),
            col(Charge.currency),
            month,
            func.min(col(Charge.created)),
            func.max(col(Charge.created)),
            *_sums(col(Charge.created), col(Charge.amount), 1, as_of),
        )
        .where(
            col(Charge.status) == "succeeded",
            col(Charge.created) <= as_of,
            *_scope(col(Charge.business_id), chunk),
        )
        .group_by(col(Charge.business_id), col(Charge.currency), month)
    )
    for row in await session.execute(query):
        b = builders.get(row[0])
        if b is None:
            continue
        if row[1] != b.currency:
            b.other_currency += int(row[6])
            continue
        b.add(row, row[2], "gross", "charges", first=5)
        first, last = _aware(row[3]), _aware(row[4])
        b.first = first if b.first is None or first < b.first else b.first
        b.last = last if b.last is None or last > b.last else b.last


async def _customer_concentration(
    session: AsyncSession,
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    """Per business: identified volume, the top one and top three customers, active customers."""
    per_customer = (
        select(
            col(Charge.business_id),
            col(Charge.currency),
            func.sum(col(Charge.amount)).label("amount"),
            func.max(col(Charge.created)).label("last"),
        )
        .where(
            col(Charge.status) == "succeeded",
            col(Charge.customer_hash).is_not(None),
            col(Charge.created) > as_of - timedelta(days=365),
            col(Charge.created) <= as_of,
            *_scope(col(Charge.business_id), chunk),
        )
        .group_by(col(Charge.business_id), col(Charge.currency), col(Charge.customer_hash))
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=(per_customer.c.business_id, per_customer.c.currency),
        order_by=per_customer.c.amount.desc(),
    )
    ranked = select(per_customer, rank.label("rn")).subquery()
    active = [
        func.sum(case((ranked.c.last > as_of - timedelta(days=days), 1), else_=0))
        for days in WINDOW_DAYS
    ]
    query = select(
        ranked.c.business_id,
        ranked.c.currency,
        func.sum(ranked.c.amount),
        func.sum(case((ranked.c.rn == 1, ranked.c.amount), else_=0)),
        func.sum(case((ranked.c.rn <= 3, ranked.c.amount), else_=0)),
        *active,
    ).group_by(ranked.c.business_id, ranked.c.currency)
    for row in await session.execute(query):
        b = builders.get(row[0])
        if b is not None and row[1] == b.currency:
            counts = {days: int(row[5 + i]) for i, days in enumerate(WINDOW_DAYS)}
            b.customers = (int(row[2]), int(row[3]), int(row[4]), counts)


async def _refunds(
    session: AsyncSession,
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    month = month_key(col(Refund.created))
    query = (
        select(
            col(Refund.business_id),
            col(Refund.currency),
            month,
            *_sums(col(Refund.created), col(Refund.amount), 1, as_of),
        )
        .where(
            col(Refund.status).in_(("succeeded", "pending")),
            col(Refund.created) <= as_of,
            *_scope(col(Refund.business_id), chunk),
        )
        .group_by(col(Refund.business_id), col(Refund.currency), month)
    )
    for row in await session.execute(query):
        b = builders.get(row[0])
        if b is not None and row[1] == b.currency:
            b.add(row, row[2], "refunded", "refunds", first=3)


async def _disputes(
    session: AsyncSession,
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    month = month_key(col(Dispute.created))
    # Funds come back when a dispute is won, so won disputes do not reduce net volume.
    withheld = case((col(Dispute.status) != "won", col(Dispute.amount)), else_=0)
    query = (
        select(
            col(Dispute.business_id),
            col(Dispute.currency),
            month,
            *_sums(col(Dispute.created), withheld, 1, as_of),
        )
        .where(col(Dispute.created) <= as_of, *_scope(col(Dispute.business_id), chunk))
        .group_by(col(Dispute.business_id), col(Dispute.currency), month)
    )
    for row in await session.execute(query):
        b = builders.get(row[0])
        if b is not None and row[1] == b.currency:
            b.add(row, row[2], "disputed", "disputes", first=3)


async def _payouts(
    session: AsyncSession,
    builders: dict[int, _Builder],
    chunk: Sequence[int] | None,
    as_of: datetime,
) -> None:
    month = month_key(col(Payout.created))
    failed = case((col(Payout.status) == "failed", 1), else_=0)
    query = (
        select(col(Payout.business_id), month, *_sums(col(Payout.created), failed, 1, as_of))
        .where(col(Payout.created) <= as_of, *_scope(col(Payout.business_id), chunk))
        .group_by(col(Payout.business_id), month)
    )
    for row in await session.execute(query):
        b = builders.get(row[0])
        if b is not None:
            b.add(row, row[1], "payouts_failed", "payouts", first=2)


def _totals(sums: list[int], customers: int = 0) -> Totals:
    return Totals(**dict(zip(FIELDS, sums, strict=True)), customers=customers)


def _finish(b: _Builder, as_of: datetime) -> PaymentAggregates:
    identified, top, top3, active = b.customers
    return PaymentAggregates(
        as_of=as_of,
        currency=b.currency,
        first_charge_at=b.first,
        last_charge_at=b.last,
        months=tuple(MonthTotals(m, _totals(sums)) for m, sums in sorted(b.months.items())),
        windows={days: _totals(b.windows[days], active.get(days, 0)) for days in WINDOW_DAYS},
        top_customer_volume=top,
        top3_customer_volume=top3,
        identified_volume=identified,
        other_currency_charges=b.other_currency,
    )


def _aware(value: datetime | str) -> datetime:
    """MIN/MAX over a timestamp come back untyped on SQLite; normalize to aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
