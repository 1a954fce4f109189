"""The retrieval eval: its labels are sound and lexical search clears the bar on them."""

import re
from pathlib import Path

import pytest

from evals.retrieval import SETS, load_questions, run_retrieval_eval, score_mode, table
from tests.fakes.fixtures import Running
from tests.fakes.openai_api import OpenAIState
from vaultra_mcp.services.knowledge import KnowledgeBase, sync_vectors
from vaultra_mcp.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "knowledge"
HEADING = re.compile(r"^#{2,3}\s+(.+?)\s*$", re.MULTILINE)


@pytest.fixture
async def knowledge(tmp_path: Path):
    kb = KnowledgeBase(Settings(knowledge={"index": str(tmp_path / "k.sqlite")}))
    yield kb
    await kb.close()


def test_the_labelled_set_has_at_least_forty_answerable_questions() -> None:
    questions = load_questions(SETS["labelled"])
    assert sum(q.answerable for q in questions) >= 40
    assert any(not q.answerable for q in questions)


def test_question_ids_are_unique_across_sets() -> None:
    ids = [q.id for path in SETS.values() for q in load_questions(path)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", SETS)
def test_every_label_names_a_real_document_and_heading(name: str) -> None:
    for question in load_questions(SETS[name]):
        assert question.answerable == bool(question.relevant), question.id
        for label in question.relevant:
            document = CORPUS / f"{label.doc_id}.md"
            assert document.exists(), f"{question.id}: no {label.doc_id}"
            if label.section is not None:
                headings = HEADING.findall(document.read_text())
                assert label.section in headings, f"{question.id}: {label.section!r}"


async def test_lexical_recall_at_5_on_the_labelled_set_is_at_least_0_9(
    knowledge: KnowledgeBase,
) -> None:
    score = await score_mode(knowledge, load_questions(SETS["labelled"]), "lexical")

    assert score.recall_at_5 >= 0.9, score.misses


async def test_dense_and_hybrid_are_scored_when_an_embedder_is_configured(
    tmp_path: Path, openai_fake: Running[OpenAIState]
) -> None:
    kb = KnowledgeBase(
        Settings(
            knowledge={"index": str(tmp_path / "k.sqlite"), "embeddings_provider": "openai"},
            llm={"openai_base_url": f"{openai_fake.url}/v1"},
        )
    )
    try:
        await sync_vectors(kb)
        scores = await run_retrieval_eval(kb)
    finally:
        await kb.close()

    assert [(s.set, s.mode) for s in scores] == [
        (name, mode) for name in SETS for mode in ("lexical", "dense", "hybrid")
    ]
    assert all(s.degraded == 0 for s in scores)
    assert "| labelled | hybrid |" in table(scores)
