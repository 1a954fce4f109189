"""An API client over the real app (ASGI, lifespan running) on each database backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from api_shell.app import create_app
from tests.factories import AS_OF, settings_for
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.deps import Deps

WEBHOOK_SECRET = "whsec_test_vaultra_webhooks"
API_SETTINGS: dict[str, Any] = {
    "stripe": {
        "webhook_secret": WEBHOOK_SECRET,
        "secret_key": "sk_test_platform_fake",
        "connect_client_id": "ca_test_vaultra",
    },
    "http": {"public_url": "http://testserver"},
}
MAYA, DEVON = 1, 2  # demo users: Maya owns businesses 1 and 2, Devon owns business 3


def bearer(deps: Deps, user_id: int) -> dict[str, str]:
    token = mint_jwt(deps.settings, user_id, int(deps.clock.now().timestamp()))
    return {"Authorization": f"Bearer {token}"}


async def count(deps: Deps, model: Any, *where: Any) -> int:
    async with deps.db.sessions() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(model).where(*where))
            ).scalar_one()
        )


@asynccontextmanager
async def lifespan_running(app: Starlette) -> AsyncIterator[None]:
    """The app's lifespan in a task of its own: the MCP session manager's task group must be
    entered and exited by one task, and a fixture's setup and teardown may run in two."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with app.router.lifespan_context(app):
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when="FIRST_COMPLETED")
    if task.done():
        task.result()
    try:
        yield
    finally:
        stop.set()
        await task


async def serve(deps: Deps, peer: str = "203.0.113.7") -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app over ``deps``, connecting from ``peer``."""
    app = create_app(deps.settings, deps)
    async with lifespan_running(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def _api_deps(url: str, **overrides: Any) -> AsyncIterator[Deps]:
    deps = Deps.build(
        settings_for(url, **API_SETTINGS).changed(**overrides), clock=FixedClock(AS_OF)
    )
    try:
        yield deps
    finally:
        await deps.close()


@pytest.fixture
async def api_deps(demo_database_url: str) -> AsyncIterator[Deps]:
    """Services over the demo database, configured as the API needs them."""
    async for deps in _api_deps(demo_database_url):
        yield deps


@pytest.fixture
async def empty_api_deps(database_url: str) -> AsyncIterator[Deps]:
    async for deps in _api_deps(database_url):
        yield deps


@pytest.fixture
async def api(api_deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(api_deps):
        yield client


@pytest.fixture
async def empty_api(empty_api_deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(empty_api_deps):
        yield client
