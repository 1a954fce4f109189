"""Tool results kept per process, keyed by the rows they were computed from.

A warm call still runs the one indexed query of ``resolve_ref``: it decides whether this caller
may reach the business and names the latest score and snapshot rows. The finished result (model,
JSON, token count) is then looked up by the caller, that ``BusinessRef`` (its latest row ids and
every profile field the result shows), the arguments and the token budget. So:

- a new score or snapshot is a new row id, hence a new key: the next call recomputes;
- a caller who loses access fails in ``resolve_ref`` before the cache is consulted, and the caller
  is part of the key, so one tenant's entry is never another's (ids, never names, identify);
- what depends on the clock (a score going stale, years in business) is at most
  ``RESULT_TTL_SECONDS`` late, the entries' lifetime.

A business without a computed score or snapshot yet is never cached: its first call computes one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING

from fastmcp.tools.base import ToolResult

from vaultra_mcp.caller import Caller
from vaultra_mcp.server.runtime import Runtime

if TYPE_CHECKING:
    from vaultra_mcp.services.businesses import BusinessRef


async def remembered(
    runtime: Runtime,
    caller: Caller,
    business: BusinessRef,
    arguments: Hashable,
    build: Callable[[], Awaitable[ToolResult]],
    *,
    tool: str,
) -> ToolResult:
    """``build()``'s result for this caller, business version and arguments, built at most once."""
    if business.score_id is None or business.snapshot_id is None:
        return await build()
    results = runtime.services().results
    key = (tool, caller, business, arguments, runtime.budget)
    hit = results.get(key)
    if hit is None:
        hit = results.put(key, await build())
    assert isinstance(hit, ToolResult)
    return hit
