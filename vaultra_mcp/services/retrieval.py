"""Knowledge search: lexical, dense or hybrid, with citations and an honest confidence flag.

Lexical is SQLite FTS5 BM25 (title and heading weighted above body text) over the query's words
with the corpus's equivalents, and always available. With an embedder configured, the query is
also embedded and matched against the chunk vectors (in the local index, or in Pinecone when that
is the vector store) and both rankings are fused with reciprocal rank fusion. When the embedder or
the remote store fails, search answers from what still works and says ``degraded: true``.

Each ranked chunk gives one passage: its window of whole sentences that best covers the query
(``core.passages``). Passages are taken in rank order while the token budget lasts, so the
budget, not a per-document quota, decides how many a result holds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from vaultra_mcp.core.corpus import CATEGORIES
from vaultra_mcp.core.passages import Group, Window, best_window, group
from vaultra_mcp.core.vocabulary import query_groups
from vaultra_mcp.errors import InvalidInput, UpstreamUnavailable
from vaultra_mcp.integrations.local_store import LexicalHit, LocalStore
from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.tokens import count_tokens

Mode = Literal["auto", "lexical", "dense", "hybrid"]
MAX_QUERY_CHARS = 500
MAX_TOP_K = 10
CANDIDATES = 30  # per ranking, before fusion
LEXICAL_CANDIDATES = 15  # alone, lexical needs only enough to fill a result past duplicates
RRF_K = 60  # the usual reciprocal-rank-fusion constant: rank 1 scores 1/61
# Passage text per result: five passages of about a hundred tokens, which with the JSON around
# them keeps a search result near 800 tokens of the tool budget (bench/tokens.py).
PASSAGE_BUDGET = 520
PASSAGE_TOKENS = 130  # the most one passage takes: a fact and the sentences around it
MIN_PASSAGE_TOKENS = 40  # less budget than this left: stop rather than show a fragment
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
    budget: int = PASSAGE_BUDGET,
) -> SearchResult:
    query = validate_search(query, top_k, category)
    groups = query_groups(query)
    store = knowledge.store()
    wants_dense = mode in ("dense", "hybrid") or (mode == "auto" and knowledge.embedder is not None)
    depth = CANDIDATES if wants_dense else LEXICAL_CANDIDATES
    lexical = store.search(groups, depth, category) if mode != "dense" else []
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
    hits = {hit.rowid: hit for hit in lexical}
    hits |= store.hits([rowid for rowid, _ in ranked if rowid not in hits])
    chosen = _select(ranked, hits, _passage_groups(store, groups), top_k, budget)
    low, note = _confidence(knowledge, groups, chosen[0][0].rowid if chosen else None)
    return SearchResult(
        query=query,
        mode=result_mode,
        degraded=degraded,
        low_confidence=low,
        passages=[_passage(hit, score, window) for hit, score, window in chosen],
        note=note,
    )


def _rank(lexical: list[LexicalHit], dense: list[int]) -> list[tuple[int, float]]:
    if not dense:
        return [(hit.rowid, round(hit.bm25, 3)) for hit in lexical]
    if not lexical:
        return [(rowid, round(1.0 / (RRF_K + rank), 4)) for rank, rowid in enumerate(dense, 1)]
    fused = fuse([[hit.rowid for hit in lexical], dense])
    return [(rowid, round(score, 4)) for rowid, score in fused]


def _passage_groups(store: LocalStore, groups: Sequence[Sequence[str]]) -> list[Group]:
    return [group(g, w) for g, w in zip(groups, store.weights(groups), strict=True)]


def _select(
    ranked: list[tuple[int, float]],
    hits: dict[int, LexicalHit],
    groups: Sequence[Group],
    top_k: int,
    budget: int,
) -> list[tuple[LexicalHit, float, Window]]:
    """Passages in rank order, each the best window of its chunk, while ``budget`` tokens last.

    A window already shown (overlapping chunk windows repeat a few sentences) is not shown again.
    """
    chosen: list[tuple[LexicalHit, float, Window]] = []
    shown: set[str] = set()
    left = budget
    for rowid, score in ranked:
        hit = hits.get(rowid)
        if hit is None:
            continue
        if left < MIN_PASSAGE_TOKENS or len(chosen) == top_k:
            break
        window = best_window(hit.text, hit.section, groups, count_tokens, min(PASSAGE_TOKENS, left))
        if window is None or window.text in shown:
            continue
        shown.add(window.text)
        chosen.append((hit, score, window))
        left -= window.tokens
    return chosen


def _passage(hit: LexicalHit, score: float, window: Window) -> Passage:
    return Passage(
        doc_id=hit.doc_id,
        title=hit.title,
        section=hit.section.split(" > ", 1)[-1],
        url=hit.url,
        category=hit.category,
        text=window.text,
        score=score,
        excerpt=window.cut,
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
