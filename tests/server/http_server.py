"""Serving the MCP HTTP app on 127.0.0.1 inside a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.support.serving import served
from vaultra_mcp.server.app import build_http_app
from vaultra_mcp.settings import Settings


@asynccontextmanager
async def serving(settings: Settings, stateless: bool = False) -> AsyncIterator[str]:
    """The base URL of the app served on a free loopback port for the block's duration."""
    async with served(build_http_app(settings, stateless=stateless)) as base:
        yield base
