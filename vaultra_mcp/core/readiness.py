"""The readiness score: 0-100, a tier, and one explained component per signal a lender reads.

``score_readiness`` is a pure function of ``ScoreInputs`` (a flat view of the metrics), so the
what-if simulation and the recommendations' estimated gains re-score exactly as the real score
does. Every component is monotonic in its metric: improving one metric never lowers the score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.metrics import MetricSet
from vaultra_mcp.core.money import format_money

Status = Literal["helps", "hurts", "neutral"]
HELPS_AT = 0.75
HURTS_BELOW = 0.5


class ScoreInputs(BaseModel):
    """The metrics the score reads, flat, in the units the thresholds use."""

    model_config = ConfigDict(frozen=True)

    currency: str
    industry: str
    months_of_history: float
    annual_volume: int
    growth_pct: float | None
    growth_basis_months: int | None
    volatility_cv: float | None
    low_volume_months: int
    dispute_activity_pct: float | None
    dispute_count_90d: int
    charge_count_90d: int
    refund_rate_pct: float | None
    top_customer_share_pct: float | None
    top3_customer_share_pct: float | None
    distinct_customers: int
    failed_payouts: int
    days_since_last_charge: int | None


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float | int | None
    unit: str
    points: int
    max_points: int
    status: Status
    explanation: str
    threshold: str
    full_points_at: float | None = None  # the metric value that earns full points
    source: str
    source_url: str

    @property
    def lost_points(self) -> int:
        return self.max_points - self.points


class Readiness(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: int
    tier: str
    tier_label: str
    components: list[Component]
    helps_most: list[str]
    hurts_most: list[str]
    cap: str | None
    sufficient: bool
    notes: list[str]

    def component(self, key: str) -> Component:
        return next(c for c in self.components if c.key == key)


def inputs_from_metrics(metrics: MetricSet, industry: str) -> ScoreInputs:
    growth, basis = _growth(metrics)
    quarter = metrics.window(90)
    year = metrics.window(365)
    return ScoreInputs(
        currency=metrics.currency,
        industry=industry,
        months_of_history=metrics.months_of_history,
        annual_volume=metrics.annual_volume_run_rate,
        growth_pct=growth,
        growth_basis_months=basis,
        volatility_cv=metrics.volatility_cv,
        low_volume_months=metrics.low_volume_months,
        dispute_activity_pct=quarter.dispute_activity_pct,
        dispute_count_90d=quarter.dispute_count,
        charge_count_90d=quarter.charge_count,
        refund_rate_pct=quarter.refund_rate_pct,
        top_customer_share_pct=metrics.top_customer_share_pct,
        top3_customer_share_pct=metrics.top3_customer_share_pct,
        distinct_customers=year.distinct_customers,
        failed_payouts=year.failed_payouts,
        days_since_last_charge=metrics.days_since_last_charge,
    )


def _growth(metrics: MetricSet) -> tuple[float | None, int | None]:
    """Year over year when there are two years, so seasonality cancels out; else 6 or 3 months."""
    for value, months in (
        (metrics.growth_12m_pct, 12),
        (metrics.growth_6m_pct, 6),
        (metrics.growth_3m_pct, 3),
    ):
        if value is not None:
            return value, months
    return None, None


def score_readiness(inputs: ScoreInputs) -> Readiness:
    components = [build(inputs) for build in COMPONENT_BUILDERS]
    raw = sum(c.points for c in components)
    cap = None
    score = raw
    if inputs.months_of_history < t.SHORT_HISTORY_MONTHS and raw > t.SHORT_HISTORY_CAP:
        score = t.SHORT_HISTORY_CAP
        cap = (
            f"Capped at {t.SHORT_HISTORY_CAP} (from {raw}): with under "
            f"{t.SHORT_HISTORY_MONTHS:.0f} months of history most lenders' minimums are not met."
        )
    sufficient = inputs.months_of_history >= t.MIN_MONTHS_FOR_SCORE
    tier = tier_for(score) if sufficient else t.INSUFFICIENT_TIER
    return Readiness(
        score=score,
        tier=tier.key,
        tier_label=tier.label,
        components=components,
        helps_most=[
            c.key
            for c in sorted(components, key=lambda c: (-c.points, c.key))
            if c.status == "helps"
        ][:3],
        hurts_most=[
            c.key
            for c in sorted(components, key=lambda c: (-c.lost_points, c.key))
            if c.status == "hurts"
        ][:3],
        cap=cap,
        sufficient=sufficient,
        notes=_notes(inputs),
    )


def tier_for(score: int) -> t.Tier:
    return next(tier for tier in t.TIERS if score >= tier.min_score)


def weakest(readiness: Readiness) -> Component:
    """The component that costs the most points (ties: the earlier component)."""
    return max(readiness.components, key=lambda c: c.lost_points)


def _notes(inputs: ScoreInputs) -> list[str]:
    notes = []
    if inputs.months_of_history < t.MIN_MONTHS_FOR_SCORE:
        notes.append(
            f"Only {inputs.months_of_history:.1f} months of history: the score is provisional."
        )
    if inputs.charge_count_90d < t.LOW_SAMPLE_CHARGES:
        notes.append(
            f"{inputs.charge_count_90d} payments in 90 days: dispute and refund rates are noisy."
        )
    if (
        inputs.days_since_last_charge is not None
        and inputs.days_since_last_charge > t.STALE_AFTER_DAYS
    ):
        notes.append(
            f"No payment in {inputs.days_since_last_charge} days: the data may be out of date."
        )
    return notes


def _status(points: int, max_points: int, known: bool = True) -> Status:
    if not known:
        return "neutral"
    ratio = points / max_points
    if ratio >= HELPS_AT:
        return "helps"
    if ratio < HURTS_BELOW:
        return "hurts"
    return "neutral"


def _component(
    key: str,
    label: str,
    scale: t.Scale,
    value: float | None,
    explanation: str,
    threshold: str,
    points: int | None = None,
    unit: str | None = None,
    full_points_at: float | None = None,
) -> Component:
    known = value is not None
    if points is None:
        points = scale.points_for(value) if value is not None else scale.unknown_points
    return Component(
        key=key,
        label=label,
        value=value,
        unit=unit or scale.unit,
        points=points,
        max_points=scale.max_points,
        status=_status(points, scale.max_points, known),
        explanation=explanation,
        threshold=threshold,
        full_points_at=scale.bands[0].bound if full_points_at is None else full_points_at,
        source=scale.source.label(),
        source_url=scale.source.url,
    )


def _meaning(scale: t.Scale, value: float) -> str:
    band = scale.band_for(value)
    return band.meaning if band else scale.floor_meaning


def processing_history(inputs: ScoreInputs) -> Component:
    scale = t.PROCESSING_HISTORY
    months = inputs.months_of_history
    return _component(
        "processing_history",
        "Processing history",
        scale,
        months,
        f"{months:.1f} months of Stripe history: {_meaning(scale, months)}.",
        scale.threshold,
    )


def revenue_scale(inputs: ScoreInputs) -> Component:
    scale = t.REVENUE_SCALE
    threshold = scale.threshold
    if inputs.currency.lower() != "usd":
        return _component(
            "revenue_scale",
            "Revenue scale",
            scale,
            None,
            f"Volume is in {inputs.currency.upper()}; the published floors are in US dollars, "
            "so scale is not judged.",
            threshold,
        )
    volume = inputs.annual_volume
    return _component(
        "revenue_scale",
        "Revenue scale",
        scale,
        volume,
        f"{format_money(volume)} a year in card volume: {_meaning(scale, volume)}.",
        threshold,
    )


def revenue_growth(inputs: ScoreInputs) -> Component:
    scale = t.REVENUE_GROWTH
    growth = inputs.growth_pct
    threshold = scale.threshold
    if growth is None:
        explanation = "Not enough complete months to compare two periods yet."
    else:
        basis = inputs.growth_basis_months
        direction = "up" if growth >= 0 else "down"
        explanation = (
            f"Volume is {direction} {abs(growth):.1f}% (last {basis} months vs the "
            f"{basis} before): {_meaning(scale, growth)}."
        )
    return _component("revenue_growth", "Revenue growth", scale, growth, explanation, threshold)


def revenue_stability(inputs: ScoreInputs) -> Component:
    scale = t.REVENUE_STABILITY
    cv = inputs.volatility_cv
    low = inputs.low_volume_months
    threshold = scale.threshold
    if cv is None:
        return _component(
            "revenue_stability",
            "Revenue stability",
            scale,
            None,
            "Fewer than 3 complete months: stability cannot be judged yet.",
            threshold,
        )
    points = max(0, scale.points_for(cv) - t.LOW_MONTH_PENALTY * low)
    low_text = f"{low} low-volume month{'s' if low != 1 else ''}" if low else "no low months"
    return _component(
        "revenue_stability",
        "Revenue stability",
        scale,
        cv,
        f"Monthly volume varies by {cv:.2f} (CV) with {low_text} in "
        f"the last 12: {_meaning(scale, cv)}.",
        threshold,
        points=points,
    )


def dispute_activity(inputs: ScoreInputs) -> Component:
    scale = t.DISPUTE_ACTIVITY
    rate = inputs.dispute_activity_pct
    threshold = scale.threshold
    if rate is None:
        explanation = "No payments in the last 90 days, so dispute activity cannot be measured."
    else:
        explanation = (
            f"{rate:.2f}% of payments disputed in 90 days "
            f"({inputs.dispute_count_90d} of {inputs.charge_count_90d:,}): "
            f"{_meaning(scale, rate)}."
        )
    return _component("dispute_activity", "Dispute activity", scale, rate, explanation, threshold)


def refund_rate(inputs: ScoreInputs) -> Component:
    scale = t.REFUND_RATE
    norm = t.refund_norm(inputs.industry)
    rate = inputs.refund_rate_pct
    threshold = f"at or under the {norm.rate_pct:g}% category norm"
    if rate is None:
        return _component(
            "refund_rate",
            "Refund rate",
            scale,
            None,
            "No volume in the last 90 days, so the refund rate cannot be measured.",
            threshold,
            full_points_at=norm.rate_pct,
        )
    ratio = rate / norm.rate_pct
    return _component(
        "refund_rate",
        "Refund rate",
        scale,
        rate,
        f"Refunds are {rate:.1f}% of 90-day volume vs a {norm.rate_pct:g}% norm "
        f"({norm.basis}): {_meaning(scale, ratio)}.",
        threshold,
        points=scale.points_for(ratio),
        unit="% of volume, trailing 90 days",
        full_points_at=norm.rate_pct,
    )


def customer_concentration(inputs: ScoreInputs) -> Component:
    scale = t.CUSTOMER_CONCENTRATION
    top = inputs.top_customer_share_pct
    top3 = inputs.top3_customer_share_pct
    threshold = scale.threshold
    if top is None:
        return _component(
            "customer_concentration",
            "Customer concentration",
            scale,
            None,
            "No payments tied to customers in the last year, so concentration is unknown.",
            threshold,
        )
    points = scale.points_for(top)
    meaning = _meaning(scale, top)
    if top3 is not None and top3 > t.TOP3_FLAG_PCT and points > t.TOP3_FLAG_MAX_POINTS:
        points = t.TOP3_FLAG_MAX_POINTS
        meaning = "top three over 50%, a common lender flag"
    top3_text = f" (top three {top3:.1f}%)" if top3 is not None else ""
    return _component(
        "customer_concentration",
        "Customer concentration",
        scale,
        top,
        f"Largest customer is {top:.1f}% of yearly volume{top3_text}: {meaning}.",
        threshold,
        points=points,
    )


def customer_base(inputs: ScoreInputs) -> Component:
    scale = t.CUSTOMER_BASE
    count = inputs.distinct_customers
    return _component(
        "customer_base",
        "Customer base",
        scale,
        count,
        f"{count:,} paying customers in 12 months: {_meaning(scale, count)}.",
        scale.threshold,
    )


def payout_health(inputs: ScoreInputs) -> Component:
    scale = t.PAYOUT_HEALTH
    failed = inputs.failed_payouts
    explanation = (
        "No failed payouts in 12 months."
        if failed == 0
        else f"{failed} failed payout{'s' if failed > 1 else ''} in 12 months: "
        f"{_meaning(scale, failed)}."
    )
    return _component(
        "payout_health",
        "Payout health",
        scale,
        failed,
        explanation,
        scale.threshold,
    )


COMPONENT_BUILDERS: tuple[Callable[[ScoreInputs], Component], ...] = (
    processing_history,
    revenue_scale,
    revenue_growth,
    revenue_stability,
    dispute_activity,
    refund_rate,
    customer_concentration,
    customer_base,
    payout_health,
)
MAX_SCORE = 100
