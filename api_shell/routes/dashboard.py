"""Dashboard JSON: metrics, readiness and recommendations, the same services the MCP tools use.

The business is the caller's only one, or ``business_id`` among the caller's own; any other id
is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api_shell.operations import SEVERAL_BUSINESSES, BusinessIdQuery, Call, Operation
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
