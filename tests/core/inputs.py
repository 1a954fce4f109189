"""A healthy baseline of score inputs; tests change one thing at a time."""

from typing import Any

from vaultra_mcp.core.readiness import ScoreInputs

HEALTHY: dict[str, Any] = {
    "currency": "usd",
    "industry": "saas",
    "months_of_history": 30.0,
    "annual_volume": 400_000_00,
    "growth_pct": 15.0,
    "growth_basis_months": 12,
    "volatility_cv": 0.1,
    "low_volume_months": 0,
    "dispute_activity_pct": 0.1,
    "dispute_count_90d": 1,
    "charge_count_90d": 1_000,
    "refund_rate_pct": 2.0,
    "top_customer_share_pct": 5.0,
    "top3_customer_share_pct": 12.0,
    "distinct_customers": 400,
    "failed_payouts": 0,
    "days_since_last_charge": 1,
}


def inputs(**changes: Any) -> ScoreInputs:
    return ScoreInputs(**{**HEALTHY, **changes})
