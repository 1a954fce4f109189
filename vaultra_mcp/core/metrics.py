"""Financial metrics from aggregated payment history.

Everything here is a pure function of ``PaymentAggregates``. Ratios are percentages (0.45 means
0.45%), money is integer minor units, and a metric that cannot be computed is ``None`` rather
than a guess.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from vaultra_mcp.core.aggregates import WINDOW_DAYS, PaymentAggregates, Totals

DAYS_PER_MONTH = 365.25 / 12
SERIES_MONTHS = 25  # 24 complete months (two years, for year-over-year growth) + the current one
STABILITY_MONTHS = 12
FIRST_MONTH_GRACE_DAYS = 3
LOW_VOLUME_SHARE_OF_MEAN = 0.25
PERIOD_DAYS: dict[str, int] = {
    "90d": 90,
    "6m": 182,
    "12m": 365,
}  # summary periods -> windows  # a month under a quarter of the average month counts as "low"


class WindowMetrics(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: int
    gross_volume: int
    net_volume: int
    charge_count: int
    refunded_amount: int
    refund_count: int
    refund_rate_pct: float | None
    dispute_count: int
    dispute_activity_pct: float | None
    average_ticket: int | None
    distinct_customers: int
    payout_count: int
    failed_payouts: int


class MonthMetrics(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str
    gross_volume: int
    net_volume: int
    charge_count: int
    refund_rate_pct: float | None
    dispute_count: int
    failed_payouts: int
    complete: bool


class MetricSet(BaseModel):
    """One business's metrics as of one instant; stored as a snapshot and read by every tool."""

    model_config = ConfigDict(frozen=True)

    as_of: datetime
    currency: str
    months_of_history: float
    first_charge_at: datetime | None
    last_charge_at: datetime | None
    days_since_last_charge: int | None
    windows: dict[int, WindowMetrics]
    monthly: list[MonthMetrics]
    growth_3m_pct: float | None
    growth_6m_pct: float | None
    growth_12m_pct: float | None
    volatility_cv: float | None
    low_volume_months: int
    zero_volume_months: int
    top_customer_share_pct: float | None
    top3_customer_share_pct: float | None
    identified_volume_share_pct: float | None
    annual_volume_run_rate: int
    other_currency_charges: int

    def window(self, days: int) -> WindowMetrics:
        return self.windows[days]


def compute_metrics(agg: PaymentAggregates) -> MetricSet:
    months = _month_series(agg)
    complete = [m for m in months if m.complete]
    volumes = [m.gross_volume for m in complete]
    stability = volumes[-STABILITY_MONTHS:]
    year = agg.window(365)
    history = _months_between(agg.first_charge_at, agg.as_of)
    return MetricSet(
        as_of=agg.as_of,
        currency=agg.currency,
        months_of_history=history,
        first_charge_at=agg.first_charge_at,
        last_charge_at=agg.last_charge_at,
        days_since_last_charge=(
            (agg.as_of - agg.last_charge_at).days if agg.last_charge_at is not None else None
        ),
        windows={days: _window_metrics(days, agg.window(days)) for days in WINDOW_DAYS},
        monthly=months,
        growth_3m_pct=growth_pct(volumes, 3),
        growth_6m_pct=growth_pct(volumes, 6),
        growth_12m_pct=growth_pct(volumes, 12),
        volatility_cv=coefficient_of_variation(stability),
        low_volume_months=low_volume_months(stability),
        zero_volume_months=sum(1 for v in volumes if v == 0),
        top_customer_share_pct=_share(agg.top_customer_volume, agg.identified_volume),
        top3_customer_share_pct=_share(agg.top3_customer_volume, agg.identified_volume),
        identified_volume_share_pct=_share(agg.identified_volume, year.gross),
        annual_volume_run_rate=annual_run_rate(year.gross, history),
        other_currency_charges=agg.other_currency_charges,
    )


def growth_pct(volumes: list[int], months: int) -> float | None:
    """Last ``months`` complete months against the ``months`` before them, in percent.

    Comparing equal spans of calendar months (rolling totals) is how lenders keep seasonality out
    of a trend (DOMAIN.md §3); with fewer than ``2 * months`` complete months there is no answer.
    """
    if len(volumes) < 2 * months:
        return None
    recent = sum(volumes[-months:])
    prior = sum(volumes[-2 * months : -months])
    if prior == 0:
        return None
    return round((recent - prior) / prior * 100, 1)


def coefficient_of_variation(volumes: list[int]) -> float | None:
    """Population standard deviation over mean of monthly volume; needs three months."""
    if len(volumes) < 3:
        return None
    mean = statistics.fmean(volumes)
    if mean == 0:
        return None
    return round(statistics.pstdev(volumes) / mean, 3)


def low_volume_months(volumes: list[int]) -> int:
    """Months under a quarter of the average month: Stripe's "periods of low or zero volume"."""
    if not volumes:
        return 0
    floor = statistics.fmean(volumes) * LOW_VOLUME_SHARE_OF_MEAN
    return sum(1 for v in volumes if v < floor or v == 0)


def annual_run_rate(volume_365: int, months_of_history: float) -> int:
    """Trailing-year volume, annualized when the business has less than a year of history."""
    if 0 < months_of_history < 12:
        return round(volume_365 * 12 / max(months_of_history, 1.0))
    return volume_365


def _window_metrics(days: int, t: Totals) -> WindowMetrics:
    return WindowMetrics(
        days=days,
        gross_volume=t.gross,
        net_volume=t.gross - t.refunded - t.disputed,
        charge_count=t.charges,
        refunded_amount=t.refunded,
        refund_count=t.refunds,
        refund_rate_pct=_share(t.refunded, t.gross, digits=2),
        dispute_count=t.disputes,
        dispute_activity_pct=_share(t.disputes, t.charges, digits=2),
        average_ticket=round(t.gross / t.charges) if t.charges else None,
        distinct_customers=t.customers,
        payout_count=t.payouts,
        failed_payouts=t.payouts_failed,
    )


def _month_series(agg: PaymentAggregates) -> list[MonthMetrics]:
    """Up to 25 calendar months ending with ``as_of``'s, zero-filled from the first charge on."""
    if agg.first_charge_at is None:
        return []
    by_month = {m.month: m.totals for m in agg.months}
    first = max(_month_index(agg.first_charge_at), _month_index(agg.as_of) - SERIES_MONTHS + 1)
    current = _month_index(agg.as_of)
    first_complete = _first_complete_month(agg.first_charge_at)
    series = []
    for index in range(first, current + 1):
        key = _month_key(index)
        t = by_month.get(key, Totals())
        series.append(
            MonthMetrics(
                month=key,
                gross_volume=t.gross,
                net_volume=t.gross - t.refunded - t.disputed,
                charge_count=t.charges,
                refund_rate_pct=_share(t.refunded, t.gross, digits=2),
                dispute_count=t.disputes,
                failed_payouts=t.payouts_failed,
                complete=first_complete <= index < current,
            )
        )
    return series


def _first_complete_month(first_charge_at: datetime) -> int:
    """A business that started processing in a month's first days has that month complete."""
    index = _month_index(first_charge_at)
    return index if first_charge_at.day <= FIRST_MONTH_GRACE_DAYS else index + 1


def _months_between(start: datetime | None, end: datetime) -> float:
    if start is None or start > end:
        return 0.0
    return round((end - start).total_seconds() / 86_400 / DAYS_PER_MONTH, 1)


def _share(part: int, whole: int, digits: int = 1) -> float | None:
    if whole <= 0:
        return None
    return round(part / whole * 100, digits)


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
