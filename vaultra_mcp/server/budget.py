"""Every tool result is whole in its text and fits a token budget (``VAULTRA_TOOL_TOKEN_BUDGET``).

Claude Desktop and Cursor read only a result's text ``content``; Claude Code and some SDK clients
read only ``structuredContent``. So the text is a one-line summary followed by the structured
result as compact JSON (the MCP spec's advice for structured content), and the budget counts that
text: exactly what a content-reading model is given. Tools that return lists pass a ``shrink``
step (drop the last item, shorten a passage), applied until the result fits; the result says so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import mcp.types as mt
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel

from vaultra_mcp.tokens import fits_in_tokens

M = TypeVar("M", bound=BaseModel)
MAX_SHRINK_STEPS = 40
log = logging.getLogger("vaultra.mcp")


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def full_text(summary: str, structured: dict[str, Any]) -> str:
    """What a content-reading client gets: the summary line, then the whole result."""
    return f"{summary}\n{compact_json(structured)}"


def text_result(summary: str, structured: dict[str, Any], *, is_error: bool = False) -> ToolResult:
    return ToolResult(
        content=[mt.TextContent(type="text", text=full_text(summary, structured))],
        structured_content=structured,
        is_error=is_error,
    )


def fit(
    payload: M,
    summary: Callable[[M], str],
    budget: int,
    shrink: Callable[[M], M | None] | None = None,
) -> ToolResult:
    """The tool result for ``payload`` (``None`` fields left out), shrunk until it fits."""
    for _ in range(MAX_SHRINK_STEPS):
        structured = payload.model_dump(mode="json", exclude_none=True)
        line = summary(payload)
        if fits_in_tokens(full_text(line, structured), budget):
            break
        smaller = shrink(payload) if shrink is not None else None
        if smaller is None:
            log.warning("tool result over budget (%d tokens) and cannot shrink", budget)
            break
        payload = smaller
    else:
        log.warning("tool result still over budget (%d tokens) after shrinking", budget)
    return text_result(line, structured)
