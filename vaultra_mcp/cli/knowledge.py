"""``vaultra knowledge``: build the index from knowledge/, and search it from the shell."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from vaultra_mcp.services.knowledge import IngestReport, VectorReport
    from vaultra_mcp.services.retrieval import SearchResult


@click.group()
def knowledge() -> None:
    """The financing knowledge base."""


@knowledge.command("ingest")
def ingest_command() -> None:
    """Parse, chunk and index knowledge/ (only changed chunks are written), then embed and push
    vectors when an embedder or Pinecone is configured."""
    from vaultra_mcp.progress import progress
    from vaultra_mcp.services.knowledge import KnowledgeBase, load_corpus, sync_vectors
    from vaultra_mcp.settings import load_settings

    settings = load_settings()
    base = KnowledgeBase(settings)
    total = len(load_corpus(base.directory))  # a malformed file stops here, naming file and line

    async def work() -> tuple[IngestReport, VectorReport]:
        with progress() as bar:
            docs = bar.add_task("documents", total=total)
            report = base.ingest(on_document=lambda _: bar.advance(docs))
            pending = (
                len(base.store().needing_embeddings(base.embedder.name)) if base.embedder else 0
            )
            vectors = bar.add_task("embeddings", total=pending, visible=bool(pending))
            try:
                synced = await sync_vectors(base, on_batch=lambda n: bar.advance(vectors, n))
            finally:
                await base.close()
        return report, synced

    report, synced = asyncio.run(work())
    click.echo(
        f"{report.documents} documents, {report.chunks} chunks: {report.added} added, "
        f"{report.updated} updated, {report.deleted} deleted, {report.unchanged} unchanged; "
        f"{synced.embedded} embedded, {synced.pushed} pushed to Pinecone, {synced.removed} removed."
    )


@knowledge.command("search")
@click.argument("query")
@click.option("--top-k", default=5, show_default=True, type=int)
@click.option("--category", default=None)
def search_command(query: str, top_k: int, category: str | None) -> None:
    """Search the knowledge base the way the search_knowledge tool does."""
    from vaultra_mcp.services.knowledge import KnowledgeBase
    from vaultra_mcp.services.retrieval import search_knowledge
    from vaultra_mcp.settings import load_settings

    base = KnowledgeBase(load_settings())

    async def work() -> SearchResult:
        try:
            return await search_knowledge(base, query, top_k, category)
        finally:
            await base.close()

    result = asyncio.run(work())
    flags = f"mode {result.mode}" + (", degraded" if result.degraded else "")
    flags += ", low confidence" if result.low_confidence else ""
    click.echo(f"{len(result.passages)} passages ({flags})")
    for p in result.passages:
        click.echo(f"- [{p.doc_id}] {p.title} > {p.section} ({p.score})\n  {p.text[:240]}")
