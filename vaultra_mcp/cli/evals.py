"""``vaultra eval``: the agent eval suite (cases in evals/cases), its linter, and retrieval."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click


@click.group("eval", invoke_without_command=True)
@click.option(
    "--suite",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A case file or directory (default: evals/cases).",
)
@click.option("--tags", default="", help="Comma-separated: run cases with any of these tags.")
@click.option(
    "--agent",
    "agent_spec",
    default="offline",
    show_default=True,
    help="offline | openai | ollama | python:module:factory | cmd:COMMAND",
)
@click.option(
    "--transport",
    type=click.Choice(["memory", "stdio", "http"]),
    default="memory",
    show_default=True,
)
@click.option("--url", default=None, help="A running server's /mcp URL (http transport).")
@click.option(
    "--trials",
    type=click.IntRange(1, 20),
    default=None,
    help="Trials per case (default: each case's own).",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path(".eval"), show_default=True)
@click.option(
    "--baseline",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A previous summary.json: fail on any regression against it.",
)
@click.pass_context
def evaluation(ctx: click.Context, /, **options: Any) -> None:
    """Run agent eval cases and score them (see evals/README.md and EVALS.md)."""
    if ctx.invoked_subcommand is not None:
        return
    from evals.run import run_suite

    code = asyncio.run(run_suite(**options))
    sys.exit(code)


@evaluation.command("lint")
@click.option("--suite", type=click.Path(exists=True, path_type=Path), default=None)
def lint(suite: Path | None) -> None:
    """Replay every expected call and check gold values are reachable (no unpassable case)."""
    from evals.run import lint_suite

    sys.exit(asyncio.run(lint_suite(suite)))


@evaluation.command("compare")
@click.argument("first", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("second", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def compare(first: Path, second: Path) -> None:
    """Two runs' summary.json case by case (e.g. the offline assistant and a model)."""
    from evals.reports import comparison_markdown

    click.echo(comparison_markdown(json.loads(first.read_text()), json.loads(second.read_text())))


@evaluation.command("retrieval")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write the scores here as JSON."
)
@click.option(
    "--min-recall",
    default=0.9,
    show_default=True,
    type=float,
    help="Fail below this lexical fact recall@5 on the held-out (test) split.",
)
def retrieval(out: Path | None, min_recall: float) -> None:
    """Fact recall@5 and MRR per split, mode and category (evals/retrieval/facts.yaml), then
    document recall on the labelled and held-out sets, on an index built fresh for the run."""
    from evals.facts import FactScore, IndexFigures, fact_table, fresh_index, run_fact_eval
    from evals.retrieval import ModeScore, run_retrieval_eval, table
    from vaultra_mcp.settings import load_settings

    async def work() -> tuple[IndexFigures, list[FactScore], list[ModeScore]]:
        async with fresh_index(load_settings()) as (base, figures):
            return figures, await run_fact_eval(base), await run_retrieval_eval(base)

    figures, facts, documents = asyncio.run(work())
    click.echo(
        f"index: {figures.chunks} chunks, ingest {figures.ingest_seconds:.2f} s, embeddings "
        f"({figures.embedder}) {figures.embed_seconds:.2f} s, {figures.index_bytes / 1e6:.1f} MB"
    )
    click.echo(fact_table(facts))
    click.echo(table(documents))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "retrieval.json").write_text(
            json.dumps(
                {
                    "index": figures.model_dump(),
                    "facts": [s.model_dump() for s in facts],
                    "documents": [s.model_dump() for s in documents],
                },
                indent=2,
            )
        )
    held_out = next(s for s in facts if (s.split, s.mode, s.category) == ("test", "lexical", "all"))
    if held_out.recall_at_5 < min_recall:
        raise click.ClickException(
            f"held-out lexical fact recall@5 {held_out.recall_at_5} is under {min_recall}"
        )
