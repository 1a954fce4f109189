"""search_knowledge as a model receives it: the payload shape, its size, whole sentences."""

from fastmcp import Client

from tests.server.clients import DEVON, call, connect, tokens
from vaultra_mcp.server.app import build_server
from vaultra_mcp.server.runtime import FixedIdentity

SENTENCE_END = (".", "!", "?", '"', ")")


async def test_a_result_carries_passages_and_the_documents_they_cite(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        out = (
            await call(client, "search_knowledge", query="SBA 7(a) eligibility")
        ).structured_content

    assert out["mode"] == "lexical"
    assert out["passages"] and set(out["documents"]) == {p["doc_id"] for p in out["passages"]}
    for passage in out["passages"]:
        assert set(passage) <= {"doc_id", "section", "text", "score", "truncated"}
    for document in out["documents"].values():
        assert set(document) == {"title", "url"} and document["url"].startswith("https://")


async def test_a_representative_search_stays_near_800_tokens(demo_deps):
    async with connect(demo_deps, DEVON) as client:
        result = await call(client, "search_knowledge", query="Stripe Capital eligibility")

    assert tokens(result) <= 800


async def test_a_tight_budget_drops_passages_instead_of_cutting_one(demo_deps):
    tight = demo_deps.settings.changed(mcp={"tool_token_budget": 350})
    server = build_server(tight, FixedIdentity(DEVON), deps=demo_deps)
    async with Client(server) as client:
        result = await call(client, "search_knowledge", query="merchant cash advance", top_k=10)

    passages = result.structured_content["passages"]
    assert tokens(result) <= 350 and passages
    assert all(p["text"].endswith(SENTENCE_END) for p in passages), [
        p["text"][-30:] for p in passages
    ]
