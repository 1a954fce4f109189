"""The v1 endpoints: the lists a backfill and an incremental sync read, and the account."""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from starlette.responses import JSONResponse, Response

from fakes.stripe.auth import caller
from fakes.stripe.listing import list_page, one
from fakes.stripe.state import FakeStripe, RecordedRequest

Handler = Callable[[FakeStripe, RecordedRequest], Response]

#: ``types`` as the official library encodes a list (``types[0]=...``) or as ``types[]``.
_TYPES = re.compile(r"types\[\d*\]")


def list_of(name: str, noun: str) -> Handler:
    """``GET /v1/<name>``: the caller's objects; the platform's own account has none."""

    def handler(state: FakeStripe, call: RecordedRequest) -> Response:
        account = caller(state, call)
        rows = account.lists[name] if account else []
        return JSONResponse(list_page(rows, call.query, url=f"/v1/{name}", noun=noun))

    return handler


def list_events(state: FakeStripe, call: RecordedRequest) -> Response:
    """``GET /v1/events``, also filtered by ``type`` (``*`` wildcards) or ``types`` (exact)."""
    account = caller(state, call)
    pattern = one(call.query, "type")
    types = {
        value for key, values in call.query.items() if _TYPES.fullmatch(key) for value in values
    }
    rest = {k: v for k, v in call.query.items() if k != "type" and not _TYPES.fullmatch(k)}

    def matches(event: dict[str, Any]) -> bool:
        kind: str = event["type"]
        return (pattern is None or fnmatchcase(kind, pattern)) and (not types or kind in types)

    rows = account.lists["events"] if account else []
    page = list_page(rows, rest, url="/v1/events", noun="event", matches=matches)
    return JSONResponse(page)


def current_account(state: FakeStripe, call: RecordedRequest) -> Response:
    """``GET /v1/account``: the connected account acted for, or the platform's own."""
    account = caller(state, call)
    if account is not None:
        return JSONResponse(account.as_object())
    return JSONResponse({"id": state.platform_account_id, "object": "account", "type": "standard"})
