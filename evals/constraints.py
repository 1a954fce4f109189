"""Argument and field constraints: literal, null (omitted), one_of, range, regex."""

from __future__ import annotations

import re
from typing import Any

MISSING = object()


def satisfies(value: Any, constraint: Any) -> bool:
    if constraint is None:
        return value is MISSING
    if value is MISSING:
        return False
    if isinstance(constraint, dict) and constraint.keys() <= {"one_of"} and constraint:
        return value in constraint["one_of"]
    if isinstance(constraint, dict) and "range" in constraint:
        low, high = constraint["range"]
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
        )
    if isinstance(constraint, dict) and "regex" in constraint:
        return isinstance(value, str) and re.search(constraint["regex"], value) is not None
    if isinstance(constraint, dict) and isinstance(value, dict):
        return all(satisfies(value.get(k, MISSING), c) for k, c in constraint.items())
    return bool(value == constraint)


def args_ok(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Every constrained key satisfied; keys not mentioned may be anything."""
    return all(satisfies(actual.get(key, MISSING), c) for key, c in expected.items())


def example(constraint: Any) -> Any:
    """A concrete value meeting ``constraint``, for replaying a call (``MISSING`` to omit)."""
    if constraint is None:
        return MISSING
    if isinstance(constraint, dict):
        if "one_of" in constraint:
            return constraint["one_of"][0]
        if "range" in constraint:
            return constraint["range"][0]
        if "regex" in constraint:
            return constraint.get("example", MISSING)
        return {k: v for k, c in constraint.items() if (v := example(c)) is not MISSING}
    return constraint


def replay_args(expected: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, c in expected.items() if (v := example(c)) is not MISSING}


def _rows(parent: dict[str, Any], name: str) -> Any:
    value, columns = parent[name], parent.get("columns")
    if (
        isinstance(columns, list)
        and isinstance(value, list)
        and all(isinstance(row, list) and len(row) == len(columns) for row in value)
    ):
        return [dict(zip(columns, row, strict=True)) for row in value]
    return value


PATH_PART = re.compile(r"([^.\[]+)|\[(\w+)=([^\]]+)\]|\[(\d+)\]")


def lookup(data: Any, path: str) -> Any:
    """``components[key=dispute_activity].points`` or ``passages[0].doc_id``. A table (rows
    beside a ``columns`` list) reads as one dict per row, so paths name columns."""
    current = data
    for name, key, wanted, index in PATH_PART.findall(path):
        if name:
            if not isinstance(current, dict) or name not in current:
                return MISSING
            current = _rows(current, name)
        elif key:
            if not isinstance(current, list):
                return MISSING
            current = next((i for i in current if str(i.get(key)) == wanted), MISSING)
        else:
            if not isinstance(current, list) or int(index) >= len(current):
                return MISSING
            current = current[int(index)]
        if current is MISSING:
            return MISSING
    return current
