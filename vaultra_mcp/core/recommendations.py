"""Recommendations: what to do next, why (the metric and its threshold), and what it is worth.

Each component that does not already help has a rule. Its estimated gain is the real score
re-computed with that metric moved to the next band, so the number is never a guess. Three
further recommendations cover what lenders check and Stripe cannot show (DOMAIN.md §7): business
credit, documents and debt service coverage; the score cannot see them, so their gain is 0. Each
points to the knowledge document that explains it and cites its public sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.readiness import Component, ScoreInputs, score_readiness
from vaultra_mcp.core.simulation import SIMULATABLE, apply_changes

Priority = Literal["high", "medium", "low"]
PRIORITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
EPSILON = 0.01


class Evidence(BaseModel):
    """The component's metric, where it stands, and the what-if that earns the estimated gain."""

    model_config = ConfigDict(frozen=True)

    component: str
    value: float | int | None
    unit: str
    target: dict[str, float]
    source: str


class Recommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    category: str
    priority: Priority
    why: str
    evidence: Evidence | None
    steps: list[str]
    estimated_score_gain: int  # reaching the next band of the component's metric
    potential_score_gain: int = 0  # reaching its full points
    doc: str  # the knowledge document (doc_id) behind it


@dataclass(frozen=True, slots=True)
class Rule:
    component: str
    key: str
    title: str
    category: str
    target: Callable[[ScoreInputs, bool], dict[str, float]]  # (inputs, full) -> what-if
    steps: tuple[str, ...]


def target_bound(scale: t.Scale, value: float, full: bool = False) -> float | None:
    """The value that reaches the next band up (or the top band when ``full``); None at the top."""
    current = scale.band_for(value)
    better = scale.bands if current is None else scale.bands[: scale.bands.index(current)]
    if not better:
        return None
    band = better[0] if full else better[-1]
    if band.inclusive:
        return band.bound
    step = EPSILON if scale.direction == "higher_is_better" else -EPSILON
    return round(band.bound + step, 4)


def _one(metric: str, scale: t.Scale, value: float | None, full: bool) -> dict[str, float]:
    if value is None:
        return {}
    target = target_bound(scale, value, full)
    return {} if target is None else {metric: target}


def _single(metric: str, scale: t.Scale) -> Callable[[ScoreInputs, bool], dict[str, float]]:
    return lambda inputs, full: _one(metric, scale, getattr(inputs, metric), full)


def _stability_target(inputs: ScoreInputs, full: bool) -> dict[str, float]:
    if inputs.volatility_cv is None:
        return {}
    change: dict[str, float] = {"low_volume_months": 0}
    change.update(_one("volatility_cv", t.REVENUE_STABILITY, inputs.volatility_cv, full))
    return change


def _refund_target(inputs: ScoreInputs, full: bool) -> dict[str, float]:
    if inputs.refund_rate_pct is None:
        return {}
    norm = t.refund_norm(inputs.industry).rate_pct
    ratio = target_bound(t.REFUND_RATE, inputs.refund_rate_pct / norm, full)
    return {} if ratio is None else {"refund_rate_pct": round(ratio * norm, 2)}


def _concentration_target(inputs: ScoreInputs, full: bool) -> dict[str, float]:
    top, top3 = inputs.top_customer_share_pct, inputs.top3_customer_share_pct
    if top is None:
        return {}
    change = _one("top_customer_share_pct", t.CUSTOMER_CONCENTRATION, top, full)
    if top3 is not None and top3 > t.TOP3_FLAG_PCT:
        change["top3_customer_share_pct"] = t.TOP3_FLAG_PCT
        change.setdefault("top_customer_share_pct", min(top, t.TOP3_FLAG_PCT))
    if "top_customer_share_pct" in change and top3 is not None:
        new_top = change["top_customer_share_pct"]
        change["top3_customer_share_pct"] = max(
            new_top, min(top3, change.get("top3_customer_share_pct", top3))
        )
    return change


