"""Connecting real MCP clients to the server under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastmcp import Client

from vaultra_mcp.caller import Caller
from vaultra_mcp.server.app import build_server
from vaultra_mcp.server.runtime import FixedIdentity, Identity
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.tokens import count_tokens

MAYA, DEVON, PRIYA, TOM, SAM = (Caller.user(i) for i in range(1, 6))
OWNER_OF = {1: MAYA, 2: MAYA, 3: DEVON, 4: PRIYA, 5: TOM, 6: SAM}


@asynccontextmanager
async def connect(
    deps: Deps, caller: Caller | None = None, identity: Identity | None = None
) -> AsyncIterator[Client]:
    """An in-memory client for ``caller`` (or ``identity``), sharing the test's deps."""
    server = build_server(deps.settings, identity or FixedIdentity(caller or DEVON), deps=deps)
    async with Client(server) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    return await client.call_tool(tool, arguments, raise_on_error=False)


def text_of(result: Any) -> str:
    """What a client that reads only ``content`` sees."""
    return "".join(getattr(block, "text", "") for block in result.content)


def tokens(result: Any) -> int:
    """Tokens a content-reading model is given for this result."""
    return count_tokens(text_of(result))


def table(structured: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A result's table (rows in ``columns`` order) as one dict per row."""
    return [dict(zip(structured["columns"], row, strict=True)) for row in structured[name]]


def error_code(result: Any) -> str:
    assert result.is_error, result
    return str(result.structured_content["error"])
