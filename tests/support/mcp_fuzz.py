"""Hypothesis-driven MCP fuzzing: tool calls generated from each tool's own input schema, mixed
with hostile values, judged by what every answer must be whatever the input.

Values are written with ``json.dumps`` (ASCII escapes, NaN allowed) so a lone surrogate goes on
the wire as a raw ``\\udXXX`` escape, exactly as a hostile client sends it. Generation is
derandomized: the same count gives the same calls, so a failure reproduces.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

CALLS_ENV = "VAULTRA_FUZZ_CALLS"
DEFAULT_CALLS = 300  # in `make test`; `make fuzz` sets 10,000
INTERNAL_ERROR_CODE = -32603


def call_count() -> int:
    """Total calls for one run, split between the transports."""
    return int(os.environ.get(CALLS_ENV, DEFAULT_CALLS))


@dataclass(frozen=True, slots=True)
class FuzzCall:
    tool: str
    arguments: Any

    def line(self, request_id: int) -> bytes:
        params = {"name": self.tool, "arguments": self.arguments}
        message = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}
        return json.dumps(message, ensure_ascii=True, allow_nan=True).encode()


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for the JSON Schema subset tool inputs use (objects of bounded integers,
    numbers and strings, enums). hypothesis-jsonschema would do this, but its current release
    does not run on this Hypothesis; anything outside the subset fails loudly here."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer":  # mostly small: ids that exist, counts in range
        return st.one_of(
            st.integers(low, min(high or 10**6, (low or 0) + 12)), st.integers(low, high)
        )
    if kind == "number":
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "string":
        size = {"min_size": schema.get("minLength", 0), "max_size": schema.get("maxLength", 50)}
        return st.one_of(st.text(**size), st.text(PLAIN, **size))
    if kind == "boolean":
        return st.booleans()
    if kind == "object":
        properties = {k: from_schema(v) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required},
        )
    raise NotImplementedError(f"no strategy for schema {schema}")


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


PLAIN = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
HOSTILE_STRINGS = st.one_of(
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=8), SURROGATES, st.text(max_size=8)),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=8), st.text(max_size=8)),
    st.integers(1_000_000, 1_048_000).map(lambda n: "a" * n),  # about 1 MB, near the body limit
    st.sampled_from(["", " ", "\u202e", "\ufeff", "null", "1", "true", "NaN", "🦄" * 40]),
)
HOSTILE_NUMBERS = st.one_of(
    st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 0, -1]),
    st.sampled_from([1e308, -1e308, float("inf"), float("-inf"), float("nan"), 5e-324, 0.5]),
    st.booleans(),
)
HOSTILE_VALUES: st.SearchStrategy[Any] = st.one_of(
    HOSTILE_STRINGS,
    HOSTILE_NUMBERS,
    st.integers(200, 260).map(_nested),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
)


def arguments_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Arguments for a tool, in fixed proportions: 6 in 10 valid for its schema, 2 with one
    field made hostile, 1 with an extra key, 1 not an object at all."""
    names = sorted(schema.get("properties", {})) or ["business_id"]
    valid = from_schema(schema)
    spoiled = st.builds(
        lambda arguments, name, value: {**arguments, name: value},
        valid,
        st.sampled_from(names),
        HOSTILE_VALUES,
    )
    extra = st.builds(
        lambda arguments, value: {**arguments, "unexpected_key": value}, valid, HOSTILE_VALUES
    )
    kinds = [valid] * 6 + [spoiled] * 2 + [extra, HOSTILE_VALUES]
    return st.integers(0, len(kinds) - 1).flatmap(lambda k: kinds[k])


def tool_calls(tools: list[dict[str, Any]]) -> st.SearchStrategy[FuzzCall]:
    """A call of any listed tool, with arguments from ``arguments_for``."""
    return st.one_of(
        [
            st.builds(FuzzCall, st.just(tool["name"]), arguments_for(tool["inputSchema"]))
            for tool in tools
        ]
    )


def draw_calls(tools: list[dict[str, Any]], count: int) -> list[FuzzCall]:
    """``count`` calls, the same ones every run (Hypothesis derandomized, generation only)."""
    drawn: list[FuzzCall] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(tool_calls(tools))
    def collect(call: FuzzCall) -> None:
        drawn.append(call)

    collect()
    return drawn[:count]


@dataclass
class Tally:
    """What a run saw: answers by outcome, latencies, and every broken promise."""

    transport: str
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hangs: int = 0

    def figures(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        codes = ", ".join(f"{code} {n}" for code, n in self.outcomes.most_common())
        return (
            f"{self.transport}: calls={len(self.latencies)} "
            f"p50={statistics.median(ordered) * 1000:.1f}ms p99={p99 * 1000:.1f}ms "
            f"crashes={len(self.problems)} hangs={self.hangs} | {codes}"
        )


class Judge:
    """Checks one answer against the promises every answer keeps."""

    def __init__(self, tools: list[dict[str, Any]], tally: Tally) -> None:
        self.tally = tally
        self.outputs = {
            t["name"]: Draft202012Validator(t["outputSchema"]) for t in tools if t["outputSchema"]
        }

    def answer(self, call: FuzzCall, raw: bytes, message: dict[str, Any]) -> None:
        where = f"{call.tool}({_preview(call.arguments)})"
        if b"Traceback" in raw:
            self.tally.problems.append(f"traceback text answering {where}")
        if "error" in message:
            code = message["error"].get("code")
            self.tally.outcomes[f"jsonrpc {code}"] += 1
            if code == INTERNAL_ERROR_CODE:
                self.tally.problems.append(f"JSON-RPC internal error answering {where}")
            return
        result = message.get("result", {})
        structured = result.get("structuredContent") or {}
        if result.get("isError"):
            code = str(structured.get("error", "unstructured"))
            self.tally.outcomes[code] += 1
            if code in ("INTERNAL_ERROR", "unstructured"):
                self.tally.problems.append(f"{code} answering {where}")
            return
        self.tally.outcomes["ok"] += 1
        for error in self.outputs[call.tool].iter_errors(structured):
            self.tally.problems.append(f"{where}: output schema: {error.message[:200]}")

    def refused(self, call: FuzzCall, status: int, body: dict[str, Any]) -> None:
        """An HTTP answer that is not JSON-RPC (a body over the size limit)."""
        self.tally.outcomes[f"http {status} {body.get('error')}"] += 1
        if status != 413:
            where = f"{call.tool}({_preview(call.arguments)})"
            self.tally.problems.append(f"HTTP {status} answering {where}")


def _preview(arguments: Any) -> str:
    return json.dumps(arguments, ensure_ascii=True, allow_nan=True)[:120]
