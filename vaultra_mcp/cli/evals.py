"""``vaultra eval``: evaluations. ``retrieval`` scores knowledge search on labelled questions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.settings import load_settings


@click.group("eval")
def evaluation() -> None:
    """Evaluations of retrieval and of agents using Vaultra."""


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
