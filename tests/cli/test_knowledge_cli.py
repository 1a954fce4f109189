"""``vaultra knowledge`` and ``vaultra eval`` from the shell."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error, vaultra

CORPUS = Path(__file__).resolve().parents[2] / "knowledge"
REPO = CORPUS.parent


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for doc_id in ("sbfe", "paydex", "dscr"):
        shutil.copy(CORPUS / f"{doc_id}.md", directory)
    return directory


def knowledge_env(corpus: Path) -> dict[str, str]:
    return {
        "VAULTRA_KNOWLEDGE_DIR": str(corpus),
        "VAULTRA_KNOWLEDGE_INDEX": str(corpus.parent / "index" / "k.sqlite"),
    }


def test_ingest_reports_what_it_wrote_and_nothing_the_second_time(corpus: Path) -> None:
    first = vaultra("knowledge", "ingest", cwd=corpus.parent, **knowledge_env(corpus))
    second = vaultra("knowledge", "ingest", cwd=corpus.parent, **knowledge_env(corpus))

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("3 documents, ") and " 0 unchanged;" in first.stdout
    assert "0 added, 0 updated, 0 deleted" in second.stdout


def test_ingest_of_a_broken_file_names_it_and_writes_nothing(corpus: Path) -> None:
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\ndoc_id: broken\n---\nbody\n")

    error = one_line_error(
        vaultra("knowledge", "ingest", cwd=corpus.parent, **knowledge_env(corpus))
    )

    assert "broken.md:" in error
    assert not (corpus.parent / "index").exists()


def test_search_prints_cited_passages(corpus: Path) -> None:
    result = vaultra(
        "knowledge", "search", "what is a PAYDEX score", cwd=corpus.parent, **knowledge_env(corpus)
    )

    assert result.returncode == 0, result.stderr
    assert "mode lexical" in result.stdout and "[paydex]" in result.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["   "], "query is empty"),
        (["x" * 10_000], "too long"),
        (["loans", "--top-k", "0"], "top_k"),
        (["loans", "--top-k", "1000"], "top_k"),
        (["loans", "--category", "gossip"], "Unknown category"),
    ],
)
def test_a_bad_search_is_one_line_and_exit_2(corpus: Path, args: list[str], named: str) -> None:
    error = one_line_error(
        vaultra("knowledge", "search", *args, cwd=corpus.parent, **knowledge_env(corpus))
    )

    assert named in error


def test_the_retrieval_eval_prints_its_table_and_writes_json(tmp_path: Path) -> None:
    env = {"VAULTRA_KNOWLEDGE_DIR": str(CORPUS), "VAULTRA_KNOWLEDGE_INDEX": str(tmp_path / "k.db")}

    result = vaultra("eval", "retrieval", "--out", str(tmp_path / "out"), cwd=REPO, **env)

    assert result.returncode == 0, result.stderr
    assert "| labelled | lexical |" in result.stdout and "| held-out | lexical |" in result.stdout
    assert (tmp_path / "out" / "retrieval.json").exists()
