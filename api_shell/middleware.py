"""Per-request plumbing as plain ASGI: a request id, a body size limit, and a last-resort 500.

The request id (``X-Request-ID`` if the client sent a sane one) is on the response, in every
error body and in every log line written while the request runs. The size limit refuses a
declared ``Content-Length`` up front and stops a body that grows past it while being read.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_shell.errors import error_response
from vaultra_mcp.db import store_down
from vaultra_mcp.errors import StoreUnavailable
from vaultra_mcp.logs import REQUEST_ID

SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("vaultra.api")


class BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if SANE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        request = Request(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise BodyTooLarge
            await self.app(scope, self._limited(receive), send_with_id)
        except BodyTooLarge:
            log.warning("request %s: body over %d bytes refused", request_id, self.max_body_bytes)
            if not started:
                response = error_response(
                    request,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"The request body is larger than {self.max_body_bytes:,} bytes.",
                )
                await response(scope, receive, send_with_id)
        except Exception as exc:
            if store_down(exc):
                log.warning("request %s: store unavailable: %s", request_id, type(exc).__name__)
                status, code, message = (
                    503,
                    "STORE_UNAVAILABLE",
                    "The data store is not answering; try again in a minute.",
                )
            else:
                log.exception("request %s failed unexpectedly", request_id)
                status, code, message = (
                    500,
                    "INTERNAL_ERROR",
                    "Something went wrong on our side; it has been logged.",
                )
            if not started:
                retry = (
                    {"Retry-After": str(StoreUnavailable.retry_after)} if status == 503 else None
                )
                response = error_response(request, status, code, message, headers=retry)
                await response(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        return limited
