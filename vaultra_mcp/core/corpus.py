"""Knowledge documents: front matter, and chunks split by heading.

A document is markdown with YAML front matter (title, doc_id, category, sources, url, updated).
It is split at ``##``/``###`` headings into chunks of at most ``max_tokens`` tokens; a section
longer than that is cut into overlapping windows. Each chunk keeps its heading path and the
document's metadata, and a content hash so re-ingesting touches only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

import yaml

from vaultra_mcp.errors import InvalidInput

Category = Literal[
    "financing-products",
    "lender-criteria",
    "cash-flow",
    "disputes-refunds",
    "business-credit",
    "documents",
    "readiness-score",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
REQUIRED_KEYS = ("title", "doc_id", "category", "sources", "url", "updated")
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
MAX_TOKENS = 512
OVERLAP_TOKENS = 64


class CorpusError(InvalidInput):
    """A knowledge file that cannot be ingested: the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    title: str
    category: str
    sources: tuple[str, ...]
    url: str
    updated: date
    body: str
    path: str

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.category, self.url, str(self.updated), self.body)


@dataclass(frozen=True, slots=True)
class Chunk:
    doc_id: str
    ordinal: int
    section: str  # the heading path, e.g. "Stripe Capital > Who is eligible"
    text: str
    tokens: int

    @property
    def key(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"


def content_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_document(text: str, path: str) -> Document:
    """A document from a file's text; ``CorpusError`` naming ``path`` and the line if malformed."""
    if not text.startswith("---\n"):
        raise CorpusError(f"{path}:1: front matter must start with '---'")
    end = text.find("\n---", 4)
    if end < 0:
        raise CorpusError(f"{path}:1: front matter is not closed with '---'")
    try:
        meta = yaml.safe_load(text[4:end])
    except yaml.MarkedYAMLError as exc:
        line = (exc.problem_mark.line + 2) if exc.problem_mark else 1
        raise CorpusError(f"{path}:{line}: invalid front matter: {exc.problem}") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}:2: front matter must be a mapping of keys")
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise CorpusError(f"{path}:2: front matter is missing {', '.join(missing)}")
    return _validated(meta, text[end + 4 :].lstrip("\n"), path, text[:end].count("\n") + 2)


def _validated(meta: dict[str, object], body: str, path: str, closing_line: int) -> Document:
    doc_id, category = str(meta["doc_id"]), str(meta["category"])
    sources, updated = meta["sources"], meta["updated"]
    problems = []
    if not DOC_ID.match(doc_id):
        problems.append(f"doc_id {doc_id!r} must be lowercase letters, digits and dashes")
    if category not in CATEGORIES:
        problems.append(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        problems.append("sources must be a non-empty list of URLs")
    if not isinstance(updated, date):
        problems.append("updated must be a date (YYYY-MM-DD)")
    if not str(meta["url"]).startswith(("http://", "https://")):
        problems.append("url must be an http(s) URL")
    if not body.strip():
        problems.append("the document has no body")
    if problems:
        raise CorpusError(f"{path}:{closing_line}: {'; '.join(problems)}")
    assert isinstance(sources, list) and isinstance(updated, date)
    return Document(
        doc_id=doc_id,
        title=str(meta["title"]),
        category=category,
        sources=tuple(sources),
        url=str(meta["url"]),
        updated=updated,
        body=body,
        path=path,
    )


def sections(document: Document) -> list[tuple[str, str]]:
    """(heading path, text) for each part of the body, in order; ``Sources`` lists are skipped."""
    parts: list[tuple[str, str]] = []
    trail: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        path = " > ".join([document.title, *(title for _, title in trail)])
        if text and not (trail and trail[-1][1].lower() == "sources"):
            parts.append((path, text))
        lines.clear()

    for line in document.body.splitlines():
        heading = HEADING.match(line)
        if heading and len(heading.group(1)) >= 2:
            flush()
            level = len(heading.group(1))
            trail = [(lvl, title) for lvl, title in trail if lvl < level]
            trail.append((level, heading.group(2)))
        elif not heading:
            lines.append(line)
    flush()
    return parts


def chunk_document(
    document: Document,
    count: Callable[[str], int],
    split: Callable[[str, int, int], Sequence[str]],
    max_tokens: int = MAX_TOKENS,
) -> list[Chunk]:
    """Chunks of at most ``max_tokens``: one per section, longer sections in overlapping windows."""
    chunks: list[Chunk] = []
    for section, text in sections(document):
        pieces = [text] if count(text) <= max_tokens else split(text, max_tokens, OVERLAP_TOKENS)
        for piece in pieces:
            chunks.append(Chunk(document.doc_id, len(chunks), section, piece, count(piece)))
    return chunks


MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
EMPHASIS = re.compile(r"(\*\*|__|`)")
LIST_ITEM = re.compile(r"\n\s*(?:[-*]|\d+\.)\s+")
WHITESPACE = re.compile(r"\s+")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
PARAGRAPH = re.compile(r"\n\s*\n")


def _ended(paragraph: str) -> str:
    """A paragraph (or a list's last item) ends a sentence, even when the author left the
    full stop off: run onto one line, the next paragraph must not read as its continuation."""
    paragraph = paragraph.rstrip()
    return paragraph if paragraph.endswith((".", "!", "?", ":", ";", '"', ")")) else paragraph + "."


def plain_text(markdown: str) -> str:
    """Markdown as a reader would hear it, on one line: link text without URLs, no emphasis,
    list items run together with semicolons (a space after an item that ends a sentence), and
    each table row a sentence of "header: value" pairs."""
    text = EMPHASIS.sub("", MARKDOWN_LINK.sub(r"\1", _tables_as_sentences(markdown)))
    text = "\n\n".join(_ended(p) for p in PARAGRAPH.split(text) if p.strip())
    items = LIST_ITEM.split("\n" + text)
    joined = items[0]
    for item in items[1:]:
        joined = joined.rstrip()
        joined += (" " if not joined or joined.endswith((".", "!", "?", ":")) else "; ") + item
    return WHITESPACE.sub(" ", joined).strip()


def _tables_as_sentences(markdown: str) -> str:
    lines = markdown.splitlines()
    out: list[str] = []
    header: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            out.append(line)
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if TABLE_RULE.match(stripped.replace(" ", "")):
            continue
        if header is None:
            header = cells
            continue
        pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
        out.append(", ".join(pairs).replace(";", ",") + ".")
    return "\n".join(out)
