"""Recommendation tools: what to do next, and the one write, marking a recommendation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import READ_ONLY, BusinessIdArg, output_schema
from vaultra_mcp.types import MAX_BIG_ID

if TYPE_CHECKING:
    from vaultra_mcp.services.recommendations import RecommendationPage, RecommendationView

UPDATE = ToolAnnotations(
    readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=False
)


class RecommendationOut(BaseModel):
    id: int
    title: str
    why: str
    steps: list[str]
    category: str
    priority: str
    estimated_score_gain: int
    potential_score_gain: int
    status: str


class RecommendationList(BaseModel):
    business_id: int
    business_name: str
    status: str
    recommendations: list[RecommendationOut]
    total: int
    truncated: bool
    note: str | None = None


class StatusUpdate(BaseModel):
    id: int
    title: str
    status: str
    changed: bool


def _out(r: RecommendationView) -> RecommendationOut:
    return RecommendationOut(
        id=r.id,
        title=r.title,
        why=r.why,
        steps=r.steps,
        category=r.category,
        priority=r.priority,
        estimated_score_gain=r.estimated_score_gain,
        potential_score_gain=r.potential_score_gain,
        status=r.status,
    )


def listing(page: RecommendationPage, status: str) -> RecommendationList:
    return RecommendationList(
        business_id=page.business_id,
        business_name=page.business_name,
        status=status,
        recommendations=[_out(r) for r in page.items],
        total=page.total,
        truncated=False,
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


def _summary(listing: RecommendationList) -> str:
    if not listing.recommendations:
        return f"{listing.business_name}: no {listing.status} recommendations."
    first = listing.recommendations[0]
    gain = f" (+{first.estimated_score_gain} points)" if first.estimated_score_gain else ""
    return (
        f"{listing.business_name}: {len(listing.recommendations)} of {listing.total} "
        f"{listing.status} recommendations. First: {first.title}{gain}."
    )


def register(mcp: FastMCP, budget: int) -> None:
    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(RecommendationList))
    @domain_errors
    async def get_top_recommendations(
        business_id: BusinessIdArg = None,
        limit: Annotated[int, Field(ge=1, le=10, description="How many to return (1-10).")] = 3,
        status: Annotated[
            Literal["open", "accepted", "dismissed", "done", "resolved", "all"],
            Field(
                description="Which recommendations: open (default), accepted, dismissed, done, "
                "resolved (the problem went away) or all."
            ),
        ] = "open",
        ctx: Context = CurrentContext(),
    ) -> ToolResult:
        """The most valuable next steps to improve funding readiness, ranked.

        Use for "what should I do next?" or "how do I improve my score?". Each has an id, a
        title, why (the metric and threshold behind it), concrete steps, category, priority,
        the estimated score gain from moving that metric to its next band, and the potential
        gain at full points. Use the id with update_recommendation_status.
        """

        from vaultra_mcp.services.recommendations import top_recommendations

        runtime = runtime_of(ctx)
        page = await top_recommendations(
            runtime.services(), await runtime.caller(), business_id, limit=limit, status=status
        )
        return fit(listing(page, status), _summary, budget, _shrink)

    @mcp.tool(annotations=UPDATE, output_schema=output_schema(StatusUpdate))
    @domain_errors
    async def update_recommendation_status(
        recommendation_id: Annotated[
            int, Field(ge=1, le=MAX_BIG_ID, description="The id from get_top_recommendations.")
        ],
        status: Annotated[
            Literal["accepted", "dismissed", "done"],
            Field(description="accepted (will do it), dismissed (not relevant) or done."),
        ],
        ctx: Context = CurrentContext(),
    ) -> ToolResult:
        """Mark a recommendation accepted, dismissed or done: the only tool that changes data.

        Idempotent: setting the status it already has changes nothing. Only the caller's own
        businesses' recommendations can be changed.
        """
        from vaultra_mcp.services.recommendations import update_recommendation_status

        runtime = runtime_of(ctx)
        change = await update_recommendation_status(
            runtime.services(), await runtime.caller(), recommendation_id, status
        )
        rec = change.recommendation
        out = StatusUpdate(id=rec.id, title=rec.title, status=rec.status, changed=change.changed)
        return fit(out, _status_summary, budget)


def _status_summary(update: StatusUpdate) -> str:
    verb = "is now" if update.changed else "was already"
    return f"Recommendation {update.id} ({update.title}) {verb} {update.status}."
