"""The fact-recall eval: its questions and facts are sound, its matcher is fair, and the
zero-key default finds the held-out facts."""

from collections import Counter
from pathlib import Path

import pytest

from evals.facts import Fact, fact_table, fresh_index, holds, load_facts, normalise, run_fact_eval
from vaultra_mcp.settings import Settings

QUESTIONS = load_facts()
MIRRORS = ("rp.liu233w", "pamojaone", "legalfix", "web.archive.org.")


def test_there_are_at_least_a_hundred_questions_with_unique_ids() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) >= 100 and len(ids) == len(set(ids))


def test_both_splits_cover_every_category() -> None:
    by_split = {
        split: Counter(q.category for q in QUESTIONS if q.split == split)
        for split in ("dev", "test")
    }

    assert set(by_split["dev"]) == set(by_split["test"])
    assert min(by_split["test"].values()) >= 5 and sum(by_split["test"].values()) >= 50


def test_every_fact_names_a_public_source_that_is_not_a_mirror() -> None:
    for question in QUESTIONS:
        for fact in question.facts:
            assert fact.source.startswith(("https://", "http://")), question.id
            assert not any(m in fact.source for m in MIRRORS), question.id
            assert "DOMAIN" not in fact.claim and "§" not in fact.claim, question.id


def test_matching_ignores_case_dashes_markup_and_thousands_separators() -> None:
    fact = Fact(claim="c", source="https://x", match=[["5000"], ["1-10%"]])

    assert holds(fact, normalise("At least **5,000 USD** a year and a share of 1\u201310%."))
    assert not holds(fact, normalise("At least 5,000 USD a year."))


@pytest.fixture
async def built(tmp_path: Path):
    async with fresh_index(Settings()) as pair:
        yield pair


async def test_held_out_fact_recall_at_5_is_at_least_0_9_lexically(built) -> None:
    knowledge, figures = built

    scores = await run_fact_eval(knowledge, ["test"])

    overall = scores[0]
    assert (overall.split, overall.mode, overall.category) == ("test", "lexical", "all")
    assert overall.recall_at_5 >= 0.9, overall.misses
    assert figures.embedder == "none" and figures.chunks > 0 and figures.index_bytes > 0
    assert "| test | lexical | all |" in fact_table(scores)
