"""Retrieval eval: does search_knowledge find the documents that answer labelled questions?

Two sets (schema vaultra-retrieval/v1), both phrased the way owners ask rather than the way the
documents are worded: ``questions.yaml``, the labelled set search was tuned on, and
``holdout.yaml``, written afterwards by someone who saw neither that set nor the search code, to
show whether the tuning carries over. For each set and mode (lexical always; dense and hybrid when
an embedder is configured) it reports recall@1, recall@5 and MRR over answerable questions (a hit
is a passage from a relevant document), and how the low-confidence flag behaves: off-topic
questions flagged (abstention) and answerable questions wrongly flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.services.retrieval import Mode, search_knowledge

DIRECTORY = Path(__file__).parent / "retrieval"
SETS = {"labelled": DIRECTORY / "questions.yaml", "held-out": DIRECTORY / "holdout.yaml"}
SCHEMA = "vaultra-retrieval/v1"
K = 5


class Relevant(BaseModel):
    doc_id: str
    section: str | None = None  # None: the document as a whole answers


class Question(BaseModel):
    id: str
    question: str
    relevant: list[Relevant]
    answerable: bool

    @property
    def documents(self) -> set[str]:
        return {item.doc_id for item in self.relevant}


class ModeScore(BaseModel):
    set: str
    mode: str
    answerable: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    abstained: float  # off-topic questions flagged low-confidence
    false_alarms: float  # answerable questions flagged low-confidence
    degraded: int
    misses: list[str]


def load_questions(path: Path) -> list[Question]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: expected schema {SCHEMA}, got {data.get('schema')!r}")
    return [Question.model_validate(q) for q in data["questions"]]


async def score_mode(
    knowledge: KnowledgeBase, questions: Sequence[Question], mode: Mode, set_name: str = ""
) -> ModeScore:
    hits_1 = hits_5 = 0
    reciprocal = 0.0
    flagged_off = flagged_on = degraded = 0
    misses = []
    answerable = [q for q in questions if q.answerable]
    off_topic = [q for q in questions if not q.answerable]
    for q in questions:
        result = await search_knowledge(knowledge, q.question, top_k=K, mode=mode)
        degraded += result.degraded
        if not q.answerable:
            flagged_off += result.low_confidence
            continue
        flagged_on += result.low_confidence
        ranks = [i for i, p in enumerate(result.passages, start=1) if p.doc_id in q.documents]
        if ranks:
            hits_1 += ranks[0] == 1
            hits_5 += ranks[0] <= K
            reciprocal += 1 / ranks[0]
        else:
            misses.append(q.id)
    n = max(len(answerable), 1)
    return ModeScore(
        set=set_name,
        mode=mode,
        answerable=len(answerable),
        recall_at_1=round(hits_1 / n, 3),
        recall_at_5=round(hits_5 / n, 3),
        mrr=round(reciprocal / n, 3),
        abstained=round(flagged_off / max(len(off_topic), 1), 3),
        false_alarms=round(flagged_on / n, 3),
        degraded=degraded,
        misses=misses,
    )


async def run_retrieval_eval(knowledge: KnowledgeBase) -> list[ModeScore]:
    """Every set in every available mode; the labelled set's lexical score comes first."""
    modes: list[Mode] = ["lexical"]
    if knowledge.embedder is not None:
        modes += ["dense", "hybrid"]
    return [
        await score_mode(knowledge, load_questions(path), mode, name)
        for name, path in SETS.items()
        for mode in modes
    ]


def table(scores: Sequence[ModeScore]) -> str:
    lines = [
        "| set | mode | questions | recall@1 | recall@5 | MRR | off-topic flagged "
        "| answerable flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.set} | {s.mode} | {s.answerable} | {s.recall_at_1:.3f} | {s.recall_at_5:.3f} "
        f"| {s.mrr:.3f} | {s.abstained:.0%} | {s.false_alarms:.0%} |"
        for s in scores
    ]
    return "\n".join(lines)
