"""vaultra-mcp over stdio, as Claude Desktop runs it: a subprocess with its identity in the env."""

import asyncio
import json
import os
import sys
from pathlib import Path

from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from tests.factories import HASH_KEY, KNOWLEDGE_INDEX
from vaultra_mcp.services.identity import demo_token

ROOT = Path(__file__).resolve().parents[2]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("VAULTRA_", "DATABASE_URL"))}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "VAULTRA_ENV": "test",
        "VAULTRA_KNOWLEDGE_INDEX": str(KNOWLEDGE_INDEX),
        **extra,
    }


def transport(database_url: str, **extra: str) -> StdioTransport:
    return StdioTransport(
        command=sys.executable,
        args=["-m", "vaultra_mcp.server"],
        env=server_env(database_url, **extra),
        cwd=str(ROOT),
    )


async def test_a_stdio_client_with_a_token_sees_only_its_business(demo_database_url):
    token = demo_token(HASH_KEY, "devon@voltline.example", 7)
    async with Client(transport(demo_database_url, VAULTRA_TOKEN=token)) as client:
        tools = await client.list_tools()
        breakdown = await client.call_tool("get_readiness_breakdown", {})
        foreign = await client.call_tool(
            "get_readiness_breakdown", {"business_id": 1}, raise_on_error=False
        )
    assert len(tools) == 9
    assert breakdown.structured_content["business_name"] == "Voltline Gadgets"
    assert foreign.structured_content["error"] == "BUSINESS_NOT_FOUND"


async def test_without_an_identity_the_server_starts_and_says_what_to_set(demo_database_url):
    async with Client(transport(demo_database_url)) as client:
        result = await client.call_tool("list_businesses", {}, raise_on_error=False)
    assert result.structured_content["error"] == "UNAUTHENTICATED"
    assert "VAULTRA_TOKEN" in result.structured_content["next_step"]


async def test_malformed_lines_do_not_stop_the_server(demo_database_url):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vaultra_mcp.server",
        env=server_env(demo_database_url, VAULTRA_BUSINESS_ID="3"),
        cwd=str(ROOT),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin and process.stdout

    async def send(message: object) -> None:
        line = message if isinstance(message, str) else json.dumps(message)
        process.stdin.write((line + "\n").encode())
        await process.stdin.drain()

    async def receive_id(wanted: int) -> dict:
        while True:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, "server closed stdout"
            message = json.loads(line)
            if message.get("id") == wanted:
                return message

    try:
        await send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "0"},
                },
            }
        )
        assert "result" in await receive_id(1)
        await send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        await send("{this is not json")
        await send(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "get_metric_summary", "arguments": {"period": 5}},
            }
        )
        invalid = await receive_id(2)
        await send({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
        listed = await receive_id(3)
        assert len(listed["result"]["tools"]) == 9
        assert invalid["result"]["isError"] is True
    finally:
        process.stdin.close()
        await asyncio.wait_for(process.wait(), timeout=30)
    stderr = (await process.stderr.read()).decode()
    assert "Traceback" not in stderr
