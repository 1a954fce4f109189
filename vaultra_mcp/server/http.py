"""The Streamable HTTP app behind a guard, so every request gets one clear answer.

- **Body size.** The body is read, up to ``VAULTRA_MAX_BODY_BYTES``, before the MCP app sees
  it: a larger one is a logged ``413 PAYLOAD_TOO_LARGE`` however it is sent (chunked too). A
  host's own size limit (the API shell's) fires during that read, outside the MCP app, whose
  last-resort error layer would otherwise turn it into a bare ``500 text/plain``.
- **Request ids.** In a stateful session the SDK keys each request's response stream by its
  id, so a second request reusing an id still in flight replaces the first one's stream and
  one of them never hears back. Such a request gets a JSON-RPC error (``-32600``) at once.
- **A store that is down** while a bearer token is checked is a ``503 STORE_UNAVAILABLE``
  with ``Retry-After``, as on the rest of the API, never a bare 500.
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from vaultra_mcp.errors import StoreUnavailable

log = logging.getLogger("vaultra.mcp")

SESSION_HEADER = b"mcp-session-id"
INVALID_REQUEST = -32600


class ClientGone(Exception):
    """The client disconnected before sending its whole body: nobody is left to answer."""


class McpHttpApp:
    """An ASGI app: the guard above, around FastMCP's Streamable HTTP app."""

    def __init__(self, inner: Starlette, *, max_body_bytes: int, stateful: bool) -> None:
        self.inner = inner
        self.max_body_bytes = max_body_bytes
        self.stateful = stateful
        self._in_flight: set[tuple[bytes, str]] = set()
        inner.add_exception_handler(Exception, server_error)

    def lifespan(self) -> AbstractAsyncContextManager[Any]:
        """The MCP app's lifespan, for a host that runs it inside its own."""
        return self.inner.router.lifespan_context(self.inner)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._guarded(scope, receive, send)
            return
        try:
            body = await self._body(scope, receive)
        except ClientGone:
            return
        if body is None:
            log.warning("MCP request body over %d bytes refused (413)", self.max_body_bytes)
            message = f"The request body is larger than {self.max_body_bytes:,} bytes."
            await _error(scope, 413, "PAYLOAD_TOO_LARGE", message)(scope, receive, send)
            return
        key = self._key(scope, body)
        if key is not None and key in self._in_flight:
            await _duplicate(body)(scope, receive, send)
            return
        if key is not None:
            self._in_flight.add(key)
        try:
            await self._guarded(scope, _replay(body, receive), send)
        finally:
            if key is not None:
                self._in_flight.discard(key)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The MCP app; a store failure it already answered (503) is logged, not raised."""
        try:
            await self.inner(scope, receive, send)
        except Exception as exc:
            from vaultra_mcp.db import store_down  # SQLAlchemy loads with the services

            if not store_down(exc):
                raise
            log.warning("MCP request refused, store unavailable: %s", type(exc).__name__)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None once it is over the limit (declared or streamed)."""
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _key(self, scope: Scope, body: bytes) -> tuple[bytes, str] | None:
        """(session, id) of a request in a stateful session; None when ids cannot collide."""
        session = dict(scope["headers"]).get(SESSION_HEADER)
        if not self.stateful or not session:
            return None
        request_id = _request_id(body)
        return None if request_id is None else (session, request_id)


def _request_id(body: bytes) -> str | None:
    """The id of a JSON-RPC request, as the SDK keys it (``str(id)``); None for anything else
    (the SDK answers malformed bodies itself)."""
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict) or "method" not in message or "id" not in message:
        return None
    return str(message["id"])


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the MCP app: the body already read, then whatever the client sends."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _error(scope: Scope, status: int, code: str, message: str) -> Response:
    """The API's error shape, with the host's request id when there is one."""
    body: dict[str, Any] = {"error": code, "message": message}
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    headers = {"Retry-After": str(StoreUnavailable.retry_after)} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _duplicate(body: bytes) -> Response:
    message = json.loads(body)
    return JSONResponse(
        {
            "jsonrpc": "2.0",
            "id": message["id"],
            "error": {
                "code": INVALID_REQUEST,
                "message": f"Request id {message['id']!r} is already in use by a request in "
                "flight in this session; give each request its own id.",
            },
        },
        status_code=400,
    )


async def server_error(request: Request, exc: Exception) -> Response:
    """The MCP app's last-resort answer: 503 when the store is down, else a masked 500."""
    from vaultra_mcp.db import store_down

    if store_down(exc):
        return _error(
            request.scope,
            503,
            "STORE_UNAVAILABLE",
            "The data store is not answering; try again in a minute.",
        )
    return _error(request.scope, 500, "INTERNAL_ERROR", "Something went wrong on our side.")
