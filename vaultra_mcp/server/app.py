"""``build_server``: the Vaultra MCP server, and the Streamable HTTP app around it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastmcp import FastMCP

from vaultra_mcp import __version__
from vaultra_mcp.server.auth import BearerVerifier
from vaultra_mcp.server.content import ContentMiddleware
from vaultra_mcp.server.errors import ErrorMiddleware
from vaultra_mcp.server.http import McpHttpApp
from vaultra_mcp.server.limits import RateLimitMiddleware
from vaultra_mcp.server.prompts import register_prompts
from vaultra_mcp.server.resources import register_resources
from vaultra_mcp.server.runtime import Identity, Runtime
from vaultra_mcp.server.tools import register_tools
from vaultra_mcp.settings import Settings, split

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps

INSTRUCTIONS = """\
Vaultra tells a small business how ready it is to get funded, from its own Stripe history, and
answers financing questions from a curated, cited knowledge base. Which tool answers what:
- "How fundable am I?", "what's hurting/helping my readiness?" -> get_readiness_breakdown
- "What should I do next?" -> get_top_recommendations; record progress with
  update_recommendation_status (the only tool that changes anything)
- Revenue, refunds, disputes/chargebacks, customers, payouts, trends -> get_metric_summary
- "What funding can I get?", "am I eligible for X?" -> get_funding_options
- "What if my disputes fell to 0.3%?" -> simulate_readiness
- Who the business is -> get_business_context; which businesses -> list_businesses (if there
  are several and the user has not said which, ask them)
- General financing questions -> search_knowledge; cite the title and url it returns.
Use the tools' numbers; never guess credit scores or other data Stripe cannot show; never
promise that a lender will approve."""


def build_server(
    settings: Settings,
    identity: Identity | None,
    *,
    http_auth: bool = False,
    deps: Deps | None = None,
) -> FastMCP:
    """The MCP server. ``identity`` is the caller for stdio or in-process use; with
    ``http_auth`` every HTTP request must carry its own bearer token instead."""
    runtime = Runtime(settings=settings, identity=identity, shared=deps)

    @asynccontextmanager
    async def lifespan(server: FastMCP) -> AsyncIterator[dict[str, Any]]:
        # Everything imported so far lives as long as the process: keep the collector off it.
        gc.freeze()
        try:
            yield {"runtime": runtime}
        finally:
            await runtime.close()

    mcp = FastMCP(
        "Vaultra",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        middleware=[
            ContentMiddleware(settings.mcp.tool_content),
            ErrorMiddleware(),
            RateLimitMiddleware(),
        ],
        mask_error_details=True,
        strict_input_validation=True,
        auth=BearerVerifier(runtime) if http_auth else None,
    )
    register_tools(mcp)
    register_resources(mcp, Path(settings.knowledge.dir))
    register_prompts(mcp)
    return mcp


def build_http_app(
    settings: Settings, *, stateless: bool = False, path: str = "/mcp", deps: Deps | None = None
) -> McpHttpApp:
    """Streamable HTTP with bearer auth on every request, JSON responses, Host/Origin checks,
    behind the guard in ``server.http``. ``deps``: a host's services to share (the API shell),
    else the server builds its own."""
    mcp = build_server(settings, identity=None, http_auth=True, deps=deps)
    inner = mcp.http_app(
        path=path,
        json_response=True,
        stateless_http=stateless,
        host_origin_protection=True,
        allowed_hosts=split(settings.mcp.allowed_hosts) or None,
        allowed_origins=split(settings.mcp.allowed_origins) or None,
    )
    return McpHttpApp(inner, max_body_bytes=settings.http.max_body_bytes, stateful=not stateless)
