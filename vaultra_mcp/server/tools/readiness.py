"""Readiness tools: the score explained, and what-if."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, ConfigDict, Field

from vaultra_mcp.core.simulation import Simulation
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import READ_ONLY, BusinessIdArg, output_schema

if TYPE_CHECKING:
    from vaultra_mcp.services.readiness import ReadinessView

UNITS = {
    "processing_history": "months",
    "revenue_scale": "USD cents/yr",
    "revenue_growth": "%",
    "revenue_stability": "CV",
    "dispute_activity": "%",
    "refund_rate": "%",
    "customer_concentration": "%",
    "customer_base": "customers",
    "payout_health": "failed",
}


class ComponentOut(BaseModel):
    key: str
    value: float | int | None
    unit: str
    points: int
    max_points: int
    status: str
    explanation: str
    threshold: str | None = None
    source: str | None = None


class DataWindow(BaseModel):
    first_payment: date | None
    as_of: datetime
    months_of_history: float


class Breakdown(BaseModel):
    business_id: int
    business_name: str
    score: int
    tier: str
    tier_label: str
    components: list[ComponentOut]
    helps_most: list[str]
    hurts_most: list[str]
    cap: str | None
    data_window: DataWindow
    fresh: bool
    sufficient: bool
    notes: list[str]


def breakdown_of(view: ReadinessView) -> Breakdown:
    r = view.readiness
    notes = list(r.notes)
    if view.stale:
        notes.append("This score is more than a day old; the hourly jobs may be behind.")
    return Breakdown(
        business_id=view.business_id,
        business_name=view.business_name,
        score=r.score,
        tier=r.tier,
        tier_label=r.tier_label,
        components=[
            ComponentOut(
                key=c.key,
                value=c.value,
                unit=UNITS[c.key],
                points=c.points,
                max_points=c.max_points,
                status=c.status,
                explanation=c.explanation,
                threshold=c.threshold,
                source=c.source,
            )
            for c in r.components
        ],
        helps_most=r.helps_most,
        hurts_most=r.hurts_most,
        cap=r.cap,
        data_window=DataWindow(
            first_payment=view.first_charge_at.date() if view.first_charge_at else None,
            as_of=view.as_of,
            months_of_history=view.inputs.months_of_history,
        ),
        fresh=not view.stale,
        sufficient=r.sufficient,
        notes=notes,
    )


def _shrink(b: Breakdown) -> Breakdown | None:
    """Components that help lose their threshold and source first; the rest keep everything."""
    trimmed = [
        c.model_copy(update={"threshold": None, "source": None})
        if c.status == "helps" and c.source is not None
        else c
        for c in b.components
    ]
    if trimmed == b.components:
        return None
    note = "Thresholds and sources of helping components omitted for size: see vaultra://method/readiness."
    return b.model_copy(update={"components": trimmed, "notes": [*b.notes, note]})


def breakdown_summary(b: Breakdown) -> str:
    by_key = {c.key: c for c in b.components}
    hurts = ", ".join(
        f"{k.replace('_', ' ')} ({by_key[k].points}/{by_key[k].max_points})" for k in b.hurts_most
    )
    helps = ", ".join(k.replace("_", " ") for k in b.helps_most)
    return (
        f"{b.business_name}: {b.score}/100, {b.tier_label}. "
        f"Hurting most: {hurts or 'nothing'}. Helping most: {helps or 'nothing yet'}."
    )


class WhatIf(BaseModel):
    business_id: int
    business_name: str
    simulation: Simulation


class MetricChanges(BaseModel):
    """Metrics to set for the what-if; bounds match ``core.simulation.SIMULATABLE``."""

    model_config = ConfigDict(extra="forbid")

    months_of_history: float | None = Field(
        None, ge=0, le=600, description="Months of Stripe history"
    )
    annual_volume: int | None = Field(
        None, ge=0, le=10**13, description="Yearly card volume in US cents (25000000 = $250,000)"
    )
    growth_pct: float | None = Field(
        None, ge=-100, le=1_000, description="Volume growth in percent over the comparison period"
    )
    volatility_cv: float | None = Field(
        None, ge=0, le=10, description="Coefficient of variation of monthly volume (0 = steady)"
    )
    low_volume_months: int | None = Field(
        None, ge=0, le=12, description="Months in the last 12 under a quarter of the average month"
    )
    dispute_activity_pct: float | None = Field(
        None, ge=0, le=100, description="Disputes as a percent of payments over 90 days (0.25)"
    )
    refund_rate_pct: float | None = Field(
        None, ge=0, le=100, description="Refunds as a percent of volume over 90 days"
    )
    top_customer_share_pct: float | None = Field(
        None, ge=0, le=100, description="Largest customer's share of yearly volume, percent"
    )
    top3_customer_share_pct: float | None = Field(
        None, ge=0, le=100, description="Top three customers' share of yearly volume, percent"
    )
    distinct_customers: int | None = Field(
        None, ge=0, le=10**9, description="Paying customers in the last 12 months"
    )
    failed_payouts: int | None = Field(
        None, ge=0, le=10_000, description="Failed payouts in the last 12 months"
    )


def register(mcp: FastMCP, budget: int) -> None:
    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(Breakdown))
    @domain_errors
    async def get_readiness_breakdown(
        business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
    ) -> ToolResult:
        """How ready the business is for financing, and why.

        Use for "how fundable am I?", "what's hurting / helping my funding readiness?" or
        "why is my score X?". Returns the 0-100 score and tier, and for each of nine components
        (history, revenue scale, growth, stability, disputes, refunds, customer concentration,
        customer base, payouts) the metric value, points, status, a one-sentence explanation
        and the threshold it was judged against with its source; plus what helps and hurts
        most, the data window and freshness. It does not guarantee any lender's decision.
        """
        from vaultra_mcp.services.readiness import readiness_breakdown

        runtime = runtime_of(ctx)
        view = await readiness_breakdown(runtime.services(), await runtime.caller(), business_id)
        return fit(breakdown_of(view), breakdown_summary, budget, _shrink)

    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(WhatIf))
    @domain_errors
    async def simulate_readiness(
        changes: Annotated[
            MetricChanges,
            Field(description="Metrics to change and their new values; the rest stay as they are."),
        ],
        business_id: BusinessIdArg = None,
        ctx: Context = CurrentContext(),
    ) -> ToolResult:
        """What-if: the score if some metrics were different.

        Use for "what would my score be if disputes fell to 0.3%?" or "how much would a
        second big customer help?". Set one or more metrics to new values; returns the score
        and tier before and after and the points each changed component gains or loses.
        Reads only: nothing is saved.
        """
        from vaultra_mcp.services.readiness import simulate_readiness as simulate

        runtime = runtime_of(ctx)
        given = changes.model_dump(exclude_none=True)
        result = await simulate(runtime.services(), await runtime.caller(), business_id, given)
        return fit(WhatIf.model_validate(result, from_attributes=True), _what_if_summary, budget)


def _what_if_summary(w: WhatIf) -> str:
    s = w.simulation
    moved = (
        ", ".join(f"{c.key.replace('_', ' ')} {c.delta:+d}" for c in s.components) or "no component"
    )
    return (
        f"{w.business_name}: {s.score_before} -> {s.score_after} ({s.delta:+d}), "
        f"tier {s.tier_before} -> {s.tier_after}. Moved: {moved}."
    )
