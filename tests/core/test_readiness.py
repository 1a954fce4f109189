import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.inputs import inputs
from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.readiness import COMPONENT_BUILDERS, MAX_SCORE, score_readiness, weakest


def points(key: str, **changes) -> int:
    return score_readiness(inputs(**changes)).component(key).points


def test_component_maxima_add_up_to_100():
    assert sum(build(inputs()).max_points for build in COMPONENT_BUILDERS) == MAX_SCORE


def test_a_healthy_business_scores_100_and_is_lender_ready():
    readiness = score_readiness(inputs())
    assert (readiness.score, readiness.tier) == (100, "lender_ready")
    assert readiness.hurts_most == []
    assert all(c.status == "helps" for c in readiness.components)


@pytest.mark.parametrize(
    ("months", "expected"),
    [(2.9, 0), (3.0, 2), (5.9, 2), (6.0, 6), (9.0, 9), (11.9, 9), (12.0, 12), (24.0, 15)],
)
def test_processing_history_bands(months, expected):
    assert points("processing_history", months_of_history=months) == expected


@pytest.mark.parametrize(
    ("dollars", "expected"),
    [(4_999, 0), (5_000, 4), (49_999, 4), (50_000, 8), (100_000, 12), (250_000, 15)],
)
def test_revenue_scale_bands_in_dollars_per_year(dollars, expected):
    assert points("revenue_scale", annual_volume=dollars * 100) == expected


def test_revenue_scale_is_not_judged_outside_usd():
    component = score_readiness(inputs(currency="eur", annual_volume=1)).component("revenue_scale")
    assert (component.points, component.status) == (t.REVENUE_SCALE.unknown_points, "neutral")


@pytest.mark.parametrize(
    ("growth", "expected"),
    [(10.0, 15), (9.9, 12), (0.0, 12), (-0.1, 8), (-10.0, 8), (-10.1, 4), (-25.0, 4), (-25.1, 0)],
)
def test_revenue_growth_bands(growth, expected):
    assert points("revenue_growth", growth_pct=growth) == expected


def test_unknown_growth_earns_half_and_is_neutral():
    component = score_readiness(inputs(growth_pct=None, growth_basis_months=None)).component(
        "revenue_growth"
    )
    assert (component.points, component.status) == (7, "neutral")


@pytest.mark.parametrize(
    ("cv", "low", "expected"),
    [(0.25, 0, 10), (0.26, 0, 7), (0.5, 1, 5), (0.8, 0, 4), (0.81, 0, 1), (0.1, 5, 0)],
)
def test_revenue_stability_bands_minus_two_per_low_month(cv, low, expected):
    assert points("revenue_stability", volatility_cv=cv, low_volume_months=low) == expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(0.29, 20), (0.3, 14), (0.74, 14), (0.75, 8), (0.99, 8), (1.0, 4), (1.49, 4), (1.5, 0)],
)
def test_dispute_activity_bands_follow_domain_thresholds(rate, expected):
    assert points("dispute_activity", dispute_activity_pct=rate) == expected


@pytest.mark.parametrize(
    ("industry", "rate", "expected"),
    [
        ("ecommerce_apparel", 30.0, 5),  # apparel norm 30%
        ("ecommerce_apparel", 45.0, 3),
        ("ecommerce_electronics", 12.0, 3),  # 1.5x the 8% norm
        ("ecommerce_electronics", 16.1, 0),
        ("saas", 8.9, 5),  # in-store benchmark for categories without a norm
        ("saas", 17.8, 1),
    ],
)
def test_refund_rate_is_judged_against_the_category_norm(industry, rate, expected):
    assert points("refund_rate", industry=industry, refund_rate_pct=rate) == expected


@pytest.mark.parametrize(
    ("top", "top3", "expected"),
    [
        (19.9, 40.0, 10),
        (20.0, 40.0, 7),
        (25.0, 45.0, 7),
        (25.1, 45.0, 3),
        (50.0, 60.0, 3),
        (50.1, 60.0, 0),
        (10.0, 50.1, 3),  # the top-three flag caps an otherwise low share
    ],
)
def test_customer_concentration_bands(top, top3, expected):
    assert (
        points("customer_concentration", top_customer_share_pct=top, top3_customer_share_pct=top3)
        == expected
    )


@pytest.mark.parametrize(("count", "expected"), [(9, 0), (10, 1), (25, 3), (100, 5)])
def test_customer_base_bands(count, expected):
    assert points("customer_base", distinct_customers=count) == expected


