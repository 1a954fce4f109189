"""Serving MCP over stdio, with every request answered (see ``wire``).

FastMCP's ``run_stdio_async`` with one change: the server reads through
``answering_unreadable``, so a line the SDK cannot parse is answered, not dropped. It uses
FastMCP's lifespan manager and low-level server as ``run_stdio_async`` itself does.
"""

from __future__ import annotations

from fastmcp import FastMCP
from fastmcp.server.context import reset_transport, set_transport
from fastmcp.utilities.logging import temporary_log_level
from mcp.server.stdio import stdio_server

from vaultra_mcp.server.wire import answering_unreadable


async def serve_stdio(server: FastMCP, log_level: str = "WARNING") -> None:
    token = set_transport("stdio")
    try:
        with temporary_log_level(log_level):
            async with (
                server._lifespan_manager(),
                stdio_server() as (read_stream, write_stream),
                answering_unreadable(read_stream, write_stream) as guarded,
            ):
                low_level = server._mcp_server
                await low_level.run(
                    guarded, write_stream, low_level.create_initialization_options()
                )
    finally:
        reset_transport(token)
