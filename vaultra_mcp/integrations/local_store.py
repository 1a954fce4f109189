"""The embedded knowledge index: one SQLite file with an FTS5 table ranked by BM25.

It needs no server and no network, so it is the default store and the fallback whenever a
remote store or an embedder is down. Queries are sub-millisecond on a corpus this size and run
on the calling thread; writes happen only during ingest. Dense vectors (when an embedder is
configured) live beside each chunk; numpy is imported only by the dense methods, so a server
that never uses them does not pay for it at start.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, category TEXT NOT NULL, url TEXT NOT NULL,
    sources TEXT NOT NULL, updated TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_key TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL, tokens INTEGER NOT NULL,
    content_hash TEXT NOT NULL, embedding BLOB, embedding_model TEXT
);
CREATE INDEX IF NOT EXISTS ix_chunks_doc ON chunks (doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embedding_cache (
    model TEXT NOT NULL, content_hash TEXT NOT NULL, embedding BLOB NOT NULL,
    PRIMARY KEY (model, content_hash)
);
CREATE TABLE IF NOT EXISTS remote_sync (chunk_key TEXT PRIMARY KEY, content_hash TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, section, title, tokenize='porter unicode61'
);
"""
# Column weights for bm25(): body text, heading path, document title. A heading names what its
# section answers and a title what the whole document does, so a word there counts for more.
BM25_WEIGHTS = (1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class StoredChunk:
    key: str
    doc_id: str
    ordinal: int
    section: str
    text: str
    tokens: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class LexicalHit:
    rowid: int
    key: str
    doc_id: str
    title: str
    category: str
    url: str
    section: str
    text: str
    bm25: float  # higher is better (SQLite's bm25() negated)


@dataclass(frozen=True, slots=True)
class VectorItem:
    """One chunk's vector as a remote index stores it (id = chunk key)."""

    key: str
    values: list[float]
    metadata: dict[str, str]
    content_hash: str  # model and content: a change to either pushes the vector again


@dataclass(frozen=True, slots=True)
class Relevance:
    coverage: float
    unknown: float


class LocalStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(SCHEMA)
        self._matrix: tuple[str, list[int], Any] | None = None  # (model, rowids, numpy vectors)
        self._frequencies: dict[tuple[str, ...], int] = {}  # words -> chunks, until the next write

    def close(self) -> None:
        self.conn.close()

    # -- writing (ingest) ------------------------------------------------------------------

    def chunk_hashes(self) -> dict[str, str]:
        return {
            r["chunk_key"]: r["content_hash"]
            for r in self.conn.execute("SELECT chunk_key, content_hash FROM chunks")
        }

    def document_hashes(self) -> dict[str, str]:
        return {
            r["doc_id"]: r["content_hash"]
            for r in self.conn.execute("SELECT doc_id, content_hash FROM documents")
        }

    def replace_documents(self, documents: Iterable[dict[str, object]]) -> None:
        self.conn.executemany(
            """INSERT INTO documents
                 (doc_id, title, category, url, sources, updated, path, content_hash, body)
               VALUES (:doc_id, :title, :category, :url, :sources, :updated, :path,
                       :content_hash, :body)
               ON CONFLICT (doc_id) DO UPDATE SET
                 title=excluded.title, category=excluded.category, url=excluded.url,
                 sources=excluded.sources, updated=excluded.updated, path=excluded.path,
                 content_hash=excluded.content_hash, body=excluded.body""",
            [{**d, "sources": json.dumps(d["sources"])} for d in documents],
        )

    def upsert_chunks(self, chunks: Sequence[StoredChunk], titles: dict[str, str]) -> None:
        for chunk in chunks:
            self._delete_chunk(chunk.key)
            cursor = self.conn.execute(
                """INSERT INTO chunks
                     (chunk_key, doc_id, ordinal, section, text, tokens, content_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    chunk.key,
                    chunk.doc_id,
                    chunk.ordinal,
                    chunk.section,
                    chunk.text,
                    chunk.tokens,
                    chunk.content_hash,
                ),
            )
            self.conn.execute(
                "INSERT INTO chunks_fts (rowid, text, section, title) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, chunk.text, chunk.section, titles[chunk.doc_id]),
            )

    def delete_chunks(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._delete_chunk(key)

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])

    def _delete_chunk(self, key: str) -> None:
        row = self.conn.execute("SELECT id FROM chunks WHERE chunk_key = ?", (key,)).fetchone()
        if row is not None:
            self.conn.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row["id"],))
            self.conn.execute("DELETE FROM chunks WHERE id = ?", (row["id"],))

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def commit(self) -> None:
        self.conn.commit()
        self._matrix = None
        self._frequencies.clear()

    # -- dense vectors -----------------------------------------------------------------------

    def needing_embeddings(self, model: str) -> list[tuple[int, str]]:
        """(rowid, text to embed) for chunks with no vector from ``model``, after reusing every
        vector ``model`` already made for the same content (a chunk that moved or came back)."""
        self.conn.execute(
            """UPDATE chunks SET embedding = (
                   SELECT e.embedding FROM embedding_cache e
                   WHERE e.model = :model AND e.content_hash = chunks.content_hash),
                 embedding_model = :model
               WHERE (embedding IS NULL OR embedding_model IS NOT :model) AND EXISTS (
                   SELECT 1 FROM embedding_cache e
                   WHERE e.model = :model AND e.content_hash = chunks.content_hash)""",
            {"model": model},
        )
        rows = self.conn.execute(
            """SELECT c.id, d.title, c.section, c.text FROM chunks c
               JOIN documents d ON d.doc_id = c.doc_id
               WHERE c.embedding IS NULL OR c.embedding_model IS NOT ?""",
            (model,),
        )
        return [(r["id"], f"{r['section']}\n{r['text']}") for r in rows]

    def set_embeddings(self, model: str, vectors: Sequence[tuple[int, Sequence[float]]]) -> None:
        import numpy as np

        blobs = [(np.asarray(v, dtype=np.float32).tobytes(), rowid) for rowid, v in vectors]
        self.conn.executemany(
            "UPDATE chunks SET embedding = ?, embedding_model = ? WHERE id = ?",
            [(blob, model, rowid) for blob, rowid in blobs],
        )
        self.conn.executemany(
            """INSERT INTO embedding_cache (model, content_hash, embedding)
               SELECT ?, content_hash, ? FROM chunks WHERE id = ?
               ON CONFLICT (model, content_hash) DO UPDATE SET embedding = excluded.embedding""",
            [(model, blob, rowid) for blob, rowid in blobs],
        )

    def dense_search(
        self, model: str, vector: Sequence[float], k: int, category: str | None
    ) -> list[tuple[int, float]]:
        """(rowid, cosine similarity), best first, over chunks embedded by ``model``."""
        import numpy as np

        rowids, matrix = self._vectors(model)
        if not rowids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        if norm == 0 or query.shape[0] != matrix.shape[1]:
            return []
        scores = matrix @ (query / norm)
        order = np.argsort(-scores)
        allowed = self._rowids_in(category) if category else None
        found = []
        for index in order:
            rowid = rowids[int(index)]
            if allowed is None or rowid in allowed:
                found.append((rowid, float(scores[index])))
                if len(found) == k:
                    break
        return found

    def _vectors(self, model: str) -> tuple[list[int], Any]:
        import numpy as np

        if self._matrix is None or self._matrix[0] != model:
            rows = self.conn.execute(
                "SELECT id, embedding FROM chunks WHERE embedding_model = ? ORDER BY id", (model,)
            ).fetchall()
            rowids = [r["id"] for r in rows]
            matrix = np.array([np.frombuffer(r["embedding"], dtype=np.float32) for r in rows])
            if rowids:
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                matrix = matrix / np.where(norms == 0, 1, norms)
            self._matrix = (model, rowids, matrix)
        return self._matrix[1], self._matrix[2]

    def _rowids_in(self, category: str) -> set[int]:
        rows = self.conn.execute(
            "SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
            "WHERE d.category = ?",
            (category,),
        )
        return {r["id"] for r in rows}

    def vector_items(self, model: str) -> list[VectorItem]:
        """Every chunk with a ``model`` vector, with the metadata a remote index keeps."""
        import numpy as np

        rows = self.conn.execute(
            """SELECT c.chunk_key, c.doc_id, c.section, c.content_hash, c.embedding,
                      d.title, d.category, d.url, d.path
               FROM chunks c JOIN documents d ON d.doc_id = c.doc_id
               WHERE c.embedding_model = ? ORDER BY c.id""",
            (model,),
        )
        return [
            VectorItem(
                key=r["chunk_key"],
                values=np.frombuffer(r["embedding"], dtype=np.float32).tolist(),
                metadata={
                    "doc_id": r["doc_id"],
                    "category": r["category"],
                    "source": Path(r["path"]).name,
                    "url": r["url"],
                    "title": r["title"],
                    "section": r["section"],
                },
                content_hash=f"{model}:{r['content_hash']}",
            )
            for r in rows
        ]

    def pushed(self) -> dict[str, str]:
        rows = self.conn.execute("SELECT chunk_key, content_hash FROM remote_sync")
        return {r["chunk_key"]: r["content_hash"] for r in rows}

    def mark_pushed(self, items: Sequence[VectorItem]) -> None:
        self.conn.executemany(
            "INSERT INTO remote_sync (chunk_key, content_hash) VALUES (?, ?) "
            "ON CONFLICT (chunk_key) DO UPDATE SET content_hash = excluded.content_hash",
            [(item.key, item.content_hash) for item in items],
        )

    def unmark_pushed(self, keys: Sequence[str]) -> None:
        self.conn.executemany("DELETE FROM remote_sync WHERE chunk_key = ?", [(k,) for k in keys])

    def hits(self, rowids: Sequence[int]) -> dict[int, LexicalHit]:
        """The chunks with these rowids, as hits without a lexical score."""
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.conn.execute(
            f"""SELECT c.id, c.chunk_key, c.doc_id, d.title, d.category, d.url, c.section, c.text
                FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.id IN ({marks})""",
            list(rowids),
        )
        return {
            r["id"]: LexicalHit(
                rowid=r["id"],
                key=r["chunk_key"],
                doc_id=r["doc_id"],
                title=r["title"],
                category=r["category"],
                url=r["url"],
                section=r["section"],
                text=r["text"],
                bm25=0.0,
            )
            for r in rows
        }

    def keys_for(self, rowids: Sequence[int]) -> dict[int, str]:
        return {rowid: hit.key for rowid, hit in self.hits(rowids).items()}

    def rowids_for_keys(self, keys: Sequence[str]) -> dict[str, int]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT id, chunk_key FROM chunks WHERE chunk_key IN ({marks})", list(keys)
        )
        return {r["chunk_key"]: r["id"] for r in rows}

    def rollback(self) -> None:
        self.conn.rollback()

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def document(self, doc_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return row

    def documents(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT doc_id, title, category, url, updated FROM documents ORDER BY doc_id"
        ).fetchall()

    def search(
        self, groups: Sequence[Sequence[str]], k: int, category: str | None
    ) -> list[LexicalHit]:
        """BM25 over text, heading path and title; any word of any group matching (OR)."""
        words = [word for group in groups for word in group]
        if not words:
            return []
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        sql = f"""
            SELECT c.id, c.chunk_key, c.doc_id, d.title, d.category, d.url, c.section, c.text,
                   -bm25(chunks_fts, {weights}) AS score
            FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
            JOIN documents d ON d.doc_id = c.doc_id
            WHERE chunks_fts MATCH ? {"AND d.category = ?" if category else ""}
            ORDER BY score DESC LIMIT ?"""
        params: list[object] = [_match(words), *([category] if category else []), k]
        return [
            LexicalHit(
                rowid=row["id"],
                key=row["chunk_key"],
                doc_id=row["doc_id"],
                title=row["title"],
                category=row["category"],
                url=row["url"],
                section=row["section"],
                text=row["text"],
                bm25=float(row["score"]),
            )
            for row in self.conn.execute(sql, params)
        ]

    def weights(self, groups: Sequence[Sequence[str]]) -> list[float]:
        """Each group's inverse document frequency over chunks (by its query word), the weight
        ``relevance`` gives it too: a rare word says more about what is asked."""
        total = self.count()
        return [math.log((total + 1) / (self._frequency(group[:1]) + 1)) + 1 for group in groups]

    def relevance(self, groups: Sequence[Sequence[str]], rowid: int) -> Relevance:
        """How well one chunk answers a query, by IDF-weighted shares of its word groups.

        A group is one query word with its synonyms; it weighs as its query word and counts as
        present when any member is. Numbers are left out: "58" or "40" say how much, not what
        about. ``coverage``: the share of the query's weight the chunk contains. ``unknown``:
        the share carried by groups the corpus never uses, the clearest sign that the question
        is about something else ("capital of France" vs Stripe Capital).
        """
        words = [(i, g) for i, g in enumerate(groups) if not any(c.isdigit() for c in g[0])]
        present = self._groups_in(rowid, [g for _, g in words])
        weights = self.weights(groups)
        mass = found = unknown = 0.0
        for position, (i, group) in enumerate(words):
            mass += weights[i]
            if position in present:
                found += weights[i]
            elif self._frequency(group) == 0:
                unknown += weights[i]
        if not mass:
            return Relevance(coverage=0.0, unknown=0.0)
        return Relevance(coverage=found / mass, unknown=unknown / mass)

    def _groups_in(self, rowid: int, groups: Sequence[Sequence[str]]) -> set[int]:
        """The positions of the groups chunk ``rowid`` holds, in one statement."""
        if not groups:
            return set()
        sql = " UNION ALL ".join(
            f"SELECT {i} FROM chunks_fts WHERE rowid = ? AND chunks_fts MATCH ?"
            for i in range(len(groups))
        )
        params = [value for group in groups for value in (rowid, _match(group))]
        return {row[0] for row in self.conn.execute(sql, params)}

    def _frequency(self, words: Sequence[str]) -> int:
        """How many chunks hold any of ``words`` (remembered until the index next changes)."""
        key = tuple(words)
        if key not in self._frequencies:
            row = self.conn.execute(
                "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (_match(words),)
            )
            self._frequencies[key] = int(row.fetchone()[0])
        return self._frequencies[key]


def _match(terms: Sequence[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)
