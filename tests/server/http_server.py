"""Serving the MCP HTTP app on 127.0.0.1 inside a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from vaultra_mcp.loopback import loopback_socket
from vaultra_mcp.server.app import build_http_app
from vaultra_mcp.settings import Settings


@asynccontextmanager
async def serving(settings: Settings, stateless: bool = False) -> AsyncIterator[str]:
    """The base URL of the app served on a free loopback port for the block's duration."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_http_app(settings, stateless=stateless), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
