"""Recommendation tools: what to do next, and the one write, marking a recommendation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastmcp import Context
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, Field

from vaultra_mcp.core.recommendations import DOCS
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import BusinessIdArg
from vaultra_mcp.types import MAX_BIG_ID

if TYPE_CHECKING:
    from vaultra_mcp.services.recommendations import RecommendationPage, RecommendationView


class RecommendationOut(BaseModel):
    id: int
    title: str
    why: str
    steps: list[str]
    priority: str
    estimated_score_gain: int = Field(description="Points from reaching the metric's next band.")
    potential_score_gain: int = Field(description="Points from reaching its full points.")
    status: str | None = Field(None, description="Given when listing status 'all'.")
    doc: str = Field(description="The knowledge document that explains it, with its sources.")


class RecommendationList(BaseModel):
    business_id: int
    business_name: str
    status: str
    recommendations: list[RecommendationOut]
    total: int
    truncated: bool | None = None
    note: str | None = None


class StatusUpdate(BaseModel):
    id: int
    title: str
    status: str
    changed: bool


def _out(r: RecommendationView, status: str) -> RecommendationOut:
    return RecommendationOut(
        id=r.id,
        title=r.title,
        why=r.why,
        steps=r.steps,
        priority=r.priority,
        estimated_score_gain=r.estimated_score_gain,
        potential_score_gain=r.potential_score_gain,
        status=r.status if status == "all" else None,
        doc=DOCS[r.rule_key],
    )


def listing(page: RecommendationPage, status: str) -> RecommendationList:
    return RecommendationList(
        business_id=page.business_id,
        business_name=page.business_name,
        status=status,
        recommendations=[_out(r, status) for r in page.items],
        total=page.total,
    )


def _shrink(listing: RecommendationList) -> RecommendationList | None:
    if len(listing.recommendations) <= 1:
        return None
    kept = listing.recommendations[:-1]
    return listing.model_copy(
        update={
            "recommendations": kept,
            "truncated": True,
            "note": f"Showing {len(kept)} of {listing.total} to stay within the size limit; "
            "ask for fewer or page by status.",
        }
    )


def listing_summary(listing: RecommendationList) -> str:
    if not listing.recommendations:
        return f"{listing.business_name}: no {listing.status} recommendations."
    first = listing.recommendations[0]
    gain = f" (+{first.estimated_score_gain} points)" if first.estimated_score_gain else ""
    return (
        f"{listing.business_name}: {len(listing.recommendations)} of {listing.total} "
        f"{listing.status} recommendations. First: {first.title}{gain}."
    )


@domain_errors
async def get_top_recommendations(
    business_id: BusinessIdArg = None,
    limit: Annotated[int, Field(ge=1, le=10, description="How many (1-10).")] = 3,
    status: Annotated[
        Literal["open", "accepted", "dismissed", "done", "resolved", "all"],
        Field(description="resolved: the problem went away by itself."),
    ] = "open",
    ctx: Context = CurrentContext(),
) -> ToolResult:
    """The most valuable next steps to improve funding readiness, ranked.

    For "what should I do next?", "how do I improve my score?". Each has an id, why (the
    metric and threshold behind it), steps, priority, score gains, and doc: the knowledge
    document explaining it (resource vaultra://knowledge/{doc}).
    """
    from vaultra_mcp.services.recommendations import top_recommendations

    runtime = runtime_of(ctx)
    page = await top_recommendations(
        runtime.services(), await runtime.caller(), business_id, limit=limit, status=status
    )
    return fit(listing(page, status), listing_summary, runtime.budget, _shrink)


@domain_errors
async def update_recommendation_status(
    recommendation_id: Annotated[
        int, Field(ge=1, le=MAX_BIG_ID, description="An id from get_top_recommendations.")
    ],
    status: Annotated[
        Literal["accepted", "dismissed", "done"],
        Field(description="accepted: will do it; dismissed: not relevant."),
    ],
    ctx: Context = CurrentContext(),
) -> ToolResult:
    """Mark a recommendation accepted, dismissed or done: the only tool that changes data.
    Idempotent."""
    from vaultra_mcp.services.recommendations import update_recommendation_status as update

    runtime = runtime_of(ctx)
    change = await update(runtime.services(), await runtime.caller(), recommendation_id, status)
    rec = change.recommendation
    out = StatusUpdate(id=rec.id, title=rec.title, status=rec.status, changed=change.changed)
    return fit(out, status_summary, runtime.budget)


def status_summary(update: StatusUpdate) -> str:
    verb = "is now" if update.changed else "was already"
    return f"Recommendation {update.id} ({update.title}) {verb} {update.status}."
