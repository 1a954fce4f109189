"""The embedded knowledge index: one SQLite file with an FTS5 table ranked by BM25.

It needs no server and no network, so it is the default store and the fallback whenever a
remote store or an embedder is down. Queries are sub-millisecond on a corpus this size and run
on the calling thread; writes happen only during ingest.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, section, title, tokenize='porter unicode61'
);
"""
# Column weights for bm25(): body text, heading path, document title.
BM25_WEIGHTS = (1.0, 2.0, 1.5)
WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "me",
        "we",
        "us",
    )
)


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
class Relevance:
    coverage: float
    unknown: float


def query_terms(query: str) -> list[str]:
    """The words of a query that carry meaning, lowercased, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in WORD.findall(query.lower()):
        if word not in STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


class LocalStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(SCHEMA)

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

    def search(self, terms: Sequence[str], k: int, category: str | None) -> list[LexicalHit]:
        """BM25 over text, heading path and title, any term matching (OR)."""
        if not terms:
            return []
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        sql = f"""
            SELECT c.id, c.chunk_key, c.doc_id, d.title, d.category, d.url, c.section, c.text,
                   -bm25(chunks_fts, {weights}) AS score
            FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
            JOIN documents d ON d.doc_id = c.doc_id
            WHERE chunks_fts MATCH ? {"AND d.category = ?" if category else ""}
            ORDER BY score DESC LIMIT ?"""
        params: list[object] = [_match(terms), *([category] if category else []), k]
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

    def relevance(self, terms: Sequence[str], rowid: int) -> Relevance:
        """How well one chunk answers a query, by IDF-weighted word shares.

        ``coverage``: the share of the query's weight the chunk contains. ``unknown``: the share
        carried by words the corpus never uses (numbers aside), the clearest sign that the
        question is about something else ("capital of France" vs Stripe Capital).
        """
        total = self.count()
        frequency = {term: self._frequency(term) for term in terms}
        weights = {term: math.log((total + 1) / (df + 1)) + 1 for term, df in frequency.items()}
        mass = sum(weights.values()) or 1.0
        found = sum(
            weight
            for term, weight in weights.items()
            if self.conn.execute(
                "SELECT 1 FROM chunks_fts WHERE rowid = ? AND chunks_fts MATCH ?",
                (rowid, _match([term])),
            ).fetchone()
        )
        unknown = sum(
            w for t, w in weights.items() if frequency[t] == 0 and not any(c.isdigit() for c in t)
        )
        return Relevance(coverage=found / mass, unknown=unknown / mass)

    def _frequency(self, term: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (_match([term]),)
        )
        return int(row.fetchone()[0])


def _match(terms: Sequence[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)
