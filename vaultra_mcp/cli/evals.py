"""``vaultra eval``: the agent eval suite (cases in evals/cases), its linter, and retrieval."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.settings import load_settings


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
    "--out", type=click.Path(path_type=Path), default=None, help="Write summary.json here."
)
@click.option(
    "--min-recall",
    default=0.9,
    show_default=True,
    type=float,
    help="Fail below this lexical recall@5 on the labelled set.",
)
def retrieval(out: Path | None, min_recall: float) -> None:
    """Recall@1, recall@5 and MRR per question set and retrieval mode (evals/retrieval/)."""
    from evals.retrieval import ModeScore, run_retrieval_eval, table

    base = KnowledgeBase(load_settings())

    async def work() -> list[ModeScore]:
        try:
            return await run_retrieval_eval(base)
        finally:
            await base.close()

    scores = asyncio.run(work())
    click.echo(table(scores))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "retrieval.json").write_text(json.dumps([s.model_dump() for s in scores], indent=2))
    lexical = scores[0]
    if lexical.recall_at_5 < min_recall:
        raise click.ClickException(f"lexical recall@5 {lexical.recall_at_5} is under {min_recall}")
