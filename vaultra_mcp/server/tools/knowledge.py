"""The knowledge search tool: cited passages from Vaultra's financing knowledge base."""

from __future__ import annotations

from typing import Annotated, Literal

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, Field

from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import READ_ONLY, output_schema
from vaultra_mcp.services.retrieval import SearchResult, search_knowledge
from vaultra_mcp.tokens import count_tokens, truncate_to_tokens

Category = Literal[
    "financing-products",
    "lender-criteria",
    "cash-flow",
    "disputes-refunds",
    "business-credit",
    "documents",
    "readiness-score",
]
PASSAGE_FLOOR = 60  # never cut a passage below this many tokens; drop passages instead


class Citation(BaseModel):
    doc_id: str
    title: str
    section: str
    url: str


class PassageOut(BaseModel):
    text: str
    citation: Citation
    score: float
    truncated: bool = False


class KnowledgeResults(BaseModel):
    query: str
    mode: str
    degraded: bool
    low_confidence: bool
    passages: list[PassageOut]
    note: str | None = None


def results_of(result: SearchResult) -> KnowledgeResults:
    return KnowledgeResults(
        query=result.query,
        mode=result.mode,
        degraded=result.degraded,
        low_confidence=result.low_confidence,
        passages=[
            PassageOut(
                text=p.text,
                citation=Citation(
                    doc_id=p.doc_id,
                    title=p.title,
                    section=p.section,
                    url=p.url,
                ),
                score=p.score,
                truncated=p.excerpt,
            )
            for p in result.passages
        ],
        note=result.note,
    )


def _shrink(out: KnowledgeResults) -> KnowledgeResults | None:
    """Cut every passage by a third (down to a floor); once all are at the floor, drop the last."""
    passages, cut_any = [], False
    for p in out.passages:
        limit = max(PASSAGE_FLOOR, count_tokens(p.text) * 2 // 3)
        text, cut = truncate_to_tokens(p.text, limit)
        cut_any |= cut
        passages.append(p.model_copy(update={"text": text, "truncated": True}) if cut else p)
    if cut_any:
        return out.model_copy(update={"passages": passages})
    if len(out.passages) > 1:
        note = "Fewer passages shown to stay within the size limit."
        return out.model_copy(update={"passages": out.passages[:-1], "note": note})
    return None


def _summary(out: KnowledgeResults) -> str:
    if not out.passages:
        return "No passage in the knowledge base answers this."
    docs = list(dict.fromkeys(p.citation.doc_id for p in out.passages))
    sources = ", ".join(docs[:3]) + (f" and {len(docs) - 3} more" if len(docs) > 3 else "")
    weak = " (low confidence)" if out.low_confidence else ""
    return f"{len(out.passages)} passages{weak} from: {sources}."


def register(mcp: FastMCP, budget: int) -> None:
    @mcp.tool(
        name="search_knowledge",
        annotations=READ_ONLY,
        output_schema=output_schema(KnowledgeResults),
    )
    @domain_errors
    async def search_knowledge_tool(
        query: Annotated[
            str,
            Field(min_length=1, max_length=500, description="A financing question in plain words."),
        ],
        top_k: Annotated[int, Field(ge=1, le=10, description="How many passages (1-10).")] = 5,
        category: Annotated[
            Category | None, Field(description="Only search one category of documents.")
        ] = None,
        ctx: Context = CurrentContext(),
    ) -> ToolResult:
        """Search Vaultra's curated financing knowledge base and get cited passages.

        Use for general financing questions: loan products (SBA 7(a), microloans, lines of
        credit, Stripe Capital, merchant cash advances, factoring...), what lenders look at,
        card-network dispute programs, business credit, documents to prepare, DSCR, and how
        Vaultra's score works. Cite passages by title and url; the whole document is the
        resource vaultra://knowledge/{doc_id}. low_confidence means the corpus does not really
        answer the question: say so rather than guess.
        """
        runtime = runtime_of(ctx)
        result = await search_knowledge(runtime.services().knowledge, query, top_k, category)
        return fit(results_of(result), _summary, budget, _shrink)
