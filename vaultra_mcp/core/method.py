"""The scoring method in words, written from the same tables the scorer uses.

Served as ``vaultra://method/readiness``; because it is generated from ``thresholds``, it cannot
drift from the code.
"""

from __future__ import annotations

from vaultra_mcp.core import thresholds as t

COMPONENTS: tuple[tuple[str, str, t.Scale], ...] = (
    ("processing_history", "Processing history", t.PROCESSING_HISTORY),
    ("revenue_scale", "Revenue scale", t.REVENUE_SCALE),
    ("revenue_growth", "Revenue growth", t.REVENUE_GROWTH),
    ("revenue_stability", "Revenue stability", t.REVENUE_STABILITY),
    ("dispute_activity", "Dispute activity", t.DISPUTE_ACTIVITY),
    ("refund_rate", "Refund rate", t.REFUND_RATE),
    ("customer_concentration", "Customer concentration", t.CUSTOMER_CONCENTRATION),
    ("customer_base", "Customer base", t.CUSTOMER_BASE),
    ("payout_health", "Payout health", t.PAYOUT_HEALTH),
)


def _bound(scale: t.Scale, band: t.Band) -> str:
    money = scale.metric == "annual_volume"
    value = f"${band.bound / 100:,.0f}" if money else f"{band.bound:g}"
    if scale.direction == "higher_is_better":
        op = ">=" if band.inclusive else ">"
    else:
        op = "<=" if band.inclusive else "<"
    return f"{op} {value}"


def method_markdown() -> str:
    lines = [
        "# How Vaultra's readiness score works",
        "",
        "The score is 0-100: the sum of nine components, each judged against published lender and "
        "card-network thresholds (or, where marked internal, Vaultra's own bands built from them). "
        "A metric that cannot be measured earns half its points.",
        "",
    ]
    for _, label, scale in COMPONENTS:
        lines += [
            f"## {label} (up to {scale.max_points} points)",
            "",
            f"Metric: {scale.metric} ({scale.unit}).",
            "",
        ]
        lines += [
            f"- {_bound(scale, band)}: {band.points} points ({band.meaning})"
            for band in scale.bands
        ]
        lines += [f"- otherwise: {scale.floor_points} points ({scale.floor_meaning})", ""]
        lines += [f"Source: {scale.source.label()} — {scale.source.url}", ""]
    lines += [
        f"Revenue stability loses {t.LOW_MONTH_PENALTY} points per low-volume month "
        "(under a quarter of the average month).",
        f"Customer concentration is capped at {t.TOP3_FLAG_MAX_POINTS} points when the top "
        f"three customers exceed {t.TOP3_FLAG_PCT:g}%.",
        "Refund norms by category: "
        + "; ".join(f"{k} {v.rate_pct:g}%" for k, v in t.REFUND_NORMS.items())
        + f"; others {t.IN_STORE.rate_pct:g}% ({t.IN_STORE.basis}).",
        "",
        "## Tiers",
        "",
    ]
    lines += [f"- {tier.min_score}+: {tier.label} ({tier.meaning})" for tier in t.TIERS]
    lines += [
        f"- under {t.MIN_MONTHS_FOR_SCORE:g} months of history: {t.INSUFFICIENT_TIER.label}",
        f"- under {t.SHORT_HISTORY_MONTHS:g} months the score is capped at {t.SHORT_HISTORY_CAP}.",
        "",
        f"Source: {t.TIER_SOURCE.label()} — {t.TIER_SOURCE.url}",
        "",
        "The score reads only Stripe payment history. Lenders also check credit scores, debt "
        "service coverage, documents and collateral, which it cannot see.",
    ]
    return "\n".join(lines)
