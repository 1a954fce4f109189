"""Dashboard JSON: metrics, readiness and recommendations, the same services the MCP tools use.

The business is the caller's only one, or ``business_id`` among the caller's own; any other id
is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from api_shell.operations import (
    SEVERAL_BUSINESSES,
    BusinessIdBody,
    BusinessIdQuery,
    Call,
    Operation,
)
from vaultra_mcp.core.simulation import WhatIf
from vaultra_mcp.services.funding import FundingOptions, business_funding_options
from vaultra_mcp.services.metrics import (
    MetricHistoryPoint,
    MetricSummary,
    metric_history,
    metric_summary,
)
from vaultra_mcp.services.readiness import (
    ReadinessHistoryPoint,
    ReadinessView,
    readiness_breakdown,
    readiness_history,
    simulate_readiness,
)
from vaultra_mcp.services.recommendations import (
    RecommendationPage,
    StatusChange,
    top_recommendations,
    update_recommendation_status,
)


class BusinessQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    business_id: int | None = BusinessIdQuery


class MetricsQuery(BusinessQuery):
    period: Literal["90d", "6m", "12m"] = "90d"


class HistoryQuery(BusinessQuery):
    limit: int = Field(30, ge=1, le=365)


class RecommendationsQuery(BusinessQuery):
    status: Literal["open", "accepted", "dismissed", "done", "resolved", "all"] = "open"
    limit: int = Field(10, ge=1, le=50)


class RecommendationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["accepted", "dismissed", "done"]


def _unchanged(schema: dict[str, Any]) -> None:
    """Left out means unchanged and null is not a value a metric takes: no null default."""
    schema.pop("default", None)


class MetricChanges(BaseModel):
    """Metrics to set for a what-if, at least one; the bounds are ``core.simulation``'s."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    months_of_history: Annotated[float, Field(ge=0, le=600)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    annual_volume: Annotated[int, Field(ge=0, le=10**13)] | SkipJsonSchema[None] = Field(
        None, description="Minor units a year", json_schema_extra=_unchanged
    )
    growth_pct: Annotated[float, Field(ge=-100, le=1_000)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    volatility_cv: Annotated[float, Field(ge=0, le=10)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    low_volume_months: Annotated[int, Field(ge=0, le=12)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    dispute_activity_pct: Annotated[float, Field(ge=0, le=100)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    refund_rate_pct: Annotated[float, Field(ge=0, le=100)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    top_customer_share_pct: Annotated[float, Field(ge=0, le=100)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    top3_customer_share_pct: Annotated[float, Field(ge=0, le=100)] | SkipJsonSchema[None] = Field(
        None, description="Not below top_customer_share_pct", json_schema_extra=_unchanged
    )
    distinct_customers: Annotated[int, Field(ge=0, le=10**9)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )
    failed_payouts: Annotated[int, Field(ge=0, le=10_000)] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_unchanged
    )

    @model_validator(mode="after")
    def _some_change(self) -> MetricChanges:
        given = self.model_dump(include=self.model_fields_set)
        if any(value is None for value in given.values()):
            raise ValueError("a metric may be left out, but not set to null")
        if not given:
            raise ValueError("name at least one metric to change")
        return self


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: MetricChanges
    business_id: BusinessIdBody | None = None


class MetricHistory(BaseModel):
    points: list[MetricHistoryPoint]


class ReadinessHistory(BaseModel):
    points: list[ReadinessHistoryPoint]


async def get_metrics(call: Call) -> MetricSummary:
    query: MetricsQuery = call.query
    return await metric_summary(call.deps, call.caller, query.business_id, query.period)


async def get_metrics_history(call: Call) -> MetricHistory:
    query: HistoryQuery = call.query
    points = await metric_history(call.deps, call.caller, query.business_id, query.limit)
    return MetricHistory(points=points)


async def get_readiness(call: Call) -> ReadinessView:
    query: BusinessQuery = call.query
    return await readiness_breakdown(call.deps, call.caller, query.business_id)


async def get_readiness_history(call: Call) -> ReadinessHistory:
    query: HistoryQuery = call.query
    points = await readiness_history(call.deps, call.caller, query.business_id, query.limit)
    return ReadinessHistory(points=points)


async def post_simulation(call: Call) -> WhatIf:
    body: WhatIfRequest = call.body
    changes = body.changes.model_dump(exclude_none=True)
    return await simulate_readiness(call.deps, call.caller, body.business_id, changes)


async def get_funding_options(call: Call) -> FundingOptions:
    query: BusinessQuery = call.query
    return await business_funding_options(call.deps, call.caller, query.business_id)


async def get_recommendations(call: Call) -> RecommendationPage:
    query: RecommendationsQuery = call.query
    return await top_recommendations(
        call.deps, call.caller, query.business_id, query.limit, query.status
    )


async def update_recommendation(call: Call) -> StatusChange:
    body: RecommendationChange = call.body
    return await update_recommendation_status(
        call.deps, call.caller, call.path("recommendation_id"), body.status
    )


NOT_READY = (
    f"{SEVERAL_BUSINESSES}; NOT_READY: no payment history or no computation yet (connect "
    "Stripe, or wait for the next run)"
)
OPERATIONS = [
    Operation(
        "GET",
        "/metrics",
        get_metrics,
        "Latest metrics for a period",
        "dashboard",
        response=MetricSummary,
        query=MetricsQuery,
        errors={409: NOT_READY},
    ),
    Operation(
        "GET",
        "/metrics/history",
        get_metrics_history,
        "Metric snapshots over time, newest first",
        "dashboard",
        response=MetricHistory,
        query=HistoryQuery,
    ),
    Operation(
        "GET",
        "/readiness",
        get_readiness,
        "The current readiness score, tier and components",
        "dashboard",
        response=ReadinessView,
        query=BusinessQuery,
        errors={409: NOT_READY},
    ),
    Operation(
        "GET",
        "/readiness/history",
        get_readiness_history,
        "Readiness scores over time, newest first",
        "dashboard",
        response=ReadinessHistory,
        query=HistoryQuery,
    ),
    Operation(
        "POST",
        "/readiness/simulate",
        post_simulation,
        "What-if: the score with some metrics changed (reads only)",
        "dashboard",
        response=WhatIf,
        body=WhatIfRequest,
        errors={409: NOT_READY},
    ),
    Operation(
        "GET",
        "/funding-options",
        get_funding_options,
        "Funding products with each criterion met, not met or unknown",
        "dashboard",
        response=FundingOptions,
        query=BusinessQuery,
        errors={409: NOT_READY},
    ),
    Operation(
        "GET",
        "/recommendations",
        get_recommendations,
        "Recommendations by rank",
        "dashboard",
        response=RecommendationPage,
        query=RecommendationsQuery,
        errors={409: NOT_READY},
    ),
    Operation(
        "PATCH",
        "/recommendations/{recommendation_id:int}",
        update_recommendation,
        "Accept, dismiss or complete a recommendation",
        "dashboard",
        response=StatusChange,
        body=RecommendationChange,
        errors={404: "RECOMMENDATION_NOT_FOUND: no such recommendation among your businesses'"},
    ),
]
