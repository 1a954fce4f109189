"""How much of a result goes in its text: everything, unless the client will never read it.

Tools put the summary line and the whole result in ``content`` (see ``budget``). A client known
to read only ``structuredContent``, or a server configured with ``VAULTRA_TOOL_CONTENT=summary``,
gets the summary line alone: the JSON would be bytes nobody reads.
"""

from __future__ import annotations

from typing import Literal

import mcp.types as mt
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools.base import ToolResult

ToolContent = Literal["full", "summary"]

# clientInfo.name of clients whose models read structuredContent and ignore the text.
STRUCTURED_ONLY_CLIENTS = frozenset({"claude-code"})


def client_name(context: MiddlewareContext[mt.CallToolRequestParams]) -> str | None:
    ctx = context.fastmcp_context
    if ctx is None:
        return None
    try:
        params = ctx.session.client_params
    except RuntimeError:  # no session (a direct call): nothing is known about the client
        return None
    return params.client_info.name if params is not None else None


def summary_only(result: ToolResult) -> ToolResult:
    text = "".join(block.text for block in result.content if isinstance(block, mt.TextContent))
    return ToolResult(
        content=[mt.TextContent(type="text", text=text.split("\n", 1)[0])],
        structured_content=result.structured_content,
        meta=result.meta,
        is_error=result.is_error,
    )


class ContentMiddleware(Middleware):
    def __init__(self, mode: ToolContent) -> None:
        self.mode = mode

    async def on_call_tool(
        self,
        context: MiddlewareContext[mt.CallToolRequestParams],
        call_next: CallNext[mt.CallToolRequestParams, ToolResult],
    ) -> ToolResult:
        result = await call_next(context)
        if result.structured_content is None:
            return result
        if self.mode == "summary" or client_name(context) in STRUCTURED_ONLY_CLIENTS:
            return summary_only(result)
        return result
