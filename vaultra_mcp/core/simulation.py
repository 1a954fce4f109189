"""What-if: change some metrics, re-score, and show which components moved.

The simulation re-runs the real scorer on edited inputs, so a what-if can never disagree with
the score it is compared to.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from vaultra_mcp.core.readiness import ScoreInputs, score_readiness
from vaultra_mcp.errors import InvalidInput

# metric -> (lowest, highest, whole numbers only)
SIMULATABLE: dict[str, tuple[float, float, bool]] = {
    "months_of_history": (0, 600, False),
    "annual_volume": (0, 10**13, True),
    "growth_pct": (-100, 1_000, False),
    "volatility_cv": (0, 10, False),
    "low_volume_months": (0, 12, True),
    "dispute_activity_pct": (0, 100, False),
    "refund_rate_pct": (0, 100, False),
    "top_customer_share_pct": (0, 100, False),
    "top3_customer_share_pct": (0, 100, False),
    "distinct_customers": (0, 10**9, True),
    "failed_payouts": (0, 10_000, True),
}


class ComponentDelta(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    points_before: int
    points_after: int
    delta: int


class Simulation(BaseModel):
    model_config = ConfigDict(frozen=True)

    score_before: int
    score_after: int
    delta: int
    tier_before: str
    tier_after: str
    applied: dict[str, float]
    components: list[ComponentDelta]


class WhatIf(BaseModel):
    """A simulation for one business, as every adapter returns it."""

    business_id: int
    business_name: str
    simulation: Simulation


def apply_changes(inputs: ScoreInputs, changes: Mapping[str, float]) -> ScoreInputs:
    """Validated copy of ``inputs`` with ``changes`` applied; raises ``InvalidInput``."""
    if not changes:
        raise InvalidInput("changes is empty: name at least one metric to change.")
    update: dict[str, float | int] = {}
    for name, raw in changes.items():
        if name not in SIMULATABLE:
            allowed = ", ".join(sorted(SIMULATABLE))
            raise InvalidInput(f"Unknown metric {name!r}; use one of: {allowed}.")
        low, high, whole = SIMULATABLE[name]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw:
            raise InvalidInput(f"{name} must be a number.")
        if not low <= raw <= high:
            raise InvalidInput(f"{name} must be between {low:g} and {high:g}; got {raw:g}.")
        if whole and raw != int(raw):
            raise InvalidInput(f"{name} must be a whole number; got {raw:g}.")
        update[name] = int(raw) if whole else float(raw)
    edited = inputs.model_copy(update=update)
    top, top3 = edited.top_customer_share_pct, edited.top3_customer_share_pct
    if top is not None and top3 is not None and top3 < top:
        raise InvalidInput(
            "top3_customer_share_pct cannot be below top_customer_share_pct; change both."
        )
    return edited


def simulate(inputs: ScoreInputs, changes: Mapping[str, float]) -> Simulation:
    edited = apply_changes(inputs, changes)
    before = score_readiness(inputs)
    after = score_readiness(edited)
    deltas = [
        ComponentDelta(
            key=b.key, points_before=b.points, points_after=a.points, delta=a.points - b.points
        )
        for b, a in zip(before.components, after.components, strict=True)
    ]
    return Simulation(
        score_before=before.score,
        score_after=after.score,
        delta=after.score - before.score,
        tier_before=before.tier,
        tier_after=after.tier,
        applied={k: float(v) for k, v in changes.items()},
        components=[d for d in deltas if d.delta != 0],
    )
