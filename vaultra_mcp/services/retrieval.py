"""Knowledge search: lexical, dense or hybrid, with citations and an honest confidence flag.

Lexical is SQLite FTS5 BM25 and always available. With an embedder configured, the query is also
embedded and matched against the chunk vectors (in the local index, or in Pinecone when that is
the vector store) and both rankings are fused with reciprocal rank fusion. When the embedder or
the remote store fails, search answers from what still works and says ``degraded: true``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from vaultra_mcp.core.corpus import CATEGORIES, excerpt
from vaultra_mcp.core.vocabulary import expand
from vaultra_mcp.errors import InvalidInput, UpstreamUnavailable
from vaultra_mcp.integrations.local_store import LexicalHit, query_terms
from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.tokens import count_tokens

Mode = Literal["auto", "lexical", "dense", "hybrid"]
MAX_QUERY_CHARS = 500
MAX_TOP_K = 10
CANDIDATES = 30  # per ranking, before fusion and the per-document cap
PER_DOCUMENT = 2
RRF_K = 60  # the usual reciprocal-rank-fusion constant: rank 1 scores 1/61
EXCERPT_TOKENS = 90  # per passage: enough to answer, small enough for five in one tool result
# The answer is weak when more of the query's weight is in words the corpus never uses than in
# words the best passage contains, or when that passage holds under a fifth of the query.
# Checked on evals/retrieval (questions.yaml and its held-out set).
MIN_COVERAGE = 0.2

log = logging.getLogger("vaultra.knowledge")


class Passage(BaseModel):
    doc_id: str
    title: str
    section: str
    url: str
    category: str
    text: str
    score: float
    excerpt: bool = False


class SearchResult(BaseModel):
    query: str
    mode: str
    degraded: bool
    low_confidence: bool
    passages: list[Passage]
    note: str | None = None


def validate_search(query: str, top_k: int, category: str | None) -> str:
    query = query.strip()
    if not query:
        raise InvalidInput("query is empty: ask a question about financing.")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"query is too long ({len(query):,} characters; at most {MAX_QUERY_CHARS})."
        )
    if isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}; got {top_k}.")
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"Unknown category {category!r}; use one of: {', '.join(CATEGORIES)}.")
    return query


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: each ranking adds 1/(k + rank) to a chunk's score."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, rowid in enumerate(ranking, start=1):
            scores[rowid] = scores.get(rowid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


async def search_knowledge(
    knowledge: KnowledgeBase,
    query: str,
    top_k: int = 5,
    category: str | None = None,
    mode: Mode = "auto",
) -> SearchResult:
    query = validate_search(query, top_k, category)
    terms = query_terms(query)
    groups = expand(terms)
    store = knowledge.store()
    wants_dense = mode in ("dense", "hybrid") or (mode == "auto" and knowledge.embedder is not None)
    lexical = store.search(groups, CANDIDATES, category) if mode != "dense" else []
    dense: list[int] = []
    degraded = False
    if wants_dense:
        try:
            dense = await knowledge.dense_ranking(query, CANDIDATES, category)
        except UpstreamUnavailable as exc:
            log.warning("dense retrieval unavailable, answering lexically: %s", exc.message)
            degraded = True
    if degraded and not lexical:
        lexical = store.search(groups, CANDIDATES, category)
    used = ("lexical" if lexical else "") + ("dense" if dense else "")
    result_mode = {"lexicaldense": "hybrid", "dense": "dense"}.get(used, "lexical")
    ranked = _rank(lexical, dense)
    chosen = _diverse(ranked, store.hits([rowid for rowid, _ in ranked]), top_k)
    passages = [_passage(hit, score, terms) for hit, score in chosen]
    low, note = _confidence(knowledge, groups, chosen[0][0].rowid if chosen else None)
    return SearchResult(
        query=query,
        mode=result_mode,
        degraded=degraded,
        low_confidence=low,
        passages=passages,
        note=note,
    )


def _rank(lexical: list[LexicalHit], dense: list[int]) -> list[tuple[int, float]]:
    if not dense:
        return [(hit.rowid, round(hit.bm25, 3)) for hit in lexical]
    if not lexical:
        return [(rowid, round(1.0 / (RRF_K + rank), 4)) for rank, rowid in enumerate(dense, 1)]
    fused = fuse([[hit.rowid for hit in lexical], dense])
    return [(rowid, round(score, 4)) for rowid, score in fused]


def _diverse(
    ranked: list[tuple[int, float]], hits: dict[int, LexicalHit], top_k: int
) -> list[tuple[LexicalHit, float]]:
    """The best ``top_k`` passages, at most ``PER_DOCUMENT`` from any one document: a
    question is better served by a second source than by a third section of the first."""
    chosen: list[tuple[LexicalHit, float]] = []
    per_document: dict[str, int] = {}
    for rowid, score in ranked:
        hit = hits.get(rowid)
        if hit is None or per_document.get(hit.doc_id, 0) >= PER_DOCUMENT:
            continue
        per_document[hit.doc_id] = per_document.get(hit.doc_id, 0) + 1
        chosen.append((hit, score))
        if len(chosen) == top_k:
            break
    return chosen


def _passage(hit: LexicalHit, score: float, terms: Sequence[str]) -> Passage:
    text, cut = excerpt(hit.text, terms, count_tokens, EXCERPT_TOKENS)
    return Passage(
        doc_id=hit.doc_id,
        title=hit.title,
        section=hit.section.split(" > ", 1)[-1],
        url=hit.url,
        category=hit.category,
        text=text,
        score=score,
        excerpt=cut,
    )


def _confidence(
    knowledge: KnowledgeBase, groups: Sequence[Sequence[str]], top_rowid: int | None
) -> tuple[bool, str | None]:
    if not groups:
        return True, "The query has no searchable words."
    if top_rowid is None:
        return True, "The knowledge base has nothing on this."
    relevance = knowledge.store().relevance(groups, top_rowid)
    if relevance.unknown >= relevance.coverage or relevance.coverage < MIN_COVERAGE:
        return True, "The knowledge base does not answer this well; treat these passages as weak."
    return False, None
