"""Any ASGI app served by uvicorn on a free 127.0.0.1 port, on the test's own event loop (so it
can share the test's database engine)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from vaultra_mcp.loopback import loopback_socket


@asynccontextmanager
async def served(app: ASGIApp) -> AsyncIterator[str]:
    """The base URL of ``app`` (lifespan on) for the block's duration."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", log_config=None)
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