@pytest.mark.parametrize(("failed", "expected"), [(0, 5), (1, 2), (2, 0)])
def test_payout_health_bands(failed, expected):
    assert points("payout_health", failed_payouts=failed) == expected


@pytest.mark.parametrize(
    ("score_inputs", "tier"),
    [
        ({}, "lender_ready"),
        ({"dispute_activity_pct": 2.0, "growth_pct": -50.0}, "needs_work"),  # 100-20-15 = 65
        ({"dispute_activity_pct": 2.0, "growth_pct": -50.0, "volatility_cv": 2.0}, "not_ready"),
        ({"months_of_history": 2.0}, "insufficient_data"),
    ],
)
def test_tiers_follow_the_bankable_one_bands(score_inputs, tier):
    assert score_readiness(inputs(**score_inputs)).tier == tier


def test_under_six_months_the_score_is_capped_below_the_ready_tiers():
    readiness = score_readiness(inputs(months_of_history=4.0))
    assert readiness.score == t.SHORT_HISTORY_CAP
    assert readiness.cap is not None and "from 87" in readiness.cap
    assert readiness.tier == "not_ready"


def test_hurts_most_ranks_by_points_lost():
    readiness = score_readiness(inputs(dispute_activity_pct=2.0, failed_payouts=3))
    assert readiness.hurts_most == ["dispute_activity", "payout_health"]
    assert weakest(readiness).key == "dispute_activity"


def test_every_component_cites_a_public_source():
    for component in score_readiness(inputs()).components:
        assert component.source and "DOMAIN" not in component.source
        assert component.source_url.startswith("https://")


def test_notes_flag_small_samples_and_stale_data():
    notes = score_readiness(inputs(charge_count_90d=12, days_since_last_charge=45)).notes
    assert any("12 payments in 90 days" in n for n in notes)
    assert any("No payment in 45 days" in n for n in notes)


score_inputs = st.builds(
    inputs,
    months_of_history=st.floats(0, 120),
    annual_volume=st.integers(0, 10**10),
    growth_pct=st.none() | st.floats(-100, 500),
    volatility_cv=st.none() | st.floats(0, 5),
    low_volume_months=st.integers(0, 12),
    dispute_activity_pct=st.none() | st.floats(0, 20),
    refund_rate_pct=st.none() | st.floats(0, 100),
    top_customer_share_pct=st.floats(0, 50),
    distinct_customers=st.integers(0, 10_000),
    failed_payouts=st.integers(0, 20),
    industry=st.sampled_from(t.INDUSTRIES),
)


@given(score_inputs)
def test_score_stays_within_bounds(si):
    readiness = score_readiness(si)
    assert 0 <= readiness.score <= MAX_SCORE
    assert all(0 <= c.points <= c.max_points for c in readiness.components)


@given(score_inputs)
def test_score_is_deterministic(si):
    assert score_readiness(si) == score_readiness(si)


# (metric, strategy for a delta that improves it, direction)
IMPROVEMENTS = [
    ("months_of_history", st.floats(0.1, 50), 1),
    ("annual_volume", st.integers(1, 10**9), 1),
    ("growth_pct", st.floats(0.1, 100), 1),
    ("volatility_cv", st.floats(0.01, 2), -1),
    ("dispute_activity_pct", st.floats(0.01, 10), -1),
    ("refund_rate_pct", st.floats(0.01, 50), -1),
    ("distinct_customers", st.integers(1, 1_000), 1),
]


@pytest.mark.parametrize(("metric", "delta", "direction"), IMPROVEMENTS)
def test_improving_one_metric_never_lowers_the_score(metric, delta, direction):
    @settings(max_examples=60, deadline=None)
    @given(si=score_inputs, step=delta)
    def check(si, step):
        before = getattr(si, metric)
        if before is None:
            return
        after = before + direction * step
        if direction < 0:
            after = max(after, 0)
        improved = si.model_copy(update={metric: type(before)(after)})
        assert score_readiness(improved).score >= score_readiness(si).score

    check()


@given(score_inputs, st.integers(1, 5))
def test_fewer_failed_payouts_or_low_months_never_lower_the_score(si, step):
    better = si.model_copy(
        update={
            "failed_payouts": max(0, si.failed_payouts - step),
            "low_volume_months": max(0, si.low_volume_months - step),
        }
    )
    assert score_readiness(better).score >= score_readiness(si).score


@given(score_inputs, st.floats(0.1, 40))
def test_a_smaller_top_customer_never_lowers_the_score(si, step):
    top = si.top_customer_share_pct or 0.0
    better = si.model_copy(update={"top_customer_share_pct": max(0.0, top - step)})
    assert score_readiness(better).score >= score_readiness(si).score
