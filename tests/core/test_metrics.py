from dataclasses import replace
from datetime import UTC, datetime

import pytest

from vaultra_mcp.core.aggregates import MonthTotals, PaymentAggregates, Totals
from vaultra_mcp.core.metrics import (
    annual_run_rate,
    coefficient_of_variation,
    compute_metrics,
    growth_pct,
    low_volume_months,
)

AS_OF = datetime(2026, 11, 21, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("volumes", "months", "expected"),
    [
        ([100, 100, 100, 110, 110, 110], 3, 10.0),
        ([200, 200, 100, 100], 2, -50.0),
        ([100] * 23, 12, None),  # needs 24 complete months
        ([0, 0, 0, 5, 5, 5], 3, None),  # nothing to compare against
        ([50, 50, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100], 6, 33.3),  # 600 vs 450
    ],
)
def test_growth_compares_equal_spans_of_complete_months(volumes, months, expected):
    assert growth_pct(volumes, months) == expected


@pytest.mark.parametrize(
    ("volumes", "expected"),
    [
        ([100, 100, 100], 0.0),
        ([50, 100, 150], 0.408),  # pstdev 40.82 / mean 100
        ([0, 0, 300], 1.414),
        ([100, 100], None),  # fewer than three months
        ([0, 0, 0], None),
    ],
)
def test_coefficient_of_variation_is_population_std_over_mean(volumes, expected):
    assert coefficient_of_variation(volumes) == expected


def test_low_volume_months_are_under_a_quarter_of_the_average_month():
    # mean 100; a quarter is 25: 0 and 24 are low, 25 is not
    assert low_volume_months([0, 24, 25, 151, 300]) == 2


@pytest.mark.parametrize(
    ("volume", "months", "expected"),
    [(120_000, 24.0, 120_000), (30_000, 3.0, 120_000), (30_000, 0.5, 360_000), (0, 0.0, 0)],
)
def test_annual_run_rate_annualizes_only_short_histories(volume, months, expected):
    assert annual_run_rate(volume, months) == expected


def _aggregates() -> PaymentAggregates:
    """Three months: Sep and Oct complete (first charge Sep 1), Nov partial."""
    return PaymentAggregates(
        as_of=AS_OF,
        currency="usd",
        first_charge_at=datetime(2026, 9, 1, 9, tzinfo=UTC),
        last_charge_at=datetime(2026, 11, 20, tzinfo=UTC),
        months=(
            MonthTotals("2026-09", Totals(gross=100_000, charges=100, refunded=5_000, refunds=5)),
            MonthTotals("2026-10", Totals(gross=200_000, charges=200, disputes=2, disputed=4_000)),
            MonthTotals("2026-11", Totals(gross=60_000, charges=50, payouts=3, payouts_failed=1)),
        ),
        windows={
            30: Totals(gross=100_000, charges=90, customers=40),
            90: Totals(
                gross=360_000,
                charges=350,
                refunded=5_000,
                refunds=5,
                disputes=2,
                disputed=4_000,
                payouts=10,
                payouts_failed=1,
                customers=120,
            ),
            182: Totals(gross=360_000, charges=350, customers=120),
            365: Totals(gross=360_000, charges=350, payouts_failed=1, customers=120),
        },
        top_customer_volume=90_000,
        top3_customer_volume=180_000,
        identified_volume=300_000,
    )


def test_window_metrics_are_hand_computed():
    quarter = compute_metrics(_aggregates()).window(90)
    assert quarter.gross_volume == 360_000
    assert quarter.net_volume == 360_000 - 5_000 - 4_000
    assert quarter.refund_rate_pct == 1.39  # 5,000 / 360,000
    assert quarter.dispute_activity_pct == 0.57  # 2 / 350
    assert quarter.average_ticket == 1_029  # 360,000 / 350
    assert quarter.distinct_customers == 120
    assert quarter.failed_payouts == 1


def test_history_shares_and_series_are_hand_computed():
    metrics = compute_metrics(_aggregates())
    assert metrics.months_of_history == 2.7  # Sep 1 09:00 to Nov 21 12:00 is 81.1 days
    assert metrics.days_since_last_charge == 1
    assert metrics.top_customer_share_pct == 30.0
    assert metrics.top3_customer_share_pct == 60.0
    assert metrics.identified_volume_share_pct == 83.3
    assert [m.month for m in metrics.monthly] == ["2026-09", "2026-10", "2026-11"]
    assert [m.complete for m in metrics.monthly] == [True, True, False]
    assert metrics.monthly[1].net_volume == 196_000
    assert metrics.annual_volume_run_rate == round(360_000 * 12 / 2.7)


def test_a_first_month_that_starts_late_is_not_complete():
    late = replace(_aggregates(), first_charge_at=datetime(2026, 9, 14, tzinfo=UTC))
    assert [m.complete for m in compute_metrics(late).monthly] == [False, True, False]


def test_months_without_payments_are_zero_filled():
    agg = _aggregates()
    sparse = replace(agg, months=(agg.months[0], agg.months[2]))
    october = compute_metrics(sparse).monthly[1]
    assert (october.month, october.gross_volume, october.charge_count) == ("2026-10", 0, 0)


def test_no_payments_gives_empty_metrics_not_errors():
    metrics = compute_metrics(
        PaymentAggregates(as_of=AS_OF, currency="usd", first_charge_at=None, last_charge_at=None)
    )
    assert metrics.months_of_history == 0.0
    assert metrics.monthly == []
    assert metrics.window(90).dispute_activity_pct is None
    assert metrics.top_customer_share_pct is None
