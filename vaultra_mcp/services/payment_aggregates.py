"""Payment history summed for many businesses at once, from the monthly rollups.

Whole months before the current one come from ``payment_rollups`` (a few rows per business and
month). Each trailing window's first, partial month and the current month, up to ``as_of``, are
read from the payment rows themselves through their ``(business_id, created)`` index, so every
figure equals what summing the raw rows would give (``core.rollups.window_plan`` says which days
come from where). Customer concentration ranks each customer's trailing-year volume, the sum of
their ``customer_rollups`` months and their edge-day charges.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from vaultra_mcp.core.aggregates import WINDOW_DAYS, MonthTotals, PaymentAggregates, Totals
from vaultra_mcp.core.rollups import (
    COUNTED_REFUNDS,
    FIELDS,
    INDEX,
    WindowPlan,
    WindowSplit,
    window_plan,
)
from vaultra_mcp.db import Database
from vaultra_mcp.models import Charge, CustomerRollup, Dispute, PaymentRollup, Payout, Refund
from vaultra_mcp.services.rollups import as_utc

IN_CHUNK = 5_000  # stay far below SQLite's bound-parameter limit
CHARGE_FIELDS = frozenset({"gross", "charges", "refunded", "refunds", "disputes", "disputed"})


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

    def bound(self, first: datetime | None, last: datetime | None) -> None:
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last

    def add_current(self, row: Any, month: str, amount: str, count: str, first: int) -> None:
        """The current month's rows: its totals, then each window's sums (from ``first`` on)."""
        a, n = INDEX[amount], INDEX[count]
        sums = self.months.setdefault(month, [0] * len(FIELDS))
        sums[a] += int(row[first] or 0)
        sums[n] += int(row[first + 1] or 0)
        for offset, days in enumerate(WINDOW_DAYS):
            window = self.windows[days]
            window[a] += int(row[first + 2 + 2 * offset] or 0)
            window[n] += int(row[first + 3 + 2 * offset] or 0)

    def add_edge(self, days: int, row: Any, amount: str, count: str, first: int) -> None:
        """A window's edge rows, already signed (``WindowSplit.sign``)."""
        window = self.windows[days]
        window[INDEX[amount]] += int(row[first] or 0)
        window[INDEX[count]] += int(row[first + 1] or 0)


async def load_aggregates(
    db: Database, currencies: dict[int, str], as_of: datetime
) -> dict[int, PaymentAggregates]:
    """Aggregates for the businesses in ``currencies`` (id -> currency) as of ``as_of``.

    The queries are independent, so they run at once on their own connections.
    """
    plan = window_plan(as_of)
    builders = {bid: _Builder(currency) for bid, currency in currencies.items()}
    for chunk in _chunks(sorted(builders)):
        await asyncio.gather(
            *(
                _on_own_session(db, query, builders, chunk, plan)
                for query in (_rollup_months, _customer_concentration, *EDGE_QUERIES)
            )
        )
    return {bid: _finish(b, plan.as_of) for bid, b in builders.items()}


Query = Callable[[AsyncSession, dict[int, _Builder], Sequence[int], WindowPlan], Awaitable[None]]


async def _on_own_session(
    db: Database,
    query: Query,
    builders: dict[int, _Builder],
    chunk: Sequence[int],
    plan: WindowPlan,
) -> None:
    async with db.sessions() as session:
        await query(session, builders, chunk, plan)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


