"""Pairing the calls an agent made with the calls a case expects: optimal, not greedy.

A pair scores 2 when the names match and the arguments satisfy the case, 1 when only the
names match. The best assignment maximises the total (a greedy first-come pairing can miscount,
e.g. when an early call with wrong arguments takes the slot a later, correct one deserved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from evals.case import ExpectedCall
from evals.constraints import args_ok

EXHAUSTIVE_LIMIT = 7  # permutations of up to 7 calls: 5,040, instant


@dataclass(frozen=True)
class Pairing:
    pairs: list[tuple[int, int]]  # (expected index, actual index), names equal
    args_matched: int


def _score(expected: ExpectedCall, actual: tuple[str, dict[str, Any]]) -> int:
    if expected.name != actual[0]:
        return 0
    return 2 if args_ok(actual[1], expected.args) else 1


def pair(expected: Sequence[ExpectedCall], actual: Sequence[tuple[str, dict[str, Any]]]) -> Pairing:
    scores = [[_score(e, a) for a in actual] for e in expected]
    best: list[tuple[int, int]] = []
    best_total = -1
    if len(expected) <= EXHAUSTIVE_LIMIT and len(actual) <= EXHAUSTIVE_LIMIT:
        slots = list(range(len(actual))) + [-1] * len(expected)
        for chosen in set(permutations(slots, len(expected))):
            total = sum(scores[e][a] for e, a in enumerate(chosen) if a >= 0)
            if total > best_total:
                best_total = total
                best = [(e, a) for e, a in enumerate(chosen) if a >= 0 and scores[e][a] > 0]
    else:  # very long trajectories: best-first greedy on the score matrix
        used: set[int] = set()
        for s, e, a in sorted(
            ((scores[e][a], e, a) for e in range(len(expected)) for a in range(len(actual))),
            reverse=True,
        ):
            if s and a not in used and all(e != p for p, _ in best):
                best.append((e, a))
                used.add(a)
    best.sort()
    return Pairing(best, sum(1 for e, a in best if scores[e][a] == 2))
