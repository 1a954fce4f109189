"""Scoring one trial, and reliability over trials (pass^k and pass@k, unbiased estimators).

Each metric stands in its own column; ``success`` is the conjunction a case requires, never a
product of rates.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from math import comb
from typing import Any

import jsonschema

from evals.case import Case
from evals.constraints import lookup, satisfies
from evals.grounding import ungrounded
from evals.matching import pair
from evals.toolbox import RecordedCall


@dataclass
class TrialScore:
    schema_valid_rate: float
    tool_precision: float
    tool_recall: float
    tool_f1: float
    order_ok: bool
    arg_accuracy: float
    abstain_ok: bool
    forbidden_hits: int
    tool_errors: int
    answer_ok: bool
    judge: str  # pass | fail | inconclusive | skipped
    success: bool
    calls: int
    redundant_calls: int
    latency_ms: float
    tokens: int
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def schema_valid_rate(calls: list[RecordedCall], schemas: dict[str, dict[str, Any]]) -> float:
    if not calls:
        return 1.0
    valid = 0
    for c in calls:
        schema = schemas.get(c.name)
        if schema is not None and not list(
            jsonschema.Draft202012Validator(schema).iter_errors(c.arguments)
        ):
            valid += 1
    return valid / len(calls)


def _in_order(pairs: list[tuple[int, int]]) -> bool:
    actual = [a for _, a in sorted(pairs)]
    return actual == sorted(actual)


def answer_failures(case: Case, answer: str, outputs: list[Any]) -> list[str]:
    expect = case.expect.answer
    lowered = answer.lower()
    failures = [
        f"answer lacks any of {group}"
        for group in expect.must_include_any
        if not any(option.lower() in lowered for option in group)
    ]
    failures += [
        f"answer includes forbidden {text!r}"
        for text in expect.must_not_include
        if text.lower() in lowered
    ]
    if expect.grounded_numbers:
        invented = ungrounded(answer, [*outputs, *case.turns])
        if invented:
            failures.append(f"numbers not in any tool output: {invented[:5]}")
    failures += [f"does not cite {doc}" for doc in expect.cites if doc.lower() not in lowered]
    return failures


def _tool_failures(
    case: Case,
    calls: list[RecordedCall],
    precision: float,
    recall: float,
    order_ok: bool,
    arg_accuracy: float,
    forbidden: int,
) -> list[str]:
    tools = case.expect.tools
    checks = [
        (tools.mode == "none" and bool(calls), f"called {len(calls)} tools; none were needed"),
        (recall < 1, "expected calls missing"),
        (tools.mode == "exact" and precision < 1, "calls beyond the expected ones"),
        (tools.mode in ("exact", "in_order") and not order_ok, "calls out of order"),
        (arg_accuracy < 1, "wrong arguments"),
        (forbidden > 0, f"{forbidden} forbidden calls"),
        (
            tools.max_calls is not None and len(calls) > tools.max_calls,
            f"{len(calls)} calls, more than {tools.max_calls}",
        ),
    ]
    return [message for failed, message in checks if failed]


def _limit_failures(case: Case, errors: int, latency_ms: float, tokens: int) -> list[str]:
    limits = case.expect.limits
    checks = [
        (limits.tool_errors is not None and errors > limits.tool_errors, f"{errors} tool errors"),
        (
            limits.latency_ms is not None and latency_ms > limits.latency_ms,
            f"latency {latency_ms:.0f} ms",
        ),
        (limits.tokens is not None and tokens > limits.tokens, f"{tokens} tokens"),
    ]
    return [message for failed, message in checks if failed]


def score_trial(
    case: Case,
    calls: list[RecordedCall],
    answer: str,
    schemas: dict[str, dict[str, Any]],
    latency_ms: float,
    tokens: int,
    judge: str = "skipped",
) -> TrialScore:
    tools = case.expect.tools
    actual = [(c.name, c.arguments) for c in calls]
    pairing = pair(tools.calls, actual)
    matched = len(pairing.pairs)
    precision = matched / len(actual) if actual else (1.0 if not tools.calls else 0.0)
    recall = matched / len(tools.calls) if tools.calls else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    order_ok = _in_order(pairing.pairs)
    arg_accuracy = pairing.args_matched / matched if matched else float(not tools.calls)
    forbidden = sum(1 for c in calls if c.name in tools.forbidden)
    errors = sum(1 for c in calls if c.is_error)
    signatures = [(c.name, repr(sorted(c.arguments.items()))) for c in calls]
    redundant = len(signatures) - len(set(signatures))
    outputs: list[Any] = [c.summary for c in calls] + [c.structured for c in calls]
    failures = answer_failures(case, answer, outputs)
    answer_ok = not failures
    abstain_ok = not calls if tools.mode == "none" else True
    failures += _tool_failures(case, calls, precision, recall, order_ok, arg_accuracy, forbidden)
    failures += _limit_failures(case, errors, latency_ms, tokens)
    if judge == "fail":
        failures.append("judge: fail")
    return TrialScore(
        schema_valid_rate=schema_valid_rate(calls, schemas),
        tool_precision=precision,
        tool_recall=recall,
        tool_f1=f1,
        order_ok=order_ok,
        arg_accuracy=arg_accuracy,
        abstain_ok=abstain_ok,
        forbidden_hits=forbidden,
        tool_errors=errors,
        answer_ok=answer_ok,
        judge=judge,
        success=not failures,
        calls=len(calls),
        redundant_calls=redundant,
        latency_ms=latency_ms,
        tokens=tokens,
        failures=failures,
    )


def score_tool_case(case: Case, call: RecordedCall) -> TrialScore:
    expect = case.result
    failures = []
    if call.is_error != expect.is_error:
        failures.append(f"is_error {call.is_error}, expected {expect.is_error}: {call.summary}")
    if expect.error is not None and call.error != expect.error:
        failures.append(f"error {call.error}, expected {expect.error}")
    for path, constraint in expect.fields.items():
        value = lookup(call.structured or {}, path)
        if not satisfies(value, constraint):
            failures.append(f"{path} = {value!r} fails {constraint!r}")
    return TrialScore(
        schema_valid_rate=1.0,
        tool_precision=1.0,
        tool_recall=1.0,
        tool_f1=1.0,
        order_ok=True,
        arg_accuracy=1.0,
        abstain_ok=True,
        forbidden_hits=0,
        tool_errors=int(call.is_error),
        answer_ok=not failures,
        judge="skipped",
        success=not failures,
        calls=1,
        redundant_calls=0,
        latency_ms=call.latency_ms,
        tokens=0,
        failures=failures,
    )


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k trials drawn from n succeeds (Chen et al. 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Probability that all k trials drawn from n succeed (tau-bench's pass^k)."""
    return comb(c, k) / comb(n, k)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
