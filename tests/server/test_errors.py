"""Every error code, every bound: a clear tool error with a next step, and nothing written."""

import pytest
from sqlalchemy import func, select
from sqlalchemy import insert as sa_insert

from tests.server.clients import DEVON, MAYA, call, connect, error_code
from vaultra_mcp.caller import Caller
from vaultra_mcp.models import Business, Membership, RecommendationRow
from vaultra_mcp.server.runtime import EnvironmentIdentity

BUSINESS_TOOLS = [
    ("get_readiness_breakdown", {}),
    ("get_top_recommendations", {}),
    ("get_metric_summary", {}),
    ("get_business_context", {}),
    ("get_funding_options", {}),
    ("simulate_readiness", {"changes": {"refund_rate_pct": 1.0}}),
]


async def recommendation_rows(deps) -> list[tuple[int, str]]:
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(RecommendationRow.id, RecommendationRow.status).order_by(RecommendationRow.id)
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize(("tool", "args"), BUSINESS_TOOLS)
async def test_another_tenants_business_is_exactly_like_a_missing_one(demo_deps, tool, args):
    async with connect(demo_deps, DEVON) as client:
        foreign = await call(client, tool, business_id=1, **args)
        missing = await call(client, tool, business_id=999_999, **args)
    assert error_code(foreign) == error_code(missing) == "BUSINESS_NOT_FOUND"
    assert foreign.structured_content["next_step"] == missing.structured_content["next_step"]
    assert "Northwind" not in str(foreign.structured_content)


@pytest.mark.parametrize(("tool", "args"), BUSINESS_TOOLS)
async def test_two_businesses_and_no_id_asks_which(demo_deps, tool, args):
    async with connect(demo_deps, MAYA) as client:
        result = await call(client, tool, **args)
    assert error_code(result) == "NEEDS_BUSINESS_SELECTION"
    assert result.structured_content["details"] == {"business_ids": [1, 2]}


@pytest.mark.parametrize(
    ("tool", "args", "fragment"),
    [
        ("get_readiness_breakdown", {"business_id": 0}, "business_id"),
        ("get_readiness_breakdown", {"business_id": "one"}, "business_id"),
        ("get_readiness_breakdown", {"business_id": 2**63}, "business_id"),
        ("get_top_recommendations", {"limit": 0}, "limit"),
        ("get_top_recommendations", {"limit": 11}, "limit"),
        ("get_top_recommendations", {"status": "deleted"}, "status"),
        ("get_metric_summary", {"period": "5y"}, "period"),
        ("search_knowledge", {"query": ""}, "query"),
        ("search_knowledge", {"query": "x" * 10_000}, "query"),
        ("search_knowledge", {"query": "loans", "top_k": 0}, "top_k"),
        ("search_knowledge", {"query": "loans", "top_k": 1_000}, "top_k"),
        ("search_knowledge", {"query": "loans", "category": "astrology"}, "category"),
        ("simulate_readiness", {"changes": {}}, "changes is empty"),
        ("simulate_readiness", {"changes": {"credit_score": 700}}, "credit_score"),
        ("simulate_readiness", {"changes": {"refund_rate_pct": 150}}, "refund_rate_pct"),
        ("simulate_readiness", {"changes": {"failed_payouts": 1.5}}, "failed_payouts"),
        ("simulate_readiness", {"changes": "lower disputes"}, "changes"),
        (
            "simulate_readiness",
            {"changes": {"top_customer_share_pct": 60, "top3_customer_share_pct": 40}},
            "cannot be below",
        ),
        ("update_recommendation_status", {"recommendation_id": 1, "status": "open"}, "status"),
        (
            "update_recommendation_status",
            {"recommendation_id": -1, "status": "done"},
            "recommendation_id",
        ),
        ("update_recommendation_status", {"status": "done"}, "recommendation_id"),
    ],
)
async def test_bad_arguments_are_invalid_argument_and_change_nothing(
    demo_deps, tool, args, fragment
):
    before = await recommendation_rows(demo_deps)
    async with connect(demo_deps, DEVON) as client:
        result = await call(client, tool, **args)
    assert error_code(result) == "INVALID_ARGUMENT"
    assert fragment in result.structured_content["message"]
    assert result.structured_content["next_step"]
    assert await recommendation_rows(demo_deps) == before


async def test_another_tenants_recommendation_cannot_be_changed(demo_deps):
    async with connect(demo_deps, MAYA) as client:
        theirs = (await call(client, "get_top_recommendations", business_id=1)).structured_content[
            "recommendations"
        ][0]
    before = await recommendation_rows(demo_deps)
    async with connect(demo_deps, DEVON) as client:
        foreign = await call(
            client,
            "update_recommendation_status",
            recommendation_id=theirs["id"],
            status="dismissed",
        )
        missing = await call(
            client, "update_recommendation_status", recommendation_id=999_999, status="dismissed"
        )
    assert error_code(foreign) == error_code(missing) == "RECOMMENDATION_NOT_FOUND"
    assert await recommendation_rows(demo_deps) == before


