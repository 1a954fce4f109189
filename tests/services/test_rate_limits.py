"""Per-caller rate limits counted in the database: exact under concurrency, per key, per window."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import AS_OF
from vaultra_mcp.caller import Caller
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.errors import RateLimited
from vaultra_mcp.models import RateCounter
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.rate_limits import Limit, take, take_tool_call

LIMIT = Limit("test:user:1", 3, "tests")


def limited(deps: Deps, **settings: int) -> Deps:
    return Deps(deps.settings.changed(limits=settings), deps.db, deps.clock, deps.knowledge)


async def use(deps: Deps, *limits: Limit) -> bool:
    try:
        async with deps.db.transaction() as session:
            await take(session, deps, list(limits))
    except RateLimited:
        return False
    return True


async def counts(deps: Deps) -> dict[str, int]:
    async with deps.db.sessions() as session:
        rows = await session.execute(select(RateCounter.key, RateCounter.count))
        return {str(row[0]): int(row[1]) for row in rows.all()}


async def test_the_limit_is_exact_and_the_next_use_says_when_to_retry(deps):
    allowed = [await use(deps, LIMIT) for _ in range(3)]
    with pytest.raises(RateLimited) as refused:
        async with deps.db.transaction() as session:
            await take(session, deps, [LIMIT])

    assert allowed == [True, True, True]
    assert refused.value.retry_after == 60  # AS_OF is on the minute: the whole window is left
    assert refused.value.details == {"retry_after": 60, "limit": 3, "window_seconds": 60}
    assert "retry after 60 seconds" in refused.value.message


async def test_a_refused_use_counts_nothing(deps):
    for _ in range(5):
        await use(deps, LIMIT)

    assert await counts(deps) == {"test:user:1": 3}


async def test_a_refusal_by_one_limit_rolls_back_the_other(deps):
    business = Limit("test:business:1", 1, "tests")
    await use(deps, business)

    assert not await use(deps, LIMIT, business)
    assert await counts(deps) == {"test:business:1": 1}


async def test_one_keys_uses_never_limit_another(deps):
    for _ in range(3):
        await use(deps, LIMIT)

    assert await use(deps, Limit("test:user:2", 3, "tests"))


async def test_a_new_window_starts_afresh_and_forgets_the_old_one(deps):
    for _ in range(3):
        await use(deps, LIMIT)
    later = Deps(deps.settings, deps.db, FixedClock(AS_OF + timedelta(seconds=61)), deps.knowledge)

    assert await use(later, LIMIT)
    async with deps.db.sessions() as session:
        windows = (await session.execute(select(RateCounter.window_start))).scalars().all()
    assert len(windows) == 1


async def test_the_retry_after_is_what_is_left_of_the_window(deps):
    late = Deps(deps.settings, deps.db, FixedClock(AS_OF + timedelta(seconds=45.5)), deps.knowledge)
    for _ in range(3):
        await use(late, LIMIT)

    with pytest.raises(RateLimited) as refused:
        async with late.db.transaction() as session:
            await take(session, late, [LIMIT])
    assert refused.value.retry_after == 15


async def test_concurrent_uses_get_exactly_the_limit(deps):
    limit = Limit("test:burst", 7, "tests")

    results = await asyncio.gather(*(use(deps, limit) for _ in range(30)))

    assert results.count(True) == 7
    assert await counts(deps) == {"test:burst": 7}


async def test_tool_calls_are_limited_per_user_and_not_for_a_pinned_caller(deps):
    tight = limited(deps, tool_calls_per_user=2)
    for _ in range(2):
        await take_tool_call(tight, Caller.user(1))

    with pytest.raises(RateLimited):
        await take_tool_call(tight, Caller.user(1))
    await take_tool_call(tight, Caller.user(2))
    for _ in range(5):
        await take_tool_call(tight, Caller.pinned(1))
