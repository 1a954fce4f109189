"""What the metrics need from payment history, already summed.

The database produces these from the monthly rollups and each window's edge days
(services/payment_aggregates.py); the metric functions never see individual payments. Amounts
are integer minor units of ``currency``; counts are counts of payments, refunds, disputes or
payouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

WINDOW_DAYS: tuple[int, ...] = (30, 90, 182, 365)


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over one calendar month or one trailing window.

    Charges count by charge date, refunds by refund date and disputes by dispute date, as card
    networks count them (DOMAIN.md §2.3).
    """

    gross: int = 0
    charges: int = 0
    refunded: int = 0
    refunds: int = 0
    disputes: int = 0
    disputed: int = 0
    payouts: int = 0
    payouts_failed: int = 0
    customers: int = 0


@dataclass(frozen=True, slots=True)
class MonthTotals:
    month: str  # "YYYY-MM", UTC
    totals: Totals


@dataclass(frozen=True, slots=True)
class PaymentAggregates:
    """Everything one business's metrics are computed from, as of one instant."""

    as_of: datetime
    currency: str
    first_charge_at: datetime | None
    last_charge_at: datetime | None
    months: tuple[MonthTotals, ...] = ()
    windows: dict[int, Totals] = field(default_factory=dict)
    top_customer_volume: int = 0  # the largest customer's trailing-365-day volume
    top3_customer_volume: int = 0  # the three largest customers' together
    identified_volume: int = 0  # trailing-365-day volume from charges with a customer
    other_currency_charges: int = 0

    def window(self, days: int) -> Totals:
        return self.windows.get(days, Totals())
