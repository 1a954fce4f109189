"""Monthly rollups of payment history: what one payment row adds to them, and how a trailing
window splits into whole rollup months and the edge days read from the rows themselves.

A row adds to the month of its own ``created`` date (charges by charge date, refunds by refund
date, disputes by dispute date), so a refund made after its charge's month ends changes the
refund's month only. A row that changes state (a pending charge that succeeds, a dispute that is
won) changes the rollups by the difference between what its old and its new state add.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vaultra_mcp.core.aggregates import WINDOW_DAYS

FIELDS: tuple[str, ...] = (
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
COUNTED_REFUNDS = frozenset({"succeeded", "pending"})

MonthKey = tuple[int, str, str]  # business, month "YYYY-MM", currency
CustomerKey = tuple[int, str, str, str]  # business, month, currency, customer hash


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one row in one state adds: sums by ``FIELDS`` to its month, and for a succeeded
    charge its time (the month's first/last charge) and its customer's volume."""

    key: MonthKey
    sums: tuple[int, ...]
    charge_at: datetime | None = None
    customer: str | None = None


def utc(moment: datetime) -> datetime:
    """Aware UTC; naive values are UTC already (how the databases hand them back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def month_of(moment: datetime) -> str:
    moment = utc(moment)
    return f"{moment.year:04d}-{moment.month:02d}"


def month_start(moment: datetime) -> datetime:
    moment = utc(moment)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month_start(moment: datetime) -> datetime:
    start = month_start(moment)
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def contribution(kind: str, row: Mapping[str, Any]) -> Contribution | None:
    """What a row of table ``kind`` adds to the rollups, or None when it adds nothing (a
    failed charge, a refund that failed or was cancelled)."""
    sums = [0] * len(FIELDS)
    charge_at = customer = None
    if kind == "charges":
        if row["status"] != "succeeded":
            return None
        sums[INDEX["gross"]], sums[INDEX["charges"]] = row["amount"], 1
        charge_at, customer = utc(row["created"]), row.get("customer_hash")
    elif kind == "refunds":
        if row["status"] not in COUNTED_REFUNDS:
            return None
        sums[INDEX["refunded"]], sums[INDEX["refunds"]] = row["amount"], 1
    elif kind == "disputes":
        # Funds come back when a dispute is won, so won disputes do not reduce net volume.
        sums[INDEX["disputes"]] = 1
        sums[INDEX["disputed"]] = row["amount"] if row["status"] != "won" else 0
    elif kind == "payouts":
        sums[INDEX["payouts"]] = 1
        sums[INDEX["payouts_failed"]] = int(row["status"] == "failed")
    else:
        raise ValueError(f"unknown payment kind {kind!r}")
    key = (row["business_id"], month_of(row["created"]), row["currency"])
    return Contribution(key, tuple(sums), charge_at, customer)


@dataclass
class RollupDelta:
    """The change a batch of row writes makes to the rollups.

    Sums add and subtract; a month's first/last charge and a customer's last charge only widen
    on additions, so a removed charge marks its month (and customer month) stale instead, to be
    read again from the rows.
    """

    months: dict[MonthKey, list[int]] = field(default_factory=dict)
    customers: dict[CustomerKey, list[int]] = field(default_factory=dict)  # volume, charges
    bounds: dict[MonthKey, tuple[datetime, datetime]] = field(default_factory=dict)
    customer_last: dict[CustomerKey, datetime] = field(default_factory=dict)
    stale_months: set[MonthKey] = field(default_factory=set)
    stale_customers: set[CustomerKey] = field(default_factory=set)

    def change(self, kind: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        """Account for one row going from ``old`` (None: it was absent) to ``new``."""
        before = contribution(kind, old) if old is not None else None
        after = contribution(kind, new)
        if before == after:
            return
        if before is not None:
            self._add(before, -1)
        if after is not None:
            self._add(after, 1)

    def _add(self, c: Contribution, sign: int) -> None:
        sums = self.months.setdefault(c.key, [0] * len(FIELDS))
        for i, value in enumerate(c.sums):
            sums[i] += sign * value
        if c.charge_at is None:
            return
        customer = (*c.key, c.customer) if c.customer else None
        if customer is not None:
            volume = self.customers.setdefault(customer, [0, 0])
            volume[0] += sign * c.sums[INDEX["gross"]]
            volume[1] += sign
        if sign < 0:
            self.stale_months.add(c.key)
            if customer is not None:
                self.stale_customers.add(customer)
            return
        first, last = self.bounds.get(c.key, (c.charge_at, c.charge_at))
        self.bounds[c.key] = (min(first, c.charge_at), max(last, c.charge_at))
        if customer is not None:
            seen = self.customer_last.get(customer, c.charge_at)
            self.customer_last[customer] = max(seen, c.charge_at)

    def __bool__(self) -> bool:
        return bool(self.months)


@dataclass(frozen=True, slots=True)
class WindowSplit:
    """Trailing window ``(start, as_of]``: whole rollup months from ``first_full`` up to the
    current month, corrected by the rows of its first, partial month, whichever side of
    ``start`` is shorter to read. ``sign`` 1 adds the rows in ``(start, edge_to)`` (the month is
    not counted whole); -1 takes the rows in ``[edge_from, start]`` away from the whole month.
    """

    days: int
    start: datetime
    first_full: str
    sign: int
    edge_from: datetime
    edge_to: datetime

    @property
    def has_edge(self) -> bool:
        """False when the window starts inside the current month: no edge rows to read."""
        return self.sign < 0 or self.edge_from < self.edge_to


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """How every trailing window of one instant splits; the current month is always read from
    the rows, because only they know which of its payments come after ``as_of``."""

    as_of: datetime
    current_start: datetime
    current_month: str
    windows: tuple[WindowSplit, ...]

    def window(self, days: int) -> WindowSplit:
        return next(w for w in self.windows if w.days == days)


def window_plan(as_of: datetime) -> WindowPlan:
    as_of = utc(as_of)
    current = month_start(as_of)
    return WindowPlan(
        as_of,
        current,
        month_of(current),
        tuple(_split(days, as_of - timedelta(days=days), current) for days in WINDOW_DAYS),
    )


def _split(days: int, start: datetime, current: datetime) -> WindowSplit:
    first, after = month_start(start), next_month_start(start)
    if first < current and start - first < after - start:
        return WindowSplit(days, start, month_of(first), -1, first, start)
    end = min(after, current)  # the whole window may lie in the current month
    return WindowSplit(days, start, month_of(after), 1, start, end)
