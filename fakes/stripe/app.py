"""The Starlette app of the Stripe fake.

Every request, whatever its path, is recorded, then delayed or failed if the state says so,
then routed; a path the fake does not serve gets Stripe's "Unrecognized request URL" 404, so
a caller straying outside what the fake imitates finds out at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakes.stripe import oauth
from fakes.stripe.api import (
    Handler,
    current_account,
    list_events,
    list_of,
)
from fakes.stripe.errors import StripeFakeError, api_error, injected_failure
from fakes.stripe.state import FakeStripe, RecordedRequest

_POLL_SECONDS = 0.02
_ANY_METHOD = ["GET", "POST", "DELETE", "PUT", "PATCH"]
_FORM = "application/x-www-form-urlencoded"


def build_app(state: FakeStripe) -> Starlette:
    """The fake's ASGI app over *state*; serve it with ``serve_stripe_fake``."""

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, _endpoint(state, handler), methods=methods)

    return Starlette(
        routes=[
            route("/v1/charges", list_of("charges", "charge"), ["GET"]),
            route("/v1/refunds", list_of("refunds", "refund"), ["GET"]),
            route("/v1/disputes", list_of("disputes", "dispute"), ["GET"]),
            route("/v1/payouts", list_of("payouts", "payout"), ["GET"]),
            route("/v1/events", list_events, ["GET"]),
            route("/v1/account", current_account, ["GET"]),
            route("/oauth/authorize", oauth.authorize, ["GET"]),
            route("/oauth/token", oauth.token, ["POST"]),
            route("/oauth/deauthorize", oauth.deauthorize, ["POST"]),
            route("/{path:path}", _unrecognized, _ANY_METHOD),
        ]
    )


def _endpoint(state: FakeStripe, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        call = await _record(state, request)
        try:
            await _inject_failures(state, request)
            return handler(state, call)
        except StripeFakeError as error:
            return error.response()

    return endpoint


async def _record(state: FakeStripe, request: Request) -> RecordedRequest:
    """Read the whole body first: the disconnect polling below would otherwise swallow it."""
    body = await request.body()
    is_form = request.headers.get("content-type", "").startswith(_FORM)
    call = RecordedRequest(
        method=request.method,
        path=request.url.path,
        query=parse_qs(request.url.query, keep_blank_values=True),
        form=parse_qs(body.decode(errors="replace"), keep_blank_values=True) if is_form else {},
        headers=dict(request.headers),
    )
    state.requests.append(call)
    return call


async def _inject_failures(state: FakeStripe, request: Request) -> None:
    if state.delay_seconds > 0:
        await _sleep_unless_disconnected(request, state.delay_seconds)
    if state.fail_next:
        raise injected_failure(state.fail_next.pop(0), state.retry_after)
    every = state.rate_limit_every
    if every and len(state.requests) % every == 0:
        raise injected_failure(429, state.retry_after)


async def _sleep_unless_disconnected(request: Request, seconds: float) -> None:
    """Sleep, but stop once the client hangs up (as it does after its own timeout)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(_POLL_SECONDS, remaining))


def _unrecognized(state: FakeStripe, call: RecordedRequest) -> Response:
    raise api_error(
        404,
        f"Unrecognized request URL ({call.method}: {call.path}). The Stripe fake serves only "
        "GET /v1/{charges,refunds,disputes,payouts,events,account} and /oauth/{authorize,"
        "token,deauthorize}.",
    )
