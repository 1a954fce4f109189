"""The nine tools, in one table. Names (the functions' names) are the contract with clients and
eval suites; each function's docstring is the description a model reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastmcp import FastMCP
from fastmcp.tools.function_tool import FunctionTool
from mcp.types import ToolAnnotations
from pydantic import BaseModel

from vaultra_mcp.core.simulation import WhatIf
from vaultra_mcp.server.tools import business, knowledge, metrics, readiness, recommendations
from vaultra_mcp.server.tools.common import (
    READ_ONLY,
    UPDATE,
    optional_as_omittable,
    output_schema,
)


@dataclass(frozen=True, slots=True)
class ToolEntry:
    function: Callable[..., Any]
    output: type[BaseModel]
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)


TOOLS: tuple[ToolEntry, ...] = (
    ToolEntry(readiness.get_readiness_breakdown, readiness.Breakdown),
    ToolEntry(recommendations.get_top_recommendations, recommendations.RecommendationList),
    ToolEntry(metrics.get_metric_summary, metrics.MetricSummaryOut),
    ToolEntry(business.get_business_context, business.ContextOut),
    ToolEntry(business.get_funding_options, business.FundingOptionsOut),
    ToolEntry(readiness.simulate_readiness, WhatIf),
    ToolEntry(knowledge.search_knowledge, knowledge.KnowledgeResults),
    ToolEntry(business.list_businesses, business.BusinessList),
    ToolEntry(recommendations.update_recommendation_status, recommendations.StatusUpdate, UPDATE),
)


def register_tools(mcp: FastMCP) -> None:
    for entry in TOOLS:
        tool = FunctionTool.from_function(
            entry.function,
            annotations=entry.annotations,
            output_schema=output_schema(entry.output),
        )
        mcp.add_tool(tool.model_copy(update={"parameters": optional_as_omittable(tool.parameters)}))