RULES: tuple[Rule, ...] = (
    Rule(
        "processing_history",
        "build_processing_history",
        "Keep building processing history on one Stripe account",
        "track_record",
        _single("months_of_history", t.PROCESSING_HISTORY),
        (
            "Keep all card sales on this one Stripe account, with no gaps.",
            "Stripe Capital needs 9 months; online lenders 6-12; banks and SBA about 2 years.",
            "Meanwhile build business credit: EIN, D-U-N-S number, reporting trade lines.",
        ),
    ),
    Rule(
        "revenue_scale",
        "grow_processed_volume",
        "Grow processed volume toward the next lender floor",
        "revenue",
        _single("annual_volume", t.REVENUE_SCALE),
        (
            "Route all card revenue through Stripe so lenders see your full volume.",
            "Document revenue outside Stripe with bank statements and tax returns.",
            "Floors: $50K-$100K online credit lines; $100K SBA (brokers); $250K bank lines.",
        ),
    ),
    Rule(
        "revenue_growth",
        "reverse_revenue_decline",
        "Turn the revenue trend around before you apply",
        "revenue",
        _single("growth_pct", t.REVENUE_GROWTH),
        (
            "Find which months, products or customers drove the change.",
            "Lenders stress-test a 20-30% revenue drop; check your payments still fit.",
            "Prepare a short explanation of the trend and your plan.",
        ),
    ),
    Rule(
        "revenue_stability",
        "smooth_monthly_volume",
        "Smooth out monthly volume",
        "revenue",
        _stability_target,
        (
            "Add off-season revenue (pre-orders, subscriptions, services) for low months.",
            "Avoid months with no processing: Stripe looks for a steady record.",
            "Keep 12-24 months of statements so lenders average your year.",
        ),
    ),
    Rule(
        "dispute_activity",
        "reduce_dispute_activity",
        "Bring dispute activity down",
        "risk",
        _single("dispute_activity_pct", t.DISPUTE_ACTIVITY),
        (
            "Answer every dispute before its deadline (usually 7-21 days).",
            "Refund complaints early: disputes on refunded charges still count.",
            "Use a clear statement descriptor and visible contact details.",
        ),
    ),
    Rule(
        "refund_rate",
        "reduce_refunds",
        "Bring refunds back toward your category's norm",
        "risk",
        _refund_target,
        (
            "Find the products or plans behind most refunds and fix the cause.",
            "Clearer descriptions, sizing and delivery times cut returns.",
            "Keep refunding genuine complaints: refunds are not disputes.",
        ),
    ),
    Rule(
        "customer_concentration",
        "diversify_customers",
        "Reduce dependence on your largest customers",
        "customers",
        _concentration_target,
        (
            "Win new accounts until no customer is over 20% of revenue.",
            "Keep your top three customers at or under half of revenue.",
            "Meanwhile, invoice factoring leans on your customers' credit, not yours.",
        ),
    ),
    Rule(
        "customer_base",
        "broaden_customer_base",
        "Broaden your customer base",
        "customers",
        _single("distinct_customers", t.CUSTOMER_BASE),
        (
            "Stripe weighs the size of your customer base for Capital offers.",
            "Attach payments to Stripe customers so repeat buyers count once.",
        ),
    ),
    Rule(
        "payout_health",
        "fix_failed_payouts",
        "Fix failed payouts",
        "cash_flow",
        _single("failed_payouts", t.PAYOUT_HEALTH),
        (
            "Check the bank account in your Stripe payout settings.",
            "Keep a balance buffer: lenders count NSFs and overdrafts against you.",
        ),
    ),
)

GENERAL: tuple[Recommendation, ...] = (
    Recommendation(
        key="build_business_credit",
        title="Build business credit lenders can see",
        category="business_credit",
        priority="low",
        why="Lenders check business credit (D&B PAYDEX, Experian, Equifax), which Stripe data "
        "cannot show.",
        evidence=None,
        doc="building-business-credit",
        steps=[
            "Get an EIN and a business bank account in the company's name.",
            "Get a free D-U-N-S number from D&B (about 30 days).",
            "Open net-30 trade lines that report; PAYDEX takes 6-12 months.",
        ],
        estimated_score_gain=0,
    ),
    Recommendation(
        key="prepare_documents",
        title="Prepare the documents lenders ask for",
        category="documents",
        priority="low",
        why="Most applications need bank statements and tax returns, which the score cannot see.",
        evidence=None,
        doc="loan-documents-checklist",
        steps=[
            "3-6 months of business bank statements (12-24 if seasonal).",
            "2-3 years of tax returns, plus personal returns for 20%+ owners.",
            "A current P&L, balance sheet and debt schedule.",
        ],
        estimated_score_gain=0,
    ),
    Recommendation(
        key="check_debt_service_coverage",
        title="Work out your debt service coverage ratio",
        category="documents",
        priority="low",
        why="Standard SBA 7(a) loans need 1.15x or more and banks usually want 1.20-1.25x.",
        evidence=None,
        doc="dscr",
        steps=[
            "Divide net operating income by yearly debt payments, new loan included.",
            "Below 1.0x the business cannot cover its debts; fix that first.",
        ],
        estimated_score_gain=0,
    ),
)


def recommend(inputs: ScoreInputs) -> list[Recommendation]:
    """Ranked recommendations: priority, then estimated gain, then points at stake."""
    base = score_readiness(inputs)
    ranked: list[tuple[tuple[int, int, int, str], Recommendation]] = []
    for rule in RULES:
        component = base.component(rule.component)
        if component.status == "helps":
            continue
        change = rule.target(inputs, False)
        if not change:
            continue
        gain = score_readiness(apply_changes(inputs, change)).score - base.score
        if gain <= 0:
            continue
        potential = score_readiness(apply_changes(inputs, rule.target(inputs, True))).score
        rec = _from_rule(rule, component, change, gain, potential - base.score)
        ranked.append(((PRIORITY_RANK[rec.priority], -gain, -component.lost_points, rec.key), rec))
    ranked.sort(key=lambda pair: pair[0])
    return [rec for _, rec in ranked] + list(GENERAL)


def _whole(metric: str, value: float) -> float:
    """Counts and cents as integers, so a target reads 1 rather than 1.0."""
    return int(value) if SIMULATABLE[metric][2] else value


def _from_rule(
    rule: Rule, component: Component, change: dict[str, float], gain: int, potential: int
) -> Recommendation:
    priority: Priority = "high" if component.status == "hurts" else "medium" if gain >= 2 else "low"
    return Recommendation(
        key=rule.key,
        title=rule.title,
        category=rule.category,
        priority=priority,
        why=component.explanation,
        evidence=Evidence(
            component=component.key,
            value=component.value,
            unit=component.unit,
            target={k: _whole(k, v) for k, v in change.items()},
            source=component.source,
        ),
        steps=list(rule.steps),
        estimated_score_gain=gain,
        potential_score_gain=max(gain, potential),
        doc=rule_doc(rule.component),
    )


def rule_doc(component: str) -> str:
    """Each component has a knowledge document on improving it: ``improve-dispute-activity``."""
    return f"improve-{component.replace('_', '-')}"


DOCS: dict[str, str] = {
    **{rule.key: rule_doc(rule.component) for rule in RULES},
    **{rec.key: rec.doc for rec in GENERAL},
}
