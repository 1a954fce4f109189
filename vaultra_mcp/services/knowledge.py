"""Knowledge search and documents: the corpus in ``knowledge/``, indexed for retrieval.

``ingest`` parses every document first and writes nothing if any is malformed; then it writes
only chunks whose content hash changed. ``search_knowledge`` answers with cited passages and says
how it retrieved them and whether the corpus really answers the question.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from vaultra_mcp.core.corpus import (
    Chunk,
    CorpusError,
    Document,
    chunk_document,
    content_hash,
    parse_document,
    plain_text,
)
from vaultra_mcp.errors import InvalidInput, NotConfigured, NotFound, UpstreamUnavailable
from vaultra_mcp.integrations.embedders import Embedder, build_embedder
from vaultra_mcp.integrations.local_store import LocalStore, StoredChunk
from vaultra_mcp.integrations.vector_index import VectorIndex, build_vector_index
from vaultra_mcp.settings import Settings
from vaultra_mcp.tokens import count_tokens, windows

FINGERPRINT = "corpus_fingerprint"
EMBED_BATCH = 64
REMOTE_BATCH = 100  # Pinecone's recommended upsert batch
INDEX_FORMAT = "3"  # bump when chunking or the stored text changes: every index rebuilds

log = logging.getLogger("vaultra.knowledge")


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
        raise NotConfigured(
            f"VAULTRA_KNOWLEDGE_DIR is {directory}, which is not a directory of knowledge "
            "documents.",
            next_step="Point VAULTRA_KNOWLEDGE_DIR at the corpus, or unset it to use the one "
            "installed with Vaultra.",
        )
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
    """Changes whenever a document is added, removed or edited (names, sizes, mtimes), and when
    this code's ``INDEX_FORMAT`` does."""
    parts = [INDEX_FORMAT] + [
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


def open_index(path: Path) -> LocalStore:
    try:
        return LocalStore(path)
    except (OSError, sqlite3.Error) as exc:
        raise NotConfigured(
            f"VAULTRA_KNOWLEDGE_INDEX is {path}, which cannot be opened: {exc}.",
            next_step="Point VAULTRA_KNOWLEDGE_INDEX at a writable file, or unset it.",
        ) from None


class KnowledgeBase:
    """The knowledge subsystem of this process: the local index (opened on first use and
    brought up to date with the corpus), the embedder and the remote vector index, if any."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.directory = Path(settings.knowledge.dir)
        self.path = Path(settings.knowledge.index)
        self._store: LocalStore | None = None
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._remote: VectorIndex | None = None
        self._built = False

    def store(self) -> LocalStore:
        """The index, brought up to date with the corpus the first time it is used.

        A corpus edit that breaks a file must not take search down: the last good index keeps
        serving and the error is logged (``vaultra knowledge ingest`` shows it too).
        """
        if self._store is None:
            with self._lock:
                if self._store is None:
                    store = open_index(self.path)
                    if store.get_meta(FINGERPRINT) != corpus_fingerprint(self.directory):
                        try:
                            ingest(store, self.directory)
                        except CorpusError as exc:
                            if not store.count():
                                raise
                            log.error("serving the last good knowledge index: %s", exc.message)
                    self._store = store
        return self._store

    def ingest(self, on_document: Callable[[str], None] | None = None) -> IngestReport:
        """Bring the index up to date now and report exactly what that changed."""
        with self._lock:
            if self._store is None:
                self._store = open_index(self.path)
            return ingest(self._store, self.directory, on_document)

    def _build(self) -> None:
        if not self._built:
            self._embedder = build_embedder(self.settings)
            self._remote = build_vector_index(self.settings)
            self._built = True

    @property
    def embedder(self) -> Embedder | None:
        self._build()
        return self._embedder

    @property
    def remote(self) -> VectorIndex | None:
        self._build()
        return self._remote

    async def dense_ranking(self, query: str, k: int, category: str | None) -> list[int]:
        """Chunk rowids nearest the query's embedding; ``UpstreamUnavailable`` if that fails."""
        embedder = self.embedder
        if embedder is None:
            raise UpstreamUnavailable("No embedder is configured (EMBEDDINGS_PROVIDER=none).")
        vector = (await embedder.embed([query]))[0]
        store = self.store()
        if self.remote is not None:
            matches = await self.remote.query(vector, k, category)
            found = store.rowids_for_keys([key for key, _ in matches])
            return [found[key] for key, _ in matches if key in found]
        ranking = store.dense_search(embedder.name, vector, k, category)
        if not ranking and store.count() and embedder.name.startswith("local:"):
            # A local model needs no network: embed what the automatic re-index left unembedded.
            await sync_vectors(self)
            ranking = store.dense_search(embedder.name, vector, k, category)
        if not ranking and store.count():
            raise UpstreamUnavailable(
                f"The index has no {embedder.name} vectors yet; run `vaultra knowledge ingest`."
            )
        return [rowid for rowid, _ in ranking]

    async def close(self) -> None:
        """Release connections; the next use opens them again."""
        if self._embedder is not None:
            await self._embedder.close()
        if self._remote is not None:
            await self._remote.close()
        self._embedder, self._remote, self._built = None, None, False
        if self._store is not None:
            self._store.close()
            self._store = None


class VectorReport(BaseModel):
    embedded: int = 0
    pushed: int = 0
    removed: int = 0


async def sync_vectors(
    knowledge: KnowledgeBase, on_batch: Callable[[int], None] | None = None
) -> VectorReport:
    """Embed chunks that have no vector from the current model, then bring the remote index
    (if any) in line with the local chunks by content hash. Idempotent."""
    embedder, store = knowledge.embedder, knowledge.store()
    report = VectorReport()
    if embedder is None:
        return report
    missing = store.needing_embeddings(embedder.name)
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = await embedder.embed([text for _, text in batch])
        store.set_embeddings(
            embedder.name, list(zip((rowid for rowid, _ in batch), vectors, strict=True))
        )
        store.commit()
        report.embedded += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    if knowledge.remote is not None:
        items = store.vector_items(embedder.name)
        pushed = store.pushed()
        changed = [item for item in items if pushed.get(item.key) != item.content_hash]
        gone = sorted(set(pushed) - {item.key for item in items})
        for start in range(0, len(changed), REMOTE_BATCH):
            items_batch = changed[start : start + REMOTE_BATCH]
            await knowledge.remote.upsert(items_batch)
            store.mark_pushed(items_batch)
            store.commit()
        if gone:
            await knowledge.remote.delete(gone)
            store.unmark_pushed(gone)
            store.commit()
        report.pushed, report.removed = len(changed), len(gone)
    return report


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
