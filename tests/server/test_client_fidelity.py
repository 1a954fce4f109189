"""Every client sees the whole answer: one that reads only ``content`` (Claude Desktop, Cursor)
and one that reads only ``structuredContent`` (Claude Code), over stdio and Streamable HTTP."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from mcp.types import Implementation

from tests.factories import HASH_KEY
from tests.server.clients import text_of
from tests.server.http_server import serving
from tests.server.test_stdio import transport
from vaultra_mcp.services.identity import demo_token

CLAUDE_DESKTOP = Implementation(name="claude-ai", version="0.9")  # reads content only
CLAUDE_CODE = Implementation(name="claude-code", version="2.0")  # reads structuredContent only
TOKEN = demo_token(HASH_KEY, "devon@voltline.example", 7)


def calls(recommendation_id: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("list_businesses", {}),
        ("get_business_context", {}),
        ("get_readiness_breakdown", {}),
        ("get_top_recommendations", {}),
        ("get_metric_summary", {"period": "6m"}),
        ("get_funding_options", {}),
        ("simulate_readiness", {"changes": {"dispute_activity_pct": 0.2}}),
        ("search_knowledge", {"query": "SBA 7(a) eligibility"}),
        (
            "update_recommendation_status",
            {"recommendation_id": recommendation_id, "status": "done"},
        ),
        ("get_readiness_breakdown", {"business_id": 1}),  # another tenant's: an error result
    ]


@asynccontextmanager
async def clients(
    kind: str, database_url: str, settings: Any
) -> AsyncIterator[tuple[Client, Client]]:
    if kind == "stdio":
        async with (
            Client(transport(database_url, VAULTRA_TOKEN=TOKEN), client_info=CLAUDE_DESKTOP) as a,
            Client(transport(database_url, VAULTRA_TOKEN=TOKEN), client_info=CLAUDE_CODE) as b,
        ):
            yield a, b
        return
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with serving(settings) as base:

        def http(info: Implementation) -> Client:
            return Client(StreamableHttpTransport(f"{base}/mcp", headers=headers), client_info=info)

        async with http(CLAUDE_DESKTOP) as a, http(CLAUDE_CODE) as b:
            yield a, b


@pytest.mark.parametrize("kind", ["stdio", "http"])
async def test_the_text_carries_every_field_and_the_structured_part_stands_alone(
    kind, demo_deps, demo_database_url
):
    async with clients(kind, demo_database_url, demo_deps.settings) as (desktop, code):
        listed = await desktop.call_tool("get_top_recommendations", {"status": "all"})
        first = listed.structured_content["recommendations"][0]["id"]
        schemas = {t.name: t.output_schema for t in await code.list_tools()}
        for tool, args in calls(first):
            seen = await desktop.call_tool(tool, args, raise_on_error=False)
            summary, _, body = text_of(seen).partition("\n")
            assert json.loads(body) == seen.structured_content, tool
            assert summary and "{" not in summary, tool

            lean = await code.call_tool(tool, args, raise_on_error=False)
            assert "\n" not in text_of(lean), tool  # the summary alone: nobody reads the rest
            if tool != "update_recommendation_status":  # the second call changes nothing
                assert text_of(lean) == summary, tool
                assert lean.structured_content == json.loads(body), tool
            if not lean.is_error:
                assert set(lean.structured_content) <= set(schemas[tool]["properties"]), tool


async def test_errors_say_code_message_and_next_step_in_the_text(demo_deps, demo_database_url):
    async with Client(transport(demo_database_url, VAULTRA_TOKEN=TOKEN)) as client:
        result = await client.call_tool(
            "get_readiness_breakdown", {"business_id": 1}, raise_on_error=False
        )
    summary, _, body = text_of(result).partition("\n")
    assert result.is_error
    assert summary.startswith("BUSINESS_NOT_FOUND: ") and "Next step: " in summary
    assert json.loads(body) == result.structured_content


async def test_summary_mode_leaves_the_json_to_structured_content(demo_deps, demo_database_url):
    env = {"VAULTRA_TOKEN": TOKEN, "VAULTRA_TOOL_CONTENT": "summary"}
    async with Client(transport(demo_database_url, **env), client_info=CLAUDE_DESKTOP) as client:
        result = await client.call_tool("get_readiness_breakdown", {})
    assert "\n" not in text_of(result) and text_of(result).startswith("Voltline Gadgets: 74/100")
    assert result.structured_content["score"] == 74
