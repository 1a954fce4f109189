"""Search benchmark: ``search_knowledge`` on the embedded index, over every eval question.

Prints p50/p99 per query for the full lexical search (shorthand and synonyms, BM25, sentence
windows, the token budget, the confidence check) beside a bare FTS5 ``MATCH`` of the same words
on the same index (the yardstick: the least any lexical search here can cost). With an embedder
configured (``EMBEDDINGS_PROVIDER=local`` and the ``local-embed`` extra, say) it also times
hybrid search, which embeds the query on this CPU. Usage:

    python -m bench.search [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import percentile_ms, table
from evals.facts import load_facts
from evals.retrieval import SETS, load_questions
from vaultra_mcp.core.vocabulary import query_groups
from vaultra_mcp.services.knowledge import KnowledgeBase, sync_vectors
from vaultra_mcp.services.retrieval import Mode, search_knowledge
from vaultra_mcp.settings import load_settings

GOAL_P50_MS = 5.0
BARE = "bare FTS5 MATCH"


async def measure(rounds: int) -> dict[str, list[float]]:
    knowledge = KnowledgeBase(load_settings())
    store = knowledge.store()
    questions = [q.question for path in SETS.values() for q in load_questions(path)]
    questions += [q.question for q in load_facts()]
    bare_sql = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 30"
    modes: list[Mode] = ["lexical"]
    if knowledge.embedder is not None:
        await sync_vectors(knowledge)
        modes.append("hybrid")
    samples: dict[str, list[float]] = {f"search_knowledge {mode}": [] for mode in modes}
    samples[BARE] = []
    try:
        for question in questions:  # warm: page cache, tokenizer, statement cache, the model
            for mode in modes:
                await search_knowledge(knowledge, question, mode=mode)
        for _ in range(rounds):
            for question in questions:
                for mode in modes:
                    start = time.perf_counter()
                    await search_knowledge(knowledge, question, mode=mode)
                    samples[f"search_knowledge {mode}"].append(time.perf_counter() - start)
                words = [w for group in query_groups(question) for w in group]
                start = time.perf_counter()
                store.conn.execute(bare_sql, (" OR ".join(f'"{w}"' for w in words),)).fetchall()
                samples[BARE].append(time.perf_counter() - start)
    finally:
        await knowledge.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    samples = asyncio.run(measure(args.rounds))
    bare = percentile_ms(samples[BARE], 50)
    rows = [
        [
            name,
            str(len(times)),
            f"{percentile_ms(times, 50):.2f}",
            f"{percentile_ms(times, 99):.2f}",
            f"{percentile_ms(times, 50) / bare:.1f}x",
        ]
        for name, times in samples.items()
    ]
    print("Knowledge search, embedded index (ms per query)")
    print(table(["query", "samples", "p50", "p99", "p50 vs bare"], rows))
    p50 = percentile_ms(samples["search_knowledge lexical"], 50)
    verdict = "met" if p50 <= GOAL_P50_MS else "MISSED"
    print(f"goal: lexical search p50 <= {GOAL_P50_MS:g} ms: {verdict} ({p50:.2f} ms)")


if __name__ == "__main__":
    main()
