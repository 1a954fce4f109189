"""``create_app``: the API under ``/api/v1``, health probes, and the MCP server at ``/mcp``.

Forwarded headers (``X-Forwarded-For``, ``-Proto``) are believed only from the proxies in
``VAULTRA_TRUSTED_PROXIES``, here rather than in the server, so whatever serves the app the
client address (which sign-in limits count by) is the one the operator vouched for.

One process, one set of services: the MCP app is built on the same ``Deps`` (database engine,
knowledge index) and its lifespan runs inside this app's, so ``/mcp`` and ``/api/v1`` share the
pool and shut down together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api_shell.errors import EXCEPTION_HANDLERS
from api_shell.middleware import RequestContextMiddleware
from api_shell.openapi import document
from api_shell.operations import Operation
from api_shell.operations import routes as operation_routes
from api_shell.routes import agent, auth, dashboard, stripe, users, web, webhooks
from api_shell.web import SecurityHeadersMiddleware, site_routes
from vaultra_mcp import __version__
from vaultra_mcp.agent.chat import ChatRuntime
from vaultra_mcp.jobs import run_scheduler
from vaultra_mcp.server.app import build_http_app
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings, split

PREFIX = "/api/v1"
OPERATIONS: list[Operation] = [
    *auth.OPERATIONS,
    *users.OPERATIONS,
    *dashboard.OPERATIONS,
    *stripe.OPERATIONS,
    *webhooks.OPERATIONS,
    *agent.OPERATIONS,
    *web.OPERATIONS,
]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of ``/api/v1`` (the web app's typed client is generated from it)."""
    return document(OPERATIONS, "Vaultra API", __version__, PREFIX)


def create_app(
    settings: Settings, deps: Deps | None = None, *, scheduler: bool = False
) -> Starlette:
    """The whole HTTP surface. ``deps`` lets a test or an embedding host supply its own;
    ``scheduler`` also runs the job schedule in this process (one-machine setups)."""
    services = deps or Deps.build(settings)
    chat = ChatRuntime.build(services)
    mcp_app = build_http_app(settings, stateless=True, deps=services)
    spec = openapi_document()

    async def openapi(_: Request) -> Response:
        return JSONResponse(spec)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        await services.db.ping()
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        stop = asyncio.Event()
        jobs = asyncio.create_task(run_scheduler(services, stop)) if scheduler else None
        async with mcp_app.lifespan():
            try:
                yield {}
            finally:
                stop.set()
                if jobs is not None:
                    await jobs
                await chat.close()
                if deps is None:
                    await services.close()

    api: list[BaseRoute] = [Route("/openapi.json", openapi, methods=["GET"])]
    api += operation_routes(OPERATIONS)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Mount(PREFIX, routes=api),
        Route("/mcp", mcp_app, methods=["GET", "POST", "DELETE"]),
        *site_routes(settings),  # last: it answers every path the others do not
    ]
    origins = split(settings.http.cors_origins)
    middleware = [
        Middleware(SecurityHeadersMiddleware, settings=settings),
        Middleware(RequestContextMiddleware, max_body_bytes=settings.http.max_body_bytes),
    ]
    proxies = split(settings.http.trusted_proxies)
    if proxies:  # outermost: every layer below sees the client the proxy vouches for
        middleware.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    if origins:  # no configured origin: browsers get no CORS headers, so no layer for them
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_credentials="*" not in origins,
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                expose_headers=["X-Request-ID", "Retry-After"],
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.deps = services
    app.state.chat = chat
    return app
