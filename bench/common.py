"""Shared benchmark helpers: timing, medians and a plain-text table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable


async def timed(work: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of ``work``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return times


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index] * 1000


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])


def verdict(passed: bool) -> str:
    return "✓ pass" if passed else "✗ fail"


def goal_table(
    title: str, goal: str, headers: list[str], rows: list[tuple[list[str], bool]]
) -> str:
    """One goal's table: the figures of each row, then the goal and whether the row meets it."""
    body = [[*cells, goal, verdict(ok)] for cells, ok in rows]
    return f"{title}\n{table([*headers, 'goal', 'pass/fail'], body)}"
