"""The Stripe API stalling or dropping in the middle of a backfill, through a fault proxy: the
run fails with whole pages kept, and the next run resumes from its cursor, ending with every
object stored once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.factories import AS_OF
from tests.services.test_stripe_sync import ACCOUNT, PROFILE, served, stored, sync_settings
from tests.support.fault_proxy import Fault, fault_proxy, through
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.models import Business
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.stripe_connect import link_account
from vaultra_mcp.services.stripe_sync import sync_business

MID_BACKFILL = 120_000  # bytes of answers (a few pages) before the fault


@pytest.fixture
def stripe_api() -> Iterator[tuple[str, FakeStripe]]:
    state = FakeStripe()
    state.add_account(ACCOUNT, PROFILE, as_of=AS_OF)
    with serve_stripe_fake(state) as url:
        yield url, state


@pytest.fixture
async def deps(database_url: str, stripe_api: tuple[str, FakeStripe]) -> AsyncIterator[Deps]:
    """A business linked to the fake's account, synced straight (no proxy)."""
    deps = Deps.build(sync_settings(*stripe_api, database_url), clock=FixedClock(AS_OF))
    async with deps.db.transaction() as session:
        session.add(Business(id=1, name="Synced"))
    await link_account(deps, 1, ACCOUNT, "sk_test_unused_when_the_platform_key_is_set")
    yield deps
    await deps.close()


@pytest.mark.parametrize("fault", ["stall", "cut"])
async def test_a_backfill_broken_mid_page_resumes_from_its_cursor(deps, stripe_api, fault: Fault):
    url, state = stripe_api
    async with fault_proxy(url) as proxy:
        proxy.fault_after(MID_BACKFILL, fault)
        settings = sync_settings(
            through(url, proxy),
            state,
            deps.settings.database.url,
            max_retries=0,
        ).changed(llm={"provider_timeout": 1})
        broken = Deps.build(settings, clock=deps.clock)
        try:
            [first] = await sync_business(broken, 1)
        finally:
            await broken.close()
        proxy.resume()
        requests_before = len(state.requests)
        [second] = await sync_business(deps, 1)

    full_backfill = sum(max(1, -(-len(ids) // 100)) for ids in served(state).values())
    assert first.status == "failed" and first.pages > 0
    assert second.status == "synced"
    assert await stored(deps) == served(state)
    assert first.rows + second.rows == sum(len(ids) for ids in served(state).values())
    assert len(state.requests) - requests_before == full_backfill - first.pages  # resumed
