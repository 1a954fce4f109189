"""Stripe's list endpoints: ``limit``, cursors and ``created`` filters over a newest-first list.

A cursor is a position, not a filter: ``starting_after=X`` returns what comes after X in the
full list (older), ``ending_before=X`` what comes before it (newer, the ``limit`` nearest to X,
still newest first). Parameters the fake does not implement are refused with Stripe's
"unknown parameter" error rather than silently ignored, so a caller never gets a quietly
different answer from the fake than from Stripe.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from fakes.stripe.errors import api_error
from fakes.stripe.state import order_key

Params = dict[str, list[str]]
Row = dict[str, Any]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_CREATED: dict[str, Callable[[int, int], bool]] = {
    "created": operator.eq,
    "created[gt]": operator.gt,
    "created[gte]": operator.ge,
    "created[lt]": operator.lt,
    "created[lte]": operator.le,
}
_KNOWN = frozenset({"limit", "starting_after", "ending_before", *_CREATED})


def one(params: Params, name: str) -> str | None:
    """The parameter's value (the last, if repeated), or None."""
    values = params.get(name)
    return values[-1] if values else None


def _integer(params: Params, name: str) -> int | None:
    value = one(params, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise api_error(
            400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=name
        ) from None


def list_page(
    rows: list[Row],
    params: Params,
    *,
    url: str,
    noun: str,
    matches: Callable[[Row], bool] | None = None,
) -> dict[str, Any]:
    """One page of *rows* (newest first) as a Stripe list object."""
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        supported = ", ".join(sorted(_KNOWN))
        raise api_error(
            400,
            f"Received unknown parameter: {unknown[0]} (the Stripe fake supports {supported}).",
            param=unknown[0],
        )
    limit = _limit(params)
    bounds = [(compare, _integer(params, name)) for name, compare in _CREATED.items()]
    selected = [
        row
        for row in rows
        if all(bound is None or compare(row["created"], bound) for compare, bound in bounds)
        and (matches is None or matches(row))
    ]
    after, before = one(params, "starting_after"), one(params, "ending_before")
    if after and before:
        raise api_error(
            400, "You may only specify one of these parameters: starting_after, ending_before."
        )
    if after:
        cursor = _cursor(rows, after, "starting_after", noun)
        selected = [row for row in selected if order_key(row) < cursor]
        data = selected[:limit]
    elif before:
        cursor = _cursor(rows, before, "ending_before", noun)
        selected = [row for row in selected if order_key(row) > cursor]
        data = selected[-limit:]
    else:
        data = selected[:limit]
    return {"object": "list", "url": url, "has_more": len(selected) > limit, "data": data}


def _limit(params: Params) -> int:
    limit = _integer(params, "limit")
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise api_error(400, "This value must be greater than or equal to 1.", param="limit")
    if limit > MAX_LIMIT:
        raise api_error(
            400, f"This value must be less than or equal to {MAX_LIMIT}.", param="limit"
        )
    return limit


def _cursor(rows: list[Row], id: str, param: str, noun: str) -> tuple[int, str]:
    for row in rows:
        if row["id"] == id:
            return order_key(row)
    raise api_error(400, f"No such {noun}: '{id}'", code="resource_missing", param=param)
