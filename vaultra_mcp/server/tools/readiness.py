"""Readiness tools: the score explained, and what-if."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

from fastmcp import Context
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, ConfigDict, Field

from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.simulation import WhatIf
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.caching import remembered
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import BusinessIdArg

if TYPE_CHECKING:
    from vaultra_mcp.core.readiness import Component
    from vaultra_mcp.services.readiness import ReadinessView

UNITS = {
    "processing_history": "months",
    "revenue_scale": "USD cents/yr",
    "revenue_growth": "%",
    "revenue_stability": "CV",
    "dispute_activity": "%",
    "refund_rate": "% of volume",
    "customer_concentration": "% of volume",
    "customer_base": "customers",
    "payout_health": "failed",
}
# Where each component's threshold comes from: the scale it is judged on (one source each).
SCALES = {
    "processing_history": t.PROCESSING_HISTORY,
    "revenue_scale": t.REVENUE_SCALE,
    "revenue_growth": t.REVENUE_GROWTH,
    "revenue_stability": t.REVENUE_STABILITY,
    "dispute_activity": t.DISPUTE_ACTIVITY,
    "refund_rate": t.REFUND_RATE,
    "customer_concentration": t.CUSTOMER_CONCENTRATION,
    "customer_base": t.CUSTOMER_BASE,
    "payout_health": t.PAYOUT_HEALTH,
}


class SourceOut(BaseModel):
    id: int
    title: str
    url: str | None = None


COMPONENT_COLUMNS = [
    "key",
    "value",
    "unit",
    "points",
    "max_points",
    "status",
    "explanation",
    "full_points_at",
    "threshold",
    "source",
]
# One row per component, in COMPONENT_COLUMNS order: the names are said once, not nine times.
# value is null when it cannot be measured; source is an id in sources.
ComponentRow = tuple[str, float | int | None, str, int, int, str, str, float | None, str, int]


class Breakdown(BaseModel):
    business_id: int
    business_name: str
    score: int
    tier: str
    tier_label: str
    as_of: datetime
    first_payment: date | None = None
    fresh: bool
    sufficient: bool
    cap: str | None = None
    hurts_most: list[str]
    helps_most: list[str]
    columns: list[str] = COMPONENT_COLUMNS
    components: list[ComponentRow]
    sources: list[SourceOut]
    notes: list[str] = []
    method: str = "vaultra://method/readiness"


def breakdown_of(view: ReadinessView) -> Breakdown:
    r = view.readiness
    notes = list(r.notes)
    if view.stale:
        notes.append("This score is more than a day old; the hourly jobs may be behind.")
    sources: dict[t.Source, int] = {}
    for c in r.components:
        sources.setdefault(SCALES[c.key].source, len(sources) + 1)
    return Breakdown(
        business_id=view.business_id,
        business_name=view.business_name,
        score=r.score,
        tier=r.tier,
        tier_label=r.tier_label,
        as_of=view.as_of,
        first_payment=view.first_charge_at.date() if view.first_charge_at else None,
        fresh=not view.stale,
        sufficient=r.sufficient,
        cap=r.cap,
        hurts_most=r.hurts_most,
        helps_most=r.helps_most,
        components=[_component(c, sources[SCALES[c.key].source]) for c in r.components],
        sources=[SourceOut(id=i, title=s.label(), url=s.url) for s, i in sources.items()],
        notes=notes,
    )


def _component(c: Component, source: int) -> ComponentRow:
    return (
        c.key,
        c.value,
        UNITS[c.key],
        c.points,
        c.max_points,
        c.status,
        c.explanation,
        c.full_points_at,
        c.threshold,
        source,
    )


def _shrink(b: Breakdown) -> Breakdown | None:
    """Over budget (long notes): sources cited only by helping components lose their url,
    which stays one read away in the scoring method."""
    needed = {row[9] for row in b.components if row[5] != "helps"}
    if all(s.url is None for s in b.sources if s.id not in needed):
        return None
    sources = [s if s.id in needed else s.model_copy(update={"url": None}) for s in b.sources]
    note = "Some source urls omitted for size: see vaultra://method/readiness."
    return b.model_copy(update={"sources": sources, "notes": [*b.notes, note]})


def breakdown_summary(b: Breakdown) -> str:
    points = {row[0]: f"{row[3]}/{row[4]}" for row in b.components}
    hurts = ", ".join(f"{k.replace('_', ' ')} ({points[k]})" for k in b.hurts_most)
    helps = ", ".join(k.replace("_", " ") for k in b.helps_most)
    return (
        f"{b.business_name}: {b.score}/100, {b.tier_label}. "
        f"Hurting most: {hurts or 'nothing'}. Helping most: {helps or 'nothing yet'}."
    )


@domain_errors
async def get_readiness_breakdown(
    business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
) -> ToolResult:
    """How ready the business is for financing, and why.

    For "how fundable am I?", "what's hurting / helping my readiness?". The 0-100 score and
    tier; for each of nine components (history, revenue scale, growth, stability, disputes,
    refunds, customer concentration, customer base, payouts) its value, points, explanation,
    and the threshold for full points with its public source. Guarantees no lender's decision.
    """
    from vaultra_mcp.services.businesses import resolve_ref
    from vaultra_mcp.services.readiness import readiness_of

    runtime = runtime_of(ctx)
    deps, caller = runtime.services(), await runtime.caller()
    business = await resolve_ref(deps, caller, business_id)

    async def build() -> ToolResult:
        view = await readiness_of(deps, business)
        return fit(breakdown_of(view), breakdown_summary, runtime.budget, _shrink)

    return await remembered(runtime, caller, business, (), build, tool="breakdown")


class MetricChanges(BaseModel):
    """Metrics to set for the what-if; bounds match ``core.simulation.SIMULATABLE``."""

    model_config = ConfigDict(extra="forbid")

    months_of_history: float | None = Field(None, ge=0, le=600)
    annual_volume: int | None = Field(None, ge=0, le=10**13, description="US cents a year")
    growth_pct: float | None = Field(None, ge=-100, le=1_000)
    volatility_cv: float | None = Field(None, ge=0, le=10, description="0 = steady months")
    low_volume_months: int | None = Field(None, ge=0, le=12)
    dispute_activity_pct: float | None = Field(None, ge=0, le=100)
    refund_rate_pct: float | None = Field(None, ge=0, le=100)
    top_customer_share_pct: float | None = Field(None, ge=0, le=100)
    top3_customer_share_pct: float | None = Field(
        None, ge=0, le=100, description="At least top_customer_share_pct, once applied"
    )
    distinct_customers: int | None = Field(None, ge=0, le=10**9)
    failed_payouts: int | None = Field(None, ge=0, le=10_000)


@domain_errors
async def simulate_readiness(
    changes: Annotated[
        MetricChanges,
        Field(
            description="At least one metric and its new value (as get_metric_summary reports "
            "it, over the trailing 90 days or 12 months); the rest stay as they are."
        ),
    ],
    business_id: BusinessIdArg = None,
    ctx: Context = CurrentContext(),
) -> ToolResult:
    """What-if: the score if some metrics were different. Reads only; saves nothing.

    For "what would my score be if disputes fell to 0.3%?". Returns the score and tier before
    and after, and the points each changed component gains or loses.

    Refused as INVALID_ARGUMENT: empty changes; a top-3 customer share below the top customer's
    share once applied (a share you omit keeps its current value, so to raise the top share
    past the current top-3 share, set both).
    """
    from vaultra_mcp.services.businesses import resolve_ref
    from vaultra_mcp.services.readiness import simulate_readiness_of

    runtime = runtime_of(ctx)
    deps, caller = runtime.services(), await runtime.caller()
    given = changes.model_dump(exclude_none=True)
    business = await resolve_ref(deps, caller, business_id)

    async def build() -> ToolResult:
        result = await simulate_readiness_of(deps, business, given)
        return fit(result, what_if_summary, runtime.budget)

    arguments = tuple(sorted(given.items()))
    return await remembered(runtime, caller, business, arguments, build, tool="simulate")


def what_if_summary(w: WhatIf) -> str:
    s = w.simulation
    moved = (
        ", ".join(f"{c.key.replace('_', ' ')} {c.delta:+d}" for c in s.components) or "no component"
    )
    return (
        f"{w.business_name}: {s.score_before} -> {s.score_after} ({s.delta:+d}), "
        f"tier {s.tier_before} -> {s.tier_after}. Moved: {moved}."
    )
