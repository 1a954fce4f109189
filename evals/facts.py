"""Fact recall: does search_knowledge return a passage that holds the fact an owner needs?

``evals/retrieval/facts.yaml`` (schema vaultra-facts/v1) holds owner questions, each with the key
facts a good answer must contain, written from the sources named beside them rather than from the
knowledge chunks. Every question carries a fixed ``split``: search is tuned on ``dev`` only and
``test`` is the held-out figure. The document-level eval (``evals/retrieval.py``) asks whether the
right document ranks; this one asks whether the words that answer reach the model, which is what
an excerpt cut before the fact or a passage dropped by the budget loses.

Per split, mode and category: fact recall@5 (the share of facts found in one of the first five
passages), the share of questions with every fact found, and MRR (the reciprocal rank of the first
passage holding any of the question's facts).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from vaultra_mcp.services.knowledge import KnowledgeBase, sync_vectors
from vaultra_mcp.services.retrieval import Mode, Passage, search_knowledge
from vaultra_mcp.settings import Settings

FACTS = Path(__file__).parent / "retrieval" / "facts.yaml"
SCHEMA = "vaultra-facts/v1"
K = 5
Split = Literal["dev", "test"]

# Curly quotes, en and em dashes, the non-breaking hyphen; the multiplication sign reads as "x".
_PLAIN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
    | {"\u2011": "-", "\u00d7": "x"}
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_MARKUP = re.compile(r"\*\*|__|`")
_SPACE = re.compile(r"\s+")


class Fact(BaseModel):
    claim: str
    source: str
    match: list[list[str]] = Field(min_length=1)  # every group, any alternative in a group


class FactQuestion(BaseModel):
    id: str
    category: str
    split: Split
    question: str
    facts: list[Fact] = Field(min_length=1)


class FactScore(BaseModel):
    split: str
    mode: str
    category: str  # "all" for the whole split
    questions: int
    facts: int
    recall_at_5: float
    complete: float  # questions with every fact found
    mrr: float
    mean_ms: float
    misses: list[str]  # "question id: claim" for each fact not found


class IndexFigures(BaseModel):
    embedder: str  # "none" when lexical only
    chunks: int
    ingest_seconds: float  # parse, chunk, write the FTS5 index
    embed_seconds: float  # vectors for every chunk (0 without an embedder)
    index_bytes: int


def normalise(text: str) -> str:
    """Lowercase, plain quotes and dashes, no markup, no thousands separators, single spaces."""
    text = _THOUSANDS.sub("", _MARKUP.sub("", text.translate(_PLAIN)))
    return _SPACE.sub(" ", text.lower())


def holds(fact: Fact, text: str) -> bool:
    """True when the normalised ``text`` has an alternative from every group of ``fact``."""
    return all(any(normalise(alt) in text for alt in group) for group in fact.match)


def passage_text(passage: Passage) -> str:
    """What a model reads of a passage: its document title, heading and text."""
    return normalise(f"{passage.title} {passage.section} {passage.text}")


def load_facts(path: Path = FACTS) -> list[FactQuestion]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: expected schema {SCHEMA}, got {data.get('schema')!r}")
    return [FactQuestion.model_validate(q) for q in data["questions"]]


class _Tally:
    def __init__(self) -> None:
        self.questions = self.facts = self.found = self.complete = 0
        self.reciprocal = self.seconds = 0.0
        self.misses: list[str] = []

    def add(self, question: FactQuestion, texts: Sequence[str], seconds: float) -> None:
        self.questions += 1
        self.seconds += seconds
        first: int | None = None
        found_all = True
        for fact in question.facts:
            self.facts += 1
            ranks = [rank for rank, text in enumerate(texts[:K], 1) if holds(fact, text)]
            if ranks:
                self.found += 1
                first = ranks[0] if first is None else min(first, ranks[0])
            else:
                found_all = False
                self.misses.append(f"{question.id}: {fact.claim}")
        self.complete += found_all
        self.reciprocal += 1 / first if first else 0.0

    def score(self, split: str, mode: str, category: str) -> FactScore:
        n = max(self.questions, 1)
        return FactScore(
            split=split,
            mode=mode,
            category=category,
            questions=self.questions,
            facts=self.facts,
            recall_at_5=round(self.found / max(self.facts, 1), 3),
            complete=round(self.complete / n, 3),
            mrr=round(self.reciprocal / n, 3),
            mean_ms=round(1000 * self.seconds / n, 2),
            misses=self.misses,
        )


async def score_facts(
    knowledge: KnowledgeBase, questions: Sequence[FactQuestion], mode: Mode, split: str
) -> list[FactScore]:
    """The split as a whole first, then one row per category (in order of first appearance)."""
    overall = _Tally()
    by_category: dict[str, _Tally] = {}
    for question in questions:
        start = time.perf_counter()
        result = await search_knowledge(knowledge, question.question, top_k=K, mode=mode)
        seconds = time.perf_counter() - start
        texts = [passage_text(p) for p in result.passages]
        overall.add(question, texts, seconds)
        by_category.setdefault(question.category, _Tally()).add(question, texts, seconds)
    return [overall.score(split, mode, "all")] + [
        tally.score(split, mode, category) for category, tally in by_category.items()
    ]


async def run_fact_eval(
    knowledge: KnowledgeBase, splits: Sequence[Split] = ("dev", "test")
) -> list[FactScore]:
    """Each split in every available mode: lexical always, dense and hybrid with an embedder."""
    modes: list[Mode] = ["lexical"]
    if knowledge.embedder is not None:
        modes += ["dense", "hybrid"]
    questions = load_facts()
    scores: list[FactScore] = []
    for split in splits:
        chosen = [q for q in questions if q.split == split]
        for mode in modes:
            scores += await score_facts(knowledge, chosen, mode, split)
    return scores


@asynccontextmanager
async def fresh_index(settings: Settings) -> AsyncIterator[tuple[KnowledgeBase, IndexFigures]]:
    """A knowledge base built from scratch in a temporary file with ``settings``' corpus and
    embedder, and what building it cost: the eval never reads a stale or half-embedded index."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "knowledge.sqlite"
        knowledge = KnowledgeBase(settings.changed(knowledge={"index": str(path)}))
        try:
            start = time.perf_counter()
            report = knowledge.ingest()
            ingested = time.perf_counter()
            await sync_vectors(knowledge)
            embedded = time.perf_counter()
            figures = IndexFigures(
                embedder=knowledge.embedder.name if knowledge.embedder else "none",
                chunks=report.chunks,
                ingest_seconds=round(ingested - start, 2),
                embed_seconds=round(embedded - ingested, 2),
                index_bytes=path.stat().st_size,
            )
            yield knowledge, figures
        finally:
            await knowledge.close()


def fact_table(scores: Sequence[FactScore], categories: bool = True) -> str:
    lines = [
        "| split | mode | category | questions | facts | fact recall@5 | all facts | MRR "
        "| ms/query |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.split} | {s.mode} | {s.category} | {s.questions} | {s.facts} "
        f"| {s.recall_at_5:.3f} | {s.complete:.3f} | {s.mrr:.3f} | {s.mean_ms:.2f} |"
        for s in scores
        if categories or s.category == "all"
    ]
    return "\n".join(lines)
