"""Reading JSON from outside: one parser for every body we are sent (REST and webhooks), so the
same bytes get the same clear refusal wherever they arrive, and never a 500.

What we accept is RFC 8259 JSON as systems exchange it: UTF-8 (strictly: no encoded
surrogates), finite numbers (``NaN`` and ``Infinity`` are not JSON, and ``1e400`` would
overflow to infinity), text we can store (``core.text``), and at most ``MAX_DEPTH`` levels of
nesting. No body we take needs more than a handful of levels (a Stripe event about eight);
deeper ones only exhaust the recursion of the parsers and walkers downstream
(https://www.rfc-editor.org/rfc/rfc8259#section-9 lets a parser set that limit).
"""

from __future__ import annotations

import json
import math
from typing import Any

from vaultra_mcp.core.text import storable

MAX_DEPTH = 64
MALFORMED_JSON = "MALFORMED_JSON"
MALFORMED_TEXT = "MALFORMED_TEXT"


class UnreadableJson(ValueError):
    """Bytes we will not read as JSON; ``code`` says which rule they broke."""

    def __init__(self, message: str, code: str = MALFORMED_JSON) -> None:
        super().__init__(message)
        self.code = code


def parse_json(raw: bytes | str) -> Any:
    """The value in ``raw``, or ``UnreadableJson`` naming what is wrong with it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableJson("The body is not valid UTF-8.", MALFORMED_TEXT) from None
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except UnreadableJson:
        raise
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise UnreadableJson("The body is not valid JSON.") from None
    check_value(value)
    return value


def check_value(value: Any) -> None:
    """``UnreadableJson`` if ``value`` (parsed JSON) nests too deep or holds text that cannot
    be stored. Walks with its own stack, so no depth can overflow Python's."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and not storable(item):
            raise UnreadableJson(
                "Text must not contain NUL characters or unpaired surrogates.", MALFORMED_TEXT
            )


def _too_deep() -> UnreadableJson:
    return UnreadableJson(f"The JSON is nested more than {MAX_DEPTH} levels deep.")


def _no_constant(name: str) -> Any:
    raise UnreadableJson(f"{name} is not a JSON number; numbers must be finite.")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnreadableJson(f"{text[:20]} is too large a number; numbers must be finite.")
    return number
