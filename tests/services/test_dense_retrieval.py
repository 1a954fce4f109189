"""Embedded and Pinecone-backed search, against fakes of OpenAI, Ollama and Pinecone on 127.0.0.1
driven by the official client libraries."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fixtures import Running
from tests.fakes.ollama_api import OllamaState
from tests.fakes.openai_api import OpenAIState
from tests.fakes.pinecone_api import PineconeState
from vaultra_mcp.services.knowledge import KnowledgeBase, sync_vectors
from vaultra_mcp.services.retrieval import fuse, search_knowledge
from vaultra_mcp.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "knowledge"
DOCS = (
    "stripe-capital",
    "sbfe",
    "merchant-cash-advance",
    "visa-dispute-programs",
    "dscr",
    "sba-express",
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small slice of the real corpus: enough to rank, quick to embed."""
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for doc_id in DOCS:
        shutil.copy(CORPUS / f"{doc_id}.md", directory / f"{doc_id}.md")
    return directory


def knowledge_with(corpus: Path, tmp_path: Path, **settings: Any) -> KnowledgeBase:
    paths = {"dir": str(corpus), "index": str(tmp_path / "index.sqlite")}
    base = Settings(env="test", llm={"provider_retries": 0, "provider_timeout": 2})
    return KnowledgeBase(base.changed(knowledge=paths).changed(**settings))


@pytest.fixture
async def openai_kb(
    corpus: Path, tmp_path: Path, openai_fake: Running[OpenAIState]
) -> AsyncIterator[KnowledgeBase]:
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={"embeddings_provider": "openai"},
        llm={"openai_api_key": "sk-test", "openai_base_url": f"{openai_fake.url}/v1"},
    )
    yield kb
    await kb.close()


@pytest.fixture
async def pinecone_kb(
    corpus: Path,
    tmp_path: Path,
    openai_fake: Running[OpenAIState],
    pinecone_fake: Running[PineconeState],
) -> AsyncIterator[KnowledgeBase]:
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={
            "embeddings_provider": "openai",
            "vector_store": "pinecone",
            "pinecone_api_key": "pc-test",
            "pinecone_host": pinecone_fake.url,
        },
        llm={"openai_api_key": "sk-test", "openai_base_url": f"{openai_fake.url}/v1"},
    )
    yield kb
    await kb.close()


def test_fusion_rewards_chunks_both_rankings_agree_on() -> None:
    fused = fuse([[1, 2, 3], [3, 1, 4]])
    assert [rowid for rowid, _ in fused] == [1, 3, 2, 4]


async def test_openai_embeddings_are_computed_once_per_chunk(
    openai_kb: KnowledgeBase, openai_fake: Running[OpenAIState]
) -> None:
    first = await sync_vectors(openai_kb)
    again = await sync_vectors(openai_kb)

    assert first.embedded == openai_kb.store().count() > 0
    assert again.embedded == 0
    request = openai_fake.state.requests[0]
    assert request.body["model"] == "text-embedding-3-small"
    assert request.headers["authorization"] == "Bearer sk-test"


async def test_search_is_hybrid_when_an_embedder_is_configured(
    openai_kb: KnowledgeBase,
) -> None:
    await sync_vectors(openai_kb)

    result = await search_knowledge(openai_kb, "how much does Stripe Capital cost")

    assert (result.mode, result.degraded) == ("hybrid", False)
    assert result.passages[0].doc_id == "stripe-capital"


async def test_dense_mode_ranks_by_embedding_alone(openai_kb: KnowledgeBase) -> None:
    await sync_vectors(openai_kb)

    result = await search_knowledge(openai_kb, "debt service coverage ratio", mode="dense")

    assert result.mode == "dense"
    assert result.passages[0].doc_id == "dscr"


async def test_ollama_embeddings_serve_dense_search(
    corpus: Path, tmp_path: Path, ollama_fake: Running[OllamaState]
) -> None:
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={"embeddings_provider": "ollama"},
        llm={"ollama_host": ollama_fake.url},
    )
    try:
        report = await sync_vectors(kb)
        result = await search_knowledge(kb, "Visa dispute monitoring program", mode="dense")
    finally:
        await kb.close()

    assert report.embedded > 0
    assert ollama_fake.state.requests[0].body["model"] == "nomic-embed-text"
    assert (result.mode, result.passages[0].doc_id) == ("dense", "visa-dispute-programs")


async def test_ollama_embedding_retries_a_passing_outage(
    corpus: Path, tmp_path: Path, ollama_fake: Running[OllamaState]
) -> None:
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={"embeddings_provider": "ollama"},
        llm={"ollama_host": ollama_fake.url, "provider_retries": 1},
    )
    ollama_fake.state.fail_next = [503]
    try:
        result = await search_knowledge(kb, "SBFE", mode="dense")
    finally:
        await kb.close()

    assert (result.mode, result.degraded) == ("lexical", True)  # no vectors yet, but no error
    assert len(ollama_fake.state.bodies("/api/embed")) == 2


async def test_search_falls_back_to_lexical_when_the_embedder_is_down(
    openai_kb: KnowledgeBase, openai_fake: Running[OpenAIState]
) -> None:
    await sync_vectors(openai_kb)
    openai_fake.state.down = True

    result = await search_knowledge(openai_kb, "Stripe Capital eligibility")

    assert (result.mode, result.degraded) == ("lexical", True)
    assert result.passages[0].doc_id == "stripe-capital"


