"""Resources: each knowledge document, and the scoring method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext

from vaultra_mcp.core.method import method_markdown
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.services.knowledge import DocumentView, get_document

KNOWLEDGE_URI = "vaultra://knowledge/{doc_id}"


def document_markdown(doc: DocumentView) -> str:
    sources = "\n".join(f"- {url}" for url in doc.sources)
    return (
        f"# {doc.title}\n\nCategory: {doc.category} · Updated: {doc.updated} · "
        f"Source: {doc.url}\n\n"
        f"{doc.body.rstrip()}\n\nAll sources:\n{sources}\n"
    )


def _titles(directory: Path) -> list[tuple[str, str]]:
    """(doc_id, title) for each document, read from front matter without parsing bodies."""
    found = []
    for path in sorted(directory.glob("*.md")):
        title = path.stem
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("title:"):
                    title = line.split(":", 1)[1].strip().strip('"')
                    break
        found.append((path.stem, title))
    return found


def _reader(doc_id: str) -> Callable[[Context], Awaitable[str]]:
    async def read(ctx: Context = CurrentContext()) -> str:
        return document_markdown(get_document(runtime_of(ctx).services().knowledge, doc_id))

    read.__doc__ = f"Knowledge document {doc_id}."
    return read


def register_resources(mcp: FastMCP, knowledge_dir: Path) -> None:
    @mcp.resource(KNOWLEDGE_URI, name="knowledge_document", mime_type="text/markdown")
    @domain_errors
    async def knowledge_document(doc_id: str, ctx: Context = CurrentContext()) -> str:
        """A document from Vaultra's financing knowledge base, with its sources."""
        return document_markdown(get_document(runtime_of(ctx).services().knowledge, doc_id))

    for doc_id, title in _titles(knowledge_dir):
        mcp.resource(
            f"vaultra://knowledge/{doc_id}", name=doc_id, title=title, mime_type="text/markdown"
        )(domain_errors(_reader(doc_id)))

    @mcp.resource("vaultra://method/readiness", name="readiness_method", mime_type="text/markdown")
    def readiness_method() -> str:
        """How the readiness score is computed: components, thresholds, tiers and their sources."""
        return method_markdown()
