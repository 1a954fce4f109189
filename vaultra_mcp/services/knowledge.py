"""Knowledge search and documents: the corpus in ``knowledge/``, indexed for retrieval.

``ingest`` parses every document first and writes nothing if any is malformed; then it writes
only chunks whose content hash changed. ``search_knowledge`` answers with cited passages and says
how it retrieved them and whether the corpus really answers the question.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from vaultra_mcp.core.corpus import (
    CATEGORIES,
    Chunk,
    Document,
    chunk_document,
    content_hash,
    excerpt,
    parse_document,
    plain_text,
)
from vaultra_mcp.errors import InvalidInput, NotFound
from vaultra_mcp.integrations.local_store import LocalStore, StoredChunk, query_terms
from vaultra_mcp.settings import Settings
from vaultra_mcp.tokens import count_tokens, windows

MAX_QUERY_CHARS = 500
EXCERPT_TOKENS = 90  # per passage: enough to answer, small enough for five in one tool result
MAX_TOP_K = 10
FINGERPRINT = "corpus_fingerprint"
INDEX_FORMAT = "2"  # bump when chunking or the stored text changes: every index rebuilds
# The answer is weak when the best passage covers under a third of the query's weight, or when a
# quarter of it is words the corpus never uses. Tuned by hand on the answerable and off-topic
# questions in tests/services/test_knowledge.py.
LOW_COVERAGE = 0.34
UNKNOWN_WORDS_LIMIT = 0.25


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


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    category: str
    url: str
    updated: str


class DocumentView(DocumentSummary):
    sources: list[str]
    body: str


class IngestReport(BaseModel):
    documents: int
    chunks: int
    added: int
    updated: int
    deleted: int
    unchanged: int


def load_corpus(directory: Path) -> list[Document]:
    """Every document in ``directory``; ``CorpusError`` (file and line) for the first bad one."""
    if not directory.is_dir():
        raise InvalidInput(f"knowledge directory {directory} does not exist")
    documents = [
        parse_document(p.read_text(encoding="utf-8"), str(p))
        for p in sorted(directory.glob("*.md"))
    ]
    seen: dict[str, str] = {}
    for document in documents:
        if document.doc_id in seen:
            raise InvalidInput(
                f"{document.path}:2: doc_id {document.doc_id!r} is also used by "
                f"{seen[document.doc_id]}"
            )
        if Path(document.path).stem != document.doc_id:
            raise InvalidInput(
                f"{document.path}:2: doc_id {document.doc_id!r} must match the file name"
            )
        seen[document.doc_id] = document.path
    return documents


def corpus_fingerprint(directory: Path) -> str:
    """Changes whenever a document is added, removed or edited (names, sizes, mtimes)."""
    parts = [
        f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(directory.glob("*.md"))
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def ingest(
    store: LocalStore, directory: Path, on_document: Callable[[str], None] | None = None
) -> IngestReport:
    fingerprint = corpus_fingerprint(directory)
    documents = load_corpus(directory)
    chunked: list[tuple[Document, list[Chunk]]] = []
    for document in documents:
        chunked.append((document, chunk_document(document, count_tokens, windows)))
        if on_document is not None:
            on_document(document.doc_id)
    existing = store.chunk_hashes()
    wanted: dict[str, StoredChunk] = {}
    for document, chunks in chunked:
        for chunk in chunks:
            text = plain_text(chunk.text)
            wanted[chunk.key] = StoredChunk(
                key=chunk.key,
                doc_id=chunk.doc_id,
                ordinal=chunk.ordinal,
                section=chunk.section,
                text=text,
                tokens=chunk.tokens,
                # what is stored, so a change to the text pipeline re-indexes too
                content_hash=content_hash(
                    document.title, document.category, document.url, chunk.section, text
                ),
            )
    changed = [c for key, c in wanted.items() if existing.get(key) != c.content_hash]
    removed = [key for key in existing if key not in wanted]
    try:
        store.replace_documents(
            {
                "doc_id": d.doc_id,
                "title": d.title,
                "category": d.category,
                "url": d.url,
                "sources": list(d.sources),
                "updated": d.updated.isoformat(),
                "path": d.path,
                "content_hash": d.content_hash,
                "body": d.body,
            }
            for d in documents
        )
        store.upsert_chunks(changed, {d.doc_id: d.title for d in documents})
        store.delete_chunks(removed)
        store.delete_documents(set(store.document_hashes()) - {d.doc_id for d in documents})
        store.set_meta(FINGERPRINT, fingerprint)
        store.commit()
    except Exception:
        store.rollback()
        raise
    added = sum(1 for c in changed if c.key not in existing)
    return IngestReport(
        documents=len(documents),
        chunks=len(wanted),
        added=added,
        updated=len(changed) - added,
        deleted=len(removed),
        unchanged=len(wanted) - len(changed),
    )


class KnowledgeBase:
    """The knowledge index for this process: opened on first use, built from the corpus if empty."""

    def __init__(self, settings: Settings) -> None:
        self.directory = Path(settings.knowledge_dir)
        self.path = Path(settings.knowledge_index)
        self._store: LocalStore | None = None
        self._lock = threading.Lock()

    def store(self) -> LocalStore:
        """The index, brought up to date with the corpus the first time it is used."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    store = LocalStore(self.path)
                    if store.get_meta(FINGERPRINT) != corpus_fingerprint(self.directory):
                        ingest(store, self.directory)
                    self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


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


def search_knowledge(
    knowledge: KnowledgeBase, query: str, top_k: int = 5, category: str | None = None
) -> SearchResult:
    query = validate_search(query, top_k, category)
    terms = query_terms(query)
    hits = knowledge.store().search(terms, top_k, category)
    passages = []
    for h in hits:
        text, cut = excerpt(h.text, terms, count_tokens, EXCERPT_TOKENS)
        passages.append(
            Passage(
                doc_id=h.doc_id,
                title=h.title,
                section=h.section.split(" > ", 1)[-1],
                url=h.url,
                category=h.category,
                text=text,
                score=round(h.bm25, 3),
                excerpt=cut,
            )
        )
    relevance = knowledge.store().relevance(terms, hits[0].rowid) if hits else None
    low = (
        relevance is None
        or relevance.unknown >= UNKNOWN_WORDS_LIMIT
        or relevance.coverage < LOW_COVERAGE
    )
    note = None
    if not terms:
        note = "The query has no searchable words."
    elif low:
        note = "The knowledge base does not answer this well; treat these passages as weak matches."
    return SearchResult(
        query=query,
        mode="lexical",
        degraded=False,
        low_confidence=low,
        passages=passages,
        note=note,
    )


def list_documents(knowledge: KnowledgeBase) -> list[DocumentSummary]:
    return [DocumentSummary(**dict(row)) for row in knowledge.store().documents()]


def get_document(knowledge: KnowledgeBase, doc_id: str) -> DocumentView:
    row = knowledge.store().document(doc_id)
    if row is None:
        raise NotFound(
            f"No knowledge document {doc_id!r}.",
            code="DOCUMENT_NOT_FOUND",
            next_step="Use search_knowledge to find documents and their ids.",
        )
    return DocumentView(
        doc_id=row["doc_id"],
        title=row["title"],
        category=row["category"],
        url=row["url"],
        updated=row["updated"],
        sources=json.loads(row["sources"]),
        body=row["body"],
    )
