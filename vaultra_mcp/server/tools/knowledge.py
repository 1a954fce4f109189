"""The knowledge search tool: cited passages from Vaultra's financing knowledge base."""

from __future__ import annotations

from typing import Annotated

from fastmcp import Context
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, Field

from vaultra_mcp.core.corpus import Category
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.services import retrieval


class Document(BaseModel):
    title: str
    url: str


class PassageOut(BaseModel):
    doc_id: str
    section: str
    text: str
    score: float
    truncated: bool | None = None


class KnowledgeResults(BaseModel):
    query: str
    mode: str
    degraded: bool
    low_confidence: bool
    passages: list[PassageOut]
    documents: dict[str, Document] = Field(description="Each passage's doc_id: title and url.")
    note: str | None = None


def results_of(result: retrieval.SearchResult) -> KnowledgeResults:
    return KnowledgeResults(
        query=result.query,
        mode=result.mode,
        degraded=result.degraded,
        low_confidence=result.low_confidence,
        passages=[
            PassageOut(
                doc_id=p.doc_id,
                section=p.section,
                text=p.text,
                score=p.score,
                truncated=p.excerpt or None,
            )
            for p in result.passages
        ],
        documents={p.doc_id: Document(title=p.title, url=p.url) for p in result.passages},
        note=result.note,
    )


def _shrink(out: KnowledgeResults) -> KnowledgeResults | None:
    """Drop the last passage: passages are whole sentences and are never cut mid-sentence, and
    search already fits them to its own budget, so this only runs under a small tool budget."""
    if len(out.passages) <= 1:
        return None
    kept = out.passages[:-1]
    cited = {p.doc_id for p in kept}
    return out.model_copy(
        update={
            "passages": kept,
            "documents": {k: v for k, v in out.documents.items() if k in cited},
            "note": "Fewer passages shown to stay within the size limit.",
        }
    )


def results_summary(out: KnowledgeResults) -> str:
    if not out.passages:
        return "No passage in the knowledge base answers this."
    docs = list(out.documents)
    sources = ", ".join(docs[:3]) + (f" and {len(docs) - 3} more" if len(docs) > 3 else "")
    weak = " (low confidence)" if out.low_confidence else ""
    return f"{len(out.passages)} passages{weak} from: {sources}."


@domain_errors
async def search_knowledge(
    query: Annotated[
        str, Field(min_length=1, max_length=500, description="A financing question, plain words.")
    ],
    top_k: Annotated[int, Field(ge=1, le=10, description="How many passages (1-10).")] = 5,
    category: Annotated[Category | None, Field(description="Only this category.")] = None,
    ctx: Context = CurrentContext(),
) -> ToolResult:
    """Search Vaultra's curated financing knowledge base for cited passages.

    For financing questions: loan products (SBA, lines of credit, Stripe Capital, cash
    advances, factoring...), what lenders look at, dispute programs, business credit,
    documents, DSCR, the score. Each passage is the part of a section that answers, in whole
    sentences. Cite its document title and url (whole document: resource
    vaultra://knowledge/{doc_id}). low_confidence: say the corpus does not answer. mode says how
    it searched (lexical, dense or hybrid).
    """
    runtime = runtime_of(ctx)
    knowledge = runtime.services().knowledge
    result = await retrieval.search_knowledge(knowledge, query, top_k, category)
    return fit(results_of(result), results_summary, runtime.budget, _shrink)
