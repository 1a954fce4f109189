"""The per-process caches behind warm tool calls: callers by token hash, results by row version.

Each test is one way a cache could serve what it must not: a revoked token, an old score,
another tenant's business.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.server.clients import DEVON, PRIYA, call, connect, error_code
from vaultra_mcp.memo import ExpiringMemo
from vaultra_mcp.models import Business
from vaultra_mcp.server.runtime import IDENTITY_TTL_SECONDS, EnvironmentIdentity
from vaultra_mcp.services.identity import issue_token, revoke_token
from vaultra_mcp.services.metrics import run_compute_metrics
from vaultra_mcp.services.readiness import run_compute_readiness

DEVON_BUSINESS, PRIYA_BUSINESS = 3, 4


class Ticker:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


async def test_a_revoked_token_stops_working_once_its_cache_entry_expires(demo_deps):
    issued = await issue_token(demo_deps, email="devon@voltline.example", name="cache")
    ticker = Ticker()
    identity = EnvironmentIdentity(
        token=issued.token, business_id=None, callers=ExpiringMemo(IDENTITY_TTL_SECONDS, now=ticker)
    )
    async with connect(demo_deps, identity=identity) as client:
        before = await call(client, "list_businesses")
        await revoke_token(demo_deps, issued.user_id, issued.id)
        ticker.seconds += IDENTITY_TTL_SECONDS
        after = await call(client, "list_businesses")
    assert not before.is_error
    assert error_code(after) == "UNAUTHENTICATED"


async def test_a_token_that_failed_works_as_soon_as_it_is_issued(demo_deps):
    value = "vtk_not_yet_issued_0123456789"
    identity = EnvironmentIdentity(token=value, business_id=None)
    async with connect(demo_deps, identity=identity) as client:
        refused = await call(client, "list_businesses")
        await issue_token(demo_deps, email="devon@voltline.example", token=value)
        accepted = await call(client, "list_businesses")
    assert error_code(refused) == "UNAUTHENTICATED"
    assert not accepted.is_error


async def test_a_new_score_replaces_the_cached_breakdown(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        first = await call(client, "get_readiness_breakdown", business_id=DEVON_BUSINESS)
        again = await call(client, "get_readiness_breakdown", business_id=DEVON_BUSINESS)
        demo_deps.clock.moment += timedelta(days=3)
        await run_compute_metrics(demo_deps, business_ids=[DEVON_BUSINESS], full=True)
        await run_compute_readiness(demo_deps, business_ids=[DEVON_BUSINESS])
        rescored = await call(client, "get_readiness_breakdown", business_id=DEVON_BUSINESS)
    assert again.structured_content == first.structured_content
    assert rescored.structured_content["as_of"] != first.structured_content["as_of"]


async def test_a_new_snapshot_replaces_the_cached_metric_summary(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        first = await call(client, "get_metric_summary", business_id=DEVON_BUSINESS)
        demo_deps.clock.moment += timedelta(days=3)
        await run_compute_metrics(demo_deps, business_ids=[DEVON_BUSINESS], full=True)
        resnapped = await call(client, "get_metric_summary", business_id=DEVON_BUSINESS)
    assert resnapped.structured_content["as_of"] != first.structured_content["as_of"]


async def test_a_renamed_business_is_not_served_under_its_old_name(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        await call(client, "get_funding_options", business_id=DEVON_BUSINESS)
        async with demo_deps.db.transaction() as session:
            await session.execute(
                update(Business).where(Business.id == DEVON_BUSINESS).values(name="Renamed Co")
            )
        renamed = await call(client, "get_funding_options", business_id=DEVON_BUSINESS)
    assert renamed.structured_content["business_name"] == "Renamed Co"


async def test_two_tenants_with_the_same_business_name_each_get_their_own(demo_deps):
    async with demo_deps.db.transaction() as session:
        await session.execute(
            update(Business).where(Business.id == PRIYA_BUSINESS).values(name="Same Name")
        )
        await session.execute(
            update(Business).where(Business.id == DEVON_BUSINESS).values(name="Same Name")
        )
    results = {}
    for caller, business_id in ((DEVON, DEVON_BUSINESS), (PRIYA, PRIYA_BUSINESS)):
        async with connect(demo_deps, caller) as client:  # one process, one cache
            for tool in ("get_readiness_breakdown", "get_metric_summary", "get_funding_options"):
                results[caller, tool] = await call(client, tool)
                assert results[caller, tool].structured_content["business_id"] == business_id
    for tool in ("get_readiness_breakdown", "get_metric_summary", "get_funding_options"):
        assert results[DEVON, tool].structured_content != results[PRIYA, tool].structured_content


async def test_another_tenants_cached_business_stays_not_found(demo_deps):
    async with connect(demo_deps, DEVON) as owner:
        cached = await call(owner, "get_readiness_breakdown", business_id=DEVON_BUSINESS)
    async with connect(demo_deps, PRIYA) as other:
        refused = await call(other, "get_readiness_breakdown", business_id=DEVON_BUSINESS)
        what_if = await call(
            other,
            "simulate_readiness",
            business_id=DEVON_BUSINESS,
            changes={"dispute_activity_pct": 0.1},
        )
    assert not cached.is_error
    assert error_code(refused) == "BUSINESS_NOT_FOUND"
    assert error_code(what_if) == "BUSINESS_NOT_FOUND"


async def test_a_what_if_is_cached_per_change(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        low = await call(
            client, "simulate_readiness", changes={"dispute_activity_pct": 0.0}, business_id=3
        )
        high = await call(
            client, "simulate_readiness", changes={"dispute_activity_pct": 5.0}, business_id=3
        )
    assert low.structured_content != high.structured_content