async def _rollup_months(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    """Whole months before the current one: month totals, and each window's whole months."""
    r = PaymentRollup.__table__.c  # type: ignore[attr-defined]
    query = select(
        r.business_id,
        r.month,
        r.currency,
        *(r[name] for name in FIELDS),
        r.first_charge_at,
        r.last_charge_at,
    ).where(r.business_id.in_(list(chunk)), r.month < plan.current_month)
    for row in await session.execute(query):
        b = builders[row[0]]
        month, ours = row[1], row[2] == b.currency
        values = row[3 : 3 + len(FIELDS)]
        if not ours:
            b.other_currency += int(values[INDEX["charges"]])
        kept = [
            int(v) if ours or name not in CHARGE_FIELDS else 0
            for name, v in zip(FIELDS, values, strict=True)
        ]
        sums = b.months.setdefault(month, [0] * len(FIELDS))
        for i, v in enumerate(kept):
            sums[i] += v
        for split in plan.windows:
            if month >= split.first_full:
                window = b.windows[split.days]
                for i, v in enumerate(kept):
                    window[i] += v
        if ours:
            b.bound(as_utc(row[-2]), as_utc(row[-1]))


def _current(created: Any, plan: WindowPlan) -> ColumnElement[bool]:
    return and_(created >= plan.current_start, created <= plan.as_of)


def _edge(created: Any, split: WindowSplit) -> ColumnElement[bool]:
    """The window's edge rows: one range of the ``(business_id, created)`` index."""
    if split.sign > 0:
        return and_(created > split.edge_from, created < split.edge_to)
    return and_(created >= split.edge_from, created <= split.edge_to)


def _current_sums(
    created: Any, amount: Any, count: Any, plan: WindowPlan
) -> list[ColumnElement[Any]]:
    """SUM(amount), SUM(count), then the same for the part of each window in this month."""
    columns: list[ColumnElement[Any]] = [func.sum(amount), func.sum(count)]
    for split in plan.windows:
        inside = created > split.start
        columns.append(func.sum(case((inside, amount), else_=0)))
        columns.append(func.sum(case((inside, count), else_=0)))
    return columns


async def _rows(
    session: AsyncSession,
    table: Any,
    plan: WindowPlan,
    chunk: Sequence[int],
    amount: Any,
    where: list[ColumnElement[bool]],
    extra: Sequence[ColumnElement[Any]] = (),
) -> AsyncIterator[tuple[WindowSplit | None, Any]]:
    """The current month's groups (split None), then each window's signed edge groups; both
    by (business, currency): business, currency, ``extra``, then the sums."""
    created = table.c.created
    keys = (table.c.business_id, table.c.currency)
    scope = [table.c.business_id.in_(list(chunk)), *where]
    current = (
        select(*keys, *extra, *_current_sums(created, amount, 1, plan))
        .where(*scope, _current(created, plan))
        .group_by(*keys)
    )
    for row in await session.execute(current):
        yield None, row
    for split in plan.windows:
        if not split.has_edge:
            continue
        sign: ColumnElement[Any] = literal_column(str(split.sign))
        edge = (
            select(*keys, *extra, func.sum(amount * sign), func.count() * sign)
            .where(*scope, _edge(created, split))
            .group_by(*keys)
        )
        for row in await session.execute(edge):
            yield split, row


async def _charges(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    t = Charge.__table__  # type: ignore[attr-defined]
    bounds = (func.min(t.c.created), func.max(t.c.created))
    rows = _rows(session, t, plan, chunk, t.c.amount, [t.c.status == "succeeded"], bounds)
    async for split, row in rows:
        b = builders[row[0]]
        if row[1] != b.currency:
            b.other_currency += int(row[5]) if split is None else 0
        elif split is None:
            b.add_current(row, plan.current_month, "gross", "charges", first=4)
            b.bound(as_utc(row[2]), as_utc(row[3]))
        else:
            b.add_edge(split.days, row, "gross", "charges", first=4)


async def _refunds(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    t = Refund.__table__  # type: ignore[attr-defined]
    counted = [t.c.status.in_(sorted(COUNTED_REFUNDS))]
    async for split, row in _rows(session, t, plan, chunk, t.c.amount, counted):
        _add(builders[row[0]], split, row, plan, "refunded", "refunds", ours=True)


async def _disputes(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    t = Dispute.__table__  # type: ignore[attr-defined]
    # Funds come back when a dispute is won, so won disputes do not reduce net volume.
    withheld = case((t.c.status != "won", t.c.amount), else_=0)
    async for split, row in _rows(session, t, plan, chunk, withheld, []):
        _add(builders[row[0]], split, row, plan, "disputed", "disputes", ours=True)


async def _payouts(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    t = Payout.__table__  # type: ignore[attr-defined]
    failed = case((t.c.status == "failed", 1), else_=0)
    async for split, row in _rows(session, t, plan, chunk, failed, []):
        # Payouts count in whatever currency they were paid out.
        _add(builders[row[0]], split, row, plan, "payouts_failed", "payouts", ours=False)


def _add(
    b: _Builder,
    split: WindowSplit | None,
    row: Any,
    plan: WindowPlan,
    amount: str,
    count: str,
    ours: bool,
) -> None:
    if ours and row[1] != b.currency:
        return
    if split is None:
        b.add_current(row, plan.current_month, amount, count, first=2)
    else:
        b.add_edge(split.days, row, amount, count, first=2)


EDGE_QUERIES: tuple[Query, ...] = (_charges, _refunds, _disputes, _payouts)


async def _customer_concentration(
    session: AsyncSession, builders: dict[int, _Builder], chunk: Sequence[int], plan: WindowPlan
) -> None:
    """Per business: identified volume, the top one and top three customers, active customers.

    A customer's trailing year is their whole rollup months plus their edge-day charges; the
    latest charge among those pieces says in which windows they were active.
    """
    year = plan.window(365)
    c = CustomerRollup.__table__.c  # type: ignore[attr-defined]
    t = Charge.__table__.c  # type: ignore[attr-defined]
    identified = [
        t.business_id.in_(list(chunk)),
        t.status == "succeeded",
        t.customer_hash.is_not(None),
    ]
    pieces: list[Any] = [
        select(c.business_id, c.currency, c.customer_hash, c.volume, c.last_charge_at).where(
            c.business_id.in_(list(chunk)),
            c.month >= year.first_full,
            c.month < plan.current_month,
            c.charges > 0,
        ),
        select(t.business_id, t.currency, t.customer_hash, t.amount, t.created).where(
            *identified, _current(t.created, plan)
        ),
        select(
            t.business_id,
            t.currency,
            t.customer_hash,
            t.amount * literal_column(str(year.sign)),
            # rows taken away from a whole month say nothing about when a customer was active
            t.created if year.sign > 0 else null(),
        ).where(*identified, _edge(t.created, year)),
    ]
    union = union_all(*pieces).subquery()
    per_customer = (
        select(
            union.c.business_id,
            union.c.currency,
            _bucket(union.c.customer_hash).label("bucket"),
            func.sum(union.c.volume).label("amount"),
            func.max(union.c.last_charge_at).label("last"),
        )
        .group_by(union.c.business_id, union.c.currency, union.c.customer_hash)
        .cte("per_customer")  # read three times below: both databases compute it once
    )
    keys = (per_customer.c.business_id, per_customer.c.currency)
    active = [func.sum(case((per_customer.c.last > w.start, 1), else_=0)) for w in plan.windows]
    totals = (
        select(*keys, func.sum(per_customer.c.amount).label("identified"), *active)
        .group_by(*keys)
        .subquery()
    )
    tops = _top_customers(per_customer)
    same = and_(tops.c.business_id == totals.c.business_id, tops.c.currency == totals.c.currency)
    for row in await session.execute(
        select(totals, tops.c.top, tops.c.top3).select_from(totals.outerjoin(tops, same))
    ):
        b = builders[row[0]]
        if row[1] == b.currency:
            counts = {days: int(row[3 + i]) for i, days in enumerate(WINDOW_DAYS)}
            b.customers = (int(row[2]), int(row[-2] or 0), int(row[-1] or 0), counts)


def _bucket(customer: Any) -> ColumnElement[int]:
    """Customers in three groups by their hash's first character (any split would do)."""
    first = func.substr(customer, 1, 1)
    return case((first < "6", 0), (first < "b", 1), else_=2)


def _top_customers(per_customer: Any) -> Any:
    """The largest and the three largest customers' volumes, for ``totals``' business.

    Ranking every customer means sorting them all; only customers at least as large as the
    smallest of the three groups' largest need ranking, since three customers (one per group)
    are at least that large. A business with a group empty ranks everyone.
    """
    keys = (per_customer.c.business_id, per_customer.c.currency)
    largest = [
        func.max(case((per_customer.c.bucket == i, per_customer.c.amount))) for i in range(3)
    ]
    floors = (
        select(
            *keys,
            case(
                (and_(*(m.is_not(None) for m in largest)), _smallest(*largest)),
                else_=None,
            ).label("floor"),
        )
        .group_by(*keys)
        .subquery()
    )
    candidates = (
        select(
            *keys,
            per_customer.c.amount,
            func.row_number()
            .over(partition_by=keys, order_by=per_customer.c.amount.desc())
            .label("rn"),
        )
        .join(
            floors,
            and_(
                floors.c.business_id == per_customer.c.business_id,
                floors.c.currency == per_customer.c.currency,
            ),
        )
        .where(or_(floors.c.floor.is_(None), per_customer.c.amount >= floors.c.floor))
        .subquery()
    )
    return (
        select(
            candidates.c.business_id,
            candidates.c.currency,
            func.sum(case((candidates.c.rn == 1, candidates.c.amount), else_=0)).label("top"),
            func.sum(case((candidates.c.rn <= 3, candidates.c.amount), else_=0)).label("top3"),
        )
        .group_by(candidates.c.business_id, candidates.c.currency)
        .subquery()
    )


def _smallest(a: Any, b: Any, c: Any) -> ColumnElement[Any]:
    """LEAST on PostgreSQL, min() on SQLite: spelled out so both read it the same."""
    return case((and_(a <= b, a <= c), a), (b <= c, b), else_=c)


def _totals(sums: list[int], customers: int = 0) -> Totals:
    return Totals(**dict(zip(FIELDS, sums, strict=True)), customers=customers)


def _finish(b: _Builder, as_of: datetime) -> PaymentAggregates:
    identified, top, top3, active = b.customers
    return PaymentAggregates(
        as_of=as_of,
        currency=b.currency,
        first_charge_at=b.first,
        last_charge_at=b.last,
        months=tuple(  # a month of other currencies only, or of rows since undone, is no month
            MonthTotals(m, _totals(sums)) for m, sums in sorted(b.months.items()) if any(sums)
        ),
        windows={days: _totals(b.windows[days], active.get(days, 0)) for days in WINDOW_DAYS},
        top_customer_volume=top,
        top3_customer_volume=top3,
        identified_volume=identified,
        other_currency_charges=b.other_currency,
    )
