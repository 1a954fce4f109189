"""Every tool call counts against its caller's rate limit before the tool runs.

The count lives in the database (``services.rate_limits``), so every replica and every
transport agree; over the limit the call is a ``RATE_LIMITED`` tool error whose text and
structured content carry the seconds to wait, and the tool never runs. When the database
cannot count (an outage), the call goes ahead uncounted: a tool that needs the database then
answers ``STORE_UNAVAILABLE`` itself, and one that does not (``search_knowledge``, on the
local index) keeps working.
"""

from __future__ import annotations

import logging

import mcp.types as mt
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools.base import ToolResult

from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import Runtime, runtime_of

log = logging.getLogger("vaultra.mcp")


@domain_errors
async def _count_call(runtime: Runtime) -> None:
    from vaultra_mcp.db import store_down  # loads with the services
    from vaultra_mcp.services.rate_limits import take_tool_call

    caller = await runtime.caller()
    try:
        await take_tool_call(runtime.services(), caller)
    except Exception as exc:
        if not store_down(exc):
            raise
        log.warning("tool call not counted, the store is down: %s", type(exc).__name__)


class RateLimitMiddleware(Middleware):
    async def on_call_tool(
        self,
        context: MiddlewareContext[mt.CallToolRequestParams],
        call_next: CallNext[mt.CallToolRequestParams, ToolResult],
    ) -> ToolResult:
        assert context.fastmcp_context is not None
        await _count_call(runtime_of(context.fastmcp_context))
        return await call_next(context)
