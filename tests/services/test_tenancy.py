"""Which business a caller reaches is decided by their memberships, never by the id they pass."""

import pytest
from sqlalchemy import select

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import InvalidInput, NeedsBusinessSelection, NotFound
from vaultra_mcp.models import RecommendationRow
from vaultra_mcp.services.businesses import business_context, list_businesses
from vaultra_mcp.services.businesses import resolve_ref as resolve_business
from vaultra_mcp.services.identity import authenticate_token, issue_token
from vaultra_mcp.services.recommendations import top_recommendations, update_recommendation_status

MAYA = Caller.user(1)  # owns businesses 1 and 2
DEVON = Caller.user(2)  # owns business 3


async def test_an_omitted_business_is_the_callers_only_one(demo_deps):
    assert (await resolve_business(demo_deps, DEVON, None)).id == 3


async def test_two_businesses_and_no_choice_asks_which_one(demo_deps):
    with pytest.raises(NeedsBusinessSelection) as raised:
        await resolve_business(demo_deps, MAYA, None)
    assert raised.value.details == {"business_ids": [1, 2]}


async def test_another_tenants_business_looks_exactly_like_a_missing_one(demo_deps):
    with pytest.raises(NotFound) as foreign:
        await resolve_business(demo_deps, DEVON, 1)
    with pytest.raises(NotFound) as missing:
        await resolve_business(demo_deps, DEVON, 999)
    assert foreign.value.code == missing.value.code == "BUSINESS_NOT_FOUND"
    assert foreign.value.message.replace("1", "X") == missing.value.message.replace("999", "X")


@pytest.mark.parametrize("huge", [2**31, 2**63])
async def test_ids_beyond_the_key_range_are_not_found(demo_deps, huge):
    with pytest.raises(NotFound):
        await resolve_business(demo_deps, DEVON, huge)


@pytest.mark.parametrize("bad", [0, -5, True])
async def test_malformed_business_ids_are_invalid(demo_deps, bad):
    with pytest.raises(InvalidInput):
        await resolve_business(demo_deps, DEVON, bad)


async def test_a_pinned_caller_reaches_only_its_business(demo_deps):
    pinned = Caller.pinned(4)
    assert [b.id for b in await list_businesses(demo_deps, pinned)] == [4]
    with pytest.raises(NotFound):
        await business_context(demo_deps, pinned, 5)


async def test_list_businesses_shows_only_memberships(demo_deps):
    assert [b.name for b in await list_businesses(demo_deps, MAYA)] == [
        "Northwind Analytics",
        "Harbor & Pine Outfitters",
    ]
    assert await list_businesses(demo_deps, Caller.user(999)) == []


async def test_business_context_reports_what_the_business_told_us(demo_deps):
    context = await business_context(demo_deps, DEVON, None)
    assert (context.name, context.industry, context.country) == (
        "Voltline Gadgets",
        "ecommerce_electronics",
        "US",
    )
    assert context.funding_goal_amount == 100_000_00
    assert context.years_in_business == 3.8  # 2023-01-15 to 2026-11-21: 1,406 days


async def test_status_updates_are_idempotent(demo_deps):
    page = await top_recommendations(demo_deps, DEVON, None, limit=1)
    rec = page.items[0]
    first = await update_recommendation_status(demo_deps, DEVON, rec.id, "accepted")
    again = await update_recommendation_status(demo_deps, DEVON, rec.id, "accepted")
    assert (first.changed, again.changed) == (True, False)
    assert again.recommendation.updated_at == first.recommendation.updated_at


async def test_another_tenants_recommendation_cannot_be_changed(demo_deps):
    theirs = (await top_recommendations(demo_deps, DEVON, None)).items[0]
    with pytest.raises(NotFound) as raised:
        await update_recommendation_status(demo_deps, Caller.user(4), theirs.id, "dismissed")
    assert raised.value.code == "RECOMMENDATION_NOT_FOUND"
    async with demo_deps.db.sessions() as session:
        row = await session.get(RecommendationRow, theirs.id)
    assert row.status == "open"


@pytest.mark.parametrize(
    ("rec_id", "status"), [(1, "open"), (1, "deleted"), (0, "done"), (-3, "done")]
)
async def test_bad_status_changes_are_rejected_and_change_nothing(demo_deps, rec_id, status):
    async with demo_deps.db.sessions() as session:
        before = [
            (r.id, r.status) for r in (await session.execute(select(RecommendationRow))).scalars()
        ]
    with pytest.raises(InvalidInput):
        await update_recommendation_status(demo_deps, DEVON, rec_id, status)
    async with demo_deps.db.sessions() as session:
        after = [
            (r.id, r.status) for r in (await session.execute(select(RecommendationRow))).scalars()
        ]
    assert after == before


async def test_tokens_authenticate_their_own_user_only(demo_deps):
    issued = await issue_token(demo_deps, email="priya@brightside.example", name="laptop")
    caller = await authenticate_token(demo_deps, issued.token)
    assert caller == Caller.user(issued.user_id)
    assert [b.id for b in await list_businesses(demo_deps, caller)] == [4]
