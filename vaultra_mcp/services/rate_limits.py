"""Per-caller rate limits on chat turns and MCP tool calls, counted where every replica agrees.

Each limited action has a key (``chat:user:7``, ``chat:business:3``, ``tool:user:7``) and a row
in ``rate_counters`` per fixed window of ``VAULTRA_RATE_LIMIT_WINDOW`` seconds. Taking a use is
one atomic ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`` per key,
inside the caller's transaction: the row stays locked until that transaction ends, so a burst
of concurrent requests gets exactly the limit, and a refusal raises ``RateLimited`` and rolls
the whole transaction back (its counts included: a refused request costs nothing and writes
nothing). Keys are taken in sorted order, so two transactions never wait on each other in a
circle. This is OWASP API4 ("unrestricted resource consumption") for the two actions that spend
money or compute: https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import RateLimited
from vaultra_mcp.models import RateCounter
from vaultra_mcp.services.deps import Deps


@dataclass(frozen=True)
class Limit:
    """At most ``uses`` of ``what`` per window for ``key``."""

    key: str
    uses: int
    what: str  # for the message: "chat turns for your account"


def chat_limits(deps: Deps, caller: Caller, business_id: int) -> list[Limit]:
    """A turn counts against its business, and against its user when a user is calling."""
    settings = deps.settings
    limits = [
        Limit(
            f"chat:business:{business_id}",
            settings.limits.chat_turns_per_business,
            "chat turns for this business",
        )
    ]
    if caller.user_id is not None:
        limits.append(
            Limit(
                f"chat:user:{caller.user_id}",
                settings.limits.chat_turns_per_user,
                "chat turns for your account",
            )
        )
    return limits


def tool_limits(deps: Deps, caller: Caller) -> list[Limit]:
    """Tool calls are limited per user; a pinned caller (the assistant inside a chat turn, a
    local demo) is not: its turns are limited where they start."""
    if caller.user_id is None:
        return []
    return [
        Limit(
            f"tool:user:{caller.user_id}",
            deps.settings.limits.tool_calls_per_user,
            "tool calls for your account",
        )
    ]


def window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


async def take(session: AsyncSession, deps: Deps, limits: list[Limit]) -> None:
    """Count one use against each of ``limits`` in ``session``'s transaction; ``RateLimited``
    (with the seconds until the window ends) if any is spent. Call it first in the transaction:
    on SQLite its write takes the database lock before any read could make that fail."""
    seconds, now = deps.settings.limits.rate_limit_window, deps.clock.now()
    start = window_start(now, seconds)
    for limit in sorted(limits, key=lambda one: one.key):
        count = await _count_one(session, deps.db.dialect, limit.key, start)
        if count > limit.uses:
            wait = max(1, math.ceil((start + timedelta(seconds=seconds) - now).total_seconds()))
            raise RateLimited(
                f"Too many {limit.what}: at most {limit.uses} every {seconds} seconds; "
                f"retry after {wait} seconds.",
                retry_after=wait,
                details={"retry_after": wait, "limit": limit.uses, "window_seconds": seconds},
                next_step=f"Wait {wait} seconds, then try again.",
            )
        if count == 1:  # a new window: the key's earlier ones are done with
            await session.execute(
                delete(RateCounter).where(
                    col(RateCounter.key) == limit.key, col(RateCounter.window_start) < start
                )
            )


async def take_tool_call(deps: Deps, caller: Caller) -> None:
    """One MCP tool call by ``caller``, in a transaction of its own."""
    limits = tool_limits(deps, caller)
    if limits:
        async with deps.db.transaction() as session:
            await take(session, deps, limits)


async def _count_one(session: AsyncSession, dialect: str, key: str, start: datetime) -> int:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": col(RateCounter.count) + 1}
        )
        .returning(col(RateCounter.count))
    )
    return int((await session.execute(statement)).scalar_one())