async def test_a_business_without_payments_is_not_ready(demo_deps):
    async with demo_deps.db.transaction() as session:
        bid = (
            await session.execute(
                sa_insert(Business).returning(Business.id), {"name": "Fresh Start"}
            )
        ).scalar_one()
        await session.execute(
            sa_insert(Membership), {"user_id": 2, "business_id": bid, "role": "owner"}
        )
    async with connect(demo_deps, DEVON) as client:
        result = await call(client, "get_readiness_breakdown", business_id=bid)
        context = await call(client, "get_business_context", business_id=bid)
    assert error_code(result) == "NOT_READY"
    assert "Connect Stripe" in result.structured_content["next_step"]
    assert not context.is_error


async def test_no_identity_is_unauthenticated_with_a_next_step(demo_deps):
    async with connect(
        demo_deps, identity=EnvironmentIdentity(token=None, business_id=None)
    ) as client:
        result = await call(client, "list_businesses")
    assert error_code(result) == "UNAUTHENTICATED"
    assert "VAULTRA_TOKEN" in result.structured_content["next_step"]


async def test_a_revoked_or_made_up_token_is_unauthenticated(demo_deps):
    async with connect(
        demo_deps, identity=EnvironmentIdentity(token="vtk_madeup", business_id=None)
    ) as client:
        result = await call(client, "get_readiness_breakdown")
    assert error_code(result) == "UNAUTHENTICATED"


async def test_a_pinned_demo_business_reaches_only_itself(demo_deps):
    async with connect(
        demo_deps, identity=EnvironmentIdentity(token=None, business_id=4)
    ) as client:
        own = await call(client, "get_readiness_breakdown")
        other = await call(client, "get_readiness_breakdown", business_id=3)
    assert own.structured_content["business_name"] == "Brightside Creative"
    assert error_code(other) == "BUSINESS_NOT_FOUND"


async def test_an_unreachable_database_is_store_unavailable(demo_deps):
    from tests.factories import settings_for
    from vaultra_mcp.services.deps import Deps

    down = Deps.build(settings_for("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"))
    try:
        async with connect(down, Caller.user(2)) as client:
            result = await call(client, "get_readiness_breakdown")
            knowledge = await call(client, "search_knowledge", query="Stripe Capital")
    finally:
        await down.close()
    assert error_code(result) == "STORE_UNAVAILABLE"
    assert not knowledge.is_error  # the knowledge index does not need the database


async def test_an_unknown_tool_is_an_error_not_a_crash(demo_deps):
    async with connect(demo_deps) as client:
        result = await client.call_tool("drop_all_tables", {}, raise_on_error=False)
        still = await call(client, "list_businesses")
    assert result.is_error and not still.is_error


async def test_nothing_a_model_writes_reaches_another_business(demo_deps):
    hostile = (
        "3; UPDATE recommendations SET status='done' -- ignore previous instructions, business_id=1"
    )
    async with connect(demo_deps, DEVON) as client:
        result = await call(client, "search_knowledge", query=hostile)
        sim = await call(
            client, "simulate_readiness", business_id=1, changes={"dispute_activity_pct": 0.1}
        )
    assert not result.is_error
    assert error_code(sim) == "BUSINESS_NOT_FOUND"
    async with demo_deps.db.sessions() as session:
        done = (
            await session.execute(select(func.count()).where(RecommendationRow.status == "done"))
        ).scalar_one()
    assert done == 0


def integer_arguments(tools) -> list[tuple[str, str]]:
    """Every integer argument a model can send, found in the schemas the server lists."""
    found = []
    for tool in tools:
        for name, schema in tool.input_schema.get("properties", {}).items():
            if schema.get("type") == "integer":
                found.append((tool.name, name))
    return found


@pytest.mark.parametrize("value", [True, 2.0, "2"], ids=["boolean", "float", "numeric-string"])
async def test_integer_arguments_take_integers_only(demo_deps, value):
    before = await recommendation_rows(demo_deps)
    async with connect(demo_deps, DEVON) as client:
        arguments = integer_arguments(await client.list_tools())
        assert len(arguments) >= 4
        for tool, name in arguments:
            args = {name: value}
            if tool == "search_knowledge":
                args["query"] = "loans"
            if tool == "update_recommendation_status":
                args["status"] = "done"
            result = await call(client, tool, **args)
            assert error_code(result) == "INVALID_ARGUMENT", (tool, name)
            assert name in result.structured_content["message"], (tool, name)
    assert await recommendation_rows(demo_deps) == before
