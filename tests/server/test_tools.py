"""Every tool on every demo profile, through an in-memory MCP client."""

import statistics

import jsonschema
import pytest

from tests.server.clients import DEVON, MAYA, OWNER_OF, call, connect, table, tokens
from vaultra_mcp.demo.profiles import PROFILES

TOOLS = {
    "get_readiness_breakdown",
    "get_top_recommendations",
    "get_metric_summary",
    "get_business_context",
    "search_knowledge",
    "list_businesses",
    "simulate_readiness",
    "get_funding_options",
    "update_recommendation_status",
}


async def default_calls(client, business_id: int) -> list[tuple[str, dict]]:
    recs = await call(client, "get_top_recommendations", business_id=business_id, status="all")
    rec_id = recs.structured_content["recommendations"][0]["id"]
    return [
        ("list_businesses", {}),
        ("get_business_context", {"business_id": business_id}),
        ("get_readiness_breakdown", {"business_id": business_id}),
        ("get_top_recommendations", {"business_id": business_id}),
        ("get_metric_summary", {"business_id": business_id}),
        ("get_funding_options", {"business_id": business_id}),
        (
            "simulate_readiness",
            {"business_id": business_id, "changes": {"dispute_activity_pct": 0.2}},
        ),
        ("search_knowledge", {"query": "what do lenders look at before approving a loan"}),
        ("update_recommendation_status", {"recommendation_id": rec_id, "status": "accepted"}),
    ]


async def test_the_nine_tools_are_listed_with_honest_annotations(demo_deps):
    async with connect(demo_deps) as client:
        tools = {t.name: t for t in await client.list_tools()}
    assert set(tools) == TOOLS
    for name, tool in tools.items():
        a = tool.annotations
        writes = name == "update_recommendation_status"
        assert (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint) == (
            not writes,
            False,
            True,
            False,
        ), name
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert tool.description and len(tool.description) > 80
        for param, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), f"{name}.{param} has no description"


@pytest.mark.parametrize("business_id", list(range(1, len(PROFILES) + 1)))
async def test_every_tool_answers_for_every_profile_within_its_schema_and_budget(
    demo_deps, business_id
):
    async with connect(demo_deps, OWNER_OF[business_id]) as client:
        schemas = {t.name: t.output_schema for t in await client.list_tools()}
        for tool, args in await default_calls(client, business_id):
            result = await call(client, tool, **args)
            assert not result.is_error, (tool, result)
            jsonschema.validate(result.structured_content, schemas[tool])
            assert result.content[0].text.strip(), tool
            assert tokens(result) <= demo_deps.settings.mcp.tool_token_budget, tool


async def test_the_largest_requests_still_fit_the_budget(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        for tool, args in [
            ("get_top_recommendations", {"limit": 10, "status": "all"}),
            ("get_metric_summary", {"period": "12m"}),
            (
                "search_knowledge",
                {
                    "query": "dispute chargeback monitoring program Visa Mastercard Stripe",
                    "top_k": 10,
                },
            ),
            ("get_funding_options", {}),
            ("get_readiness_breakdown", {}),
        ]:
            result = await call(client, tool, **args)
            assert tokens(result) <= demo_deps.settings.mcp.tool_token_budget, tool


async def test_a_tight_budget_truncates_lists_and_says_so(demo_deps):
    tight = demo_deps.settings.changed(mcp={"tool_token_budget": 300})
    from fastmcp import Client

    from vaultra_mcp.server.app import build_server
    from vaultra_mcp.server.runtime import FixedIdentity

    async with Client(build_server(tight, FixedIdentity(DEVON), deps=demo_deps)) as client:
        result = await call(
            client, "search_knowledge", query="Stripe Capital eligibility", top_k=10
        )
    out = result.structured_content
    assert tokens(result) <= 300
    assert len(out["passages"]) < 10 or any(p.get("truncated") for p in out["passages"])


async def test_the_median_result_is_under_400_tokens(demo_deps):
    sizes = []
    for business_id in range(1, len(PROFILES) + 1):
        async with connect(demo_deps, OWNER_OF[business_id]) as client:
            for tool, args in await default_calls(client, business_id):
                sizes.append(tokens(await call(client, tool, **args)))
    assert statistics.median(sizes) <= 400


async def test_the_breakdown_explains_each_component_with_its_threshold_and_source(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        out = (await call(client, "get_readiness_breakdown")).structured_content
    assert (out["business_name"], out["tier"]) == ("Voltline Gadgets", "needs_work")
    disputes = next(c for c in table(out, "components") if c["key"] == "dispute_activity")
    assert (
        disputes["status"] == "hurts" and disputes["points"] == 0 and disputes["max_points"] == 20
    )
    assert "1.5%" in disputes["explanation"] and disputes["full_points_at"] == 0.3
    source = out["sources"][disputes["source"] - 1]
    assert source["title"] == "Stripe Docs: Measuring disputes"
    assert source["url"] == "https://docs.stripe.com/disputes/measuring"
    assert out["hurts_most"][0] == "dispute_activity"
    history = next(c for c in table(out, "components") if c["key"] == "processing_history")
    assert history["value"] > 18


async def test_simulation_reads_only(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        before = (await call(client, "get_readiness_breakdown")).structured_content["score"]
        sim = (
            await call(client, "simulate_readiness", changes={"dispute_activity_pct": 0.1})
        ).structured_content
        after = (await call(client, "get_readiness_breakdown")).structured_content["score"]
    assert sim["simulation"]["score_before"] == before == after
    assert sim["simulation"]["score_after"] == before + 20


async def test_a_two_business_owner_is_asked_to_choose(demo_deps):
    async with connect(demo_deps, MAYA) as client:
        result = await call(client, "get_readiness_breakdown")
        listed = (await call(client, "list_businesses")).structured_content["businesses"]
    assert result.structured_content["error"] == "NEEDS_BUSINESS_SELECTION"
    assert "list_businesses" in result.structured_content["next_step"]
    assert [b["id"] for b in listed] == [1, 2]


async def test_updating_a_recommendation_is_idempotent(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        rec = (await call(client, "get_top_recommendations")).structured_content["recommendations"][
            0
        ]
        first = await call(
            client, "update_recommendation_status", recommendation_id=rec["id"], status="done"
        )
        again = await call(
            client, "update_recommendation_status", recommendation_id=rec["id"], status="done"
        )
        done = await call(client, "get_top_recommendations", status="done")
    assert (first.structured_content["changed"], again.structured_content["changed"]) == (
        True,
        False,
    )
    assert [r["id"] for r in done.structured_content["recommendations"]] == [rec["id"]]


async def test_knowledge_search_cites_the_stripe_capital_document(demo_deps):
    async with connect(demo_deps) as client:
        out = (
            await call(
                client, "search_knowledge", query="How many months on Stripe before Stripe Capital?"
            )
        ).structured_content
    top = out["passages"][0]["doc_id"]
    assert top == "stripe-capital" and out["documents"][top]["url"].startswith("https://")
    assert out["low_confidence"] is False and out["mode"] == "lexical"


async def test_an_unanswerable_question_is_flagged_low_confidence(demo_deps):
    async with connect(demo_deps) as client:
        out = (
            await call(client, "search_knowledge", query="best sourdough starter hydration")
        ).structured_content
    assert out["low_confidence"] is True