async def test_dense_mode_falls_back_to_lexical_when_the_embedder_is_down(
    openai_kb: KnowledgeBase, openai_fake: Running[OpenAIState]
) -> None:
    openai_fake.state.down = True

    result = await search_knowledge(openai_kb, "SBFE credit reporting", mode="dense")

    assert (result.mode, result.degraded) == ("lexical", True)
    assert result.passages[0].doc_id == "sbfe"


async def test_search_without_vectors_yet_is_degraded_not_broken(
    openai_kb: KnowledgeBase,
) -> None:
    result = await search_knowledge(openai_kb, "merchant cash advance factor rate")

    assert (result.mode, result.degraded) == ("lexical", True)
    assert result.passages[0].doc_id == "merchant-cash-advance"


async def test_vectors_reach_pinecone_with_citation_metadata_in_the_environment_namespace(
    pinecone_kb: KnowledgeBase, pinecone_fake: Running[PineconeState]
) -> None:
    report = await sync_vectors(pinecone_kb)

    stored = pinecone_fake.state.namespace("test")
    assert report.pushed == len(stored) == pinecone_kb.store().count()
    metadata = next(v["metadata"] for key, v in stored.items() if key.startswith("sbfe"))
    assert set(metadata) == {"doc_id", "category", "source", "url", "title", "section"}
    assert (metadata["doc_id"], metadata["source"]) == ("sbfe", "sbfe.md")


async def test_pushing_again_sends_only_what_changed(
    pinecone_kb: KnowledgeBase, pinecone_fake: Running[PineconeState], corpus: Path
) -> None:
    await sync_vectors(pinecone_kb)
    unchanged = await sync_vectors(pinecone_kb)
    (corpus / "dscr.md").unlink()
    await pinecone_kb.close()  # the next use re-ingests the changed corpus
    removed = await sync_vectors(pinecone_kb)

    assert (unchanged.embedded, unchanged.pushed, unchanged.removed) == (0, 0, 0)
    assert removed.pushed == 0 and removed.removed > 0
    assert not any(key.startswith("dscr") for key in pinecone_fake.state.namespace("test"))


async def test_search_queries_pinecone_with_the_category_filter(
    pinecone_kb: KnowledgeBase, pinecone_fake: Running[PineconeState]
) -> None:
    await sync_vectors(pinecone_kb)

    result = await search_knowledge(pinecone_kb, "card dispute ratio", category="disputes-refunds")

    query = pinecone_fake.state.bodies("/query")[-1]
    assert query["namespace"] == "test"
    assert query["filter"] == {"category": {"$eq": "disputes-refunds"}}
    assert (result.mode, result.degraded) == ("hybrid", False)
    assert {p.category for p in result.passages} == {"disputes-refunds"}


async def test_search_falls_back_to_lexical_when_pinecone_is_down(
    pinecone_kb: KnowledgeBase, pinecone_fake: Running[PineconeState]
) -> None:
    await sync_vectors(pinecone_kb)
    pinecone_fake.state.down = True

    result = await search_knowledge(pinecone_kb, "SBA Express maximum loan")

    assert (result.mode, result.degraded) == ("lexical", True)
    assert result.passages[0].doc_id == "sba-express"


async def test_ingest_creates_the_pinecone_index_it_needs(
    corpus: Path,
    tmp_path: Path,
    openai_fake: Running[OpenAIState],
    pinecone_fake: Running[PineconeState],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", pinecone_fake.url)
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={
            "embeddings_provider": "openai",
            "vector_store": "pinecone",
            "pinecone_api_key": "pc-test",
            "pinecone_index": "vaultra-knowledge",
        },
        llm={"openai_base_url": f"{openai_fake.url}/v1"},
    )
    try:
        await sync_vectors(kb)
        result = await search_knowledge(kb, "SBFE", mode="dense")
    finally:
        await kb.close()

    index = pinecone_fake.state.indexes["vaultra-knowledge"]
    assert index.dimension == openai_fake.state.dimensions
    assert len(index.namespaces["test"]) > 0
    assert result.passages[0].doc_id == "sbfe"


async def test_a_missing_pinecone_index_degrades_search_instead_of_creating_one(
    corpus: Path,
    tmp_path: Path,
    openai_fake: Running[OpenAIState],
    pinecone_fake: Running[PineconeState],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", pinecone_fake.url)
    kb = knowledge_with(
        corpus,
        tmp_path,
        knowledge={
            "embeddings_provider": "openai",
            "vector_store": "pinecone",
            "pinecone_api_key": "pc-test",
        },
        llm={"openai_base_url": f"{openai_fake.url}/v1"},
    )
    try:
        result = await search_knowledge(kb, "SBFE")
    finally:
        await kb.close()

    assert (result.mode, result.degraded) == ("lexical", True)
    assert pinecone_fake.state.indexes == {}


async def test_a_chunk_that_moves_reuses_its_vector_by_content_hash(
    openai_kb: KnowledgeBase, corpus: Path, openai_fake: Running[OpenAIState]
) -> None:
    await sync_vectors(openai_kb)
    sent = sum(len(r.body["input"]) for r in openai_fake.state.requests)
    document = corpus / "sbfe.md"
    head, _, body = document.read_text().partition("\n---\n")
    document.write_text(f"{head}\n---\n\n## A new first section\n\nNew words here.\n\n{body}")
    openai_kb.ingest()  # every later chunk of the document moves up one ordinal

    report = await sync_vectors(openai_kb)

    assert report.embedded == 1
    assert sum(len(r.body["input"]) for r in openai_fake.state.requests) == sent + 1
