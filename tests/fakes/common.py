"""Request recording and failure injection shared by every fake.

Each fake's state derives from ``FakeState``; each route first calls ``intercept`` so
that recording, latency, outages and injected status codes behave identically across
the OpenAI, Ollama and Pinecone fakes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.embedding import DEFAULT_DIMENSIONS

#: Builds a fake-specific error response from a status code and a message.
ErrorFactory = Callable[[int, str], Response]

_THROTTLE_STATUSES = frozenset({429, 503})
_POLL = 0.02


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeState:
    """What a test configures on, and reads back from, a fake.

    ``fail_next``: status codes answered to the next requests, one per request.
    ``delay_seconds``: latency added before every response (for timeout tests).
    ``retry_after``: seconds advertised in ``retry-after`` on 429 and 503 answers;
    small by default so retrying clients stay fast.
    ``down``: answer 503 to every request.
    """

    requests: list[RecordedRequest] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    retry_after: float = 0.01
    down: bool = False

    def bodies(self, path: str) -> list[Any]:
        """The bodies of the recorded requests to *path*, oldest first."""
        return [r.body for r in self.requests if r.path == path]


async def read_json(request: Request) -> Any:
    """The request's JSON body, or None when it has none (or it is not JSON)."""
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


async def _sleep_unless_disconnected(request: Request, seconds: float) -> None:
    """Sleep, but stop early once the client hangs up (as after its own timeout)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(_POLL, remaining))


def throttle_headers(status: int, state: FakeState) -> dict[str, str]:
    """A ``retry-after`` header for statuses that clients retry after waiting."""
    return {"retry-after": f"{state.retry_after:g}"} if status in _THROTTLE_STATUSES else {}


async def intercept(
    request: Request, state: FakeState, error: ErrorFactory
) -> tuple[Any, Response | None]:
    """Record *request*, apply latency, then any outage or injected failure.

    Returns the parsed JSON body and, when the request must fail, the response to send.
    """
    body = await read_json(request)
    state.requests.append(
        RecordedRequest(
            method=request.method,
            path=request.url.path,
            headers=dict(request.headers),
            query={key: request.query_params.getlist(key) for key in request.query_params},
            body=body,
        )
    )
    if state.delay_seconds > 0:
        await _sleep_unless_disconnected(request, state.delay_seconds)
    if state.down:
        status, message = 503, "the fake is down (state.down)"
    elif state.fail_next:
        status = state.fail_next.pop(0)
        message = f"injected failure {status} (state.fail_next)"
    else:
        return body, None
    failure = error(status, message)
    failure.headers.update(throttle_headers(status, state))
    return body, failure


@dataclass
class ScriptedState(FakeState):
    """State of a model fake: chat answers are taken, in order, from ``script``.

    A script item is either an assistant message (the fake's own wire format) or an
    error spec ``{"status": 500, "body": {...}}`` built by ``script_error``.
    ``responder``, when set, answers every chat request the script does not: it gets the
    request body and returns the assistant message, so a whole eval suite can run against
    the fake with a stand-in model behind it.
    ``dimensions`` is the embedding width used when a request does not ask for one.
    """

    script: list[dict[str, Any]] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None = None
    dimensions: int = DEFAULT_DIMENSIONS


def script_error(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A script item answering *status*; *body* None means the fake's usual error body."""
    return {"status": status, "body": body, "headers": dict(headers or {})}


async def next_reply(
    state: ScriptedState, body: dict[str, Any], error: ErrorFactory
) -> tuple[dict[str, Any] | None, Response | None]:
    """The next scripted item, or the responder's answer once the script is used up."""
    if not state.script and state.responder is not None:
        return await state.responder(body), None
    return next_scripted(state, error)


def next_scripted(
    state: ScriptedState, error: ErrorFactory
) -> tuple[dict[str, Any] | None, Response | None]:
    """Pop the next script item: (message, None), or (None, response) for an error.

    An exhausted script is a test bug, answered with a 500 that clients must not retry.
    """
    if not state.script:
        failure = error(500, "fake script exhausted: the test scripted too few answers")
        failure.headers["x-should-retry"] = "false"
        return None, failure
    item = state.script.pop(0)
    if "status" not in item:
        return item, None
    status = int(item["status"])
    if item.get("body") is None:
        failure = error(status, f"scripted failure {status}")
    else:
        failure = JSONResponse(item["body"], status_code=status)
    failure.headers.update(throttle_headers(status, state))
    failure.headers.update(item.get("headers") or {})
    return None, failure
