"""Every tool result fits a token budget (``VAULTRA_TOOL_TOKEN_BUDGET``, cl100k_base tokens).

A result is the short text summary plus the structured content as JSON. Tools that return lists
pass a ``shrink`` step (drop the last item, shorten a passage); it is applied until the result
fits, and the result says it was truncated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

import mcp.types as mt
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel

from vaultra_mcp.tokens import count_tokens

M = TypeVar("M", bound=BaseModel)
MAX_SHRINK_STEPS = 40
log = logging.getLogger("vaultra.mcp")


def result_tokens(summary: str, structured: dict[str, object]) -> int:
    """Tokens of the text summary and the JSON structured content together (one encode)."""
    body = json.dumps(structured, separators=(",", ":"), ensure_ascii=False, default=str)
    return count_tokens(f"{summary}\n{body}")


def fit(
    payload: M,
    summary: Callable[[M], str],
    budget: int,
    shrink: Callable[[M], M | None] | None = None,
    exclude_defaults: bool = False,
) -> ToolResult:
    """The tool result for ``payload``, shrunk until it fits ``budget`` tokens.

    ``exclude_defaults`` leaves out empty lists and other defaults, for payloads where they
    would be most of the size (their schema does not require them).
    """
    for _ in range(MAX_SHRINK_STEPS):
        structured = payload.model_dump(mode="json", exclude_defaults=exclude_defaults)
        text = summary(payload)
        if result_tokens(text, structured) <= budget:
            break
        smaller = shrink(payload) if shrink is not None else None
        if smaller is None:
            log.warning("tool result over budget (%d tokens) and cannot shrink", budget)
            break
        payload = smaller
    else:
        log.warning("tool result still over budget (%d tokens) after shrinking", budget)
    return ToolResult(
        content=[mt.TextContent(type="text", text=text)], structured_content=structured
    )
