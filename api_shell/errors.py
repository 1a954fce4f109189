"""One error shape for every failure: ``{error, message, details?, request_id}``.

Domain errors map to a status by class. Anything unexpected becomes a 500 in
``middleware.RequestContextMiddleware``: the body says only that something failed and which
request it was, while the log keeps the traceback under that id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vaultra_mcp.errors import (
    ConfigurationError,
    Conflict,
    InvalidInput,
    NeedsBusinessSelection,
    NotFound,
    NotReady,
    PermissionDenied,
    RateLimited,
    StoreUnavailable,
    Unauthenticated,
    UpstreamUnavailable,
    VaultraError,
)

log = logging.getLogger("vaultra.api")

STATUS_BY_ERROR: tuple[tuple[type[VaultraError], int], ...] = (
    (NeedsBusinessSelection, 409),
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (NotReady, 409),
    (RateLimited, 429),
    (StoreUnavailable, 503),
    (UpstreamUnavailable, 502),
    (ConfigurationError, 503),
)
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
}


class ErrorBody(BaseModel):
    error: str
    message: str
    details: dict[str, Any] | None = None
    request_id: str


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = ErrorBody(
        error=code, message=message, details=details or None, request_id=request_id_of(request)
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def status_of(exc: VaultraError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(exc, kind)), 400)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VaultraError)
    status = status_of(exc)
    headers = {}
    if isinstance(exc, RateLimited | StoreUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="vaultra"'
    if status >= 500:
        log.warning("request %s failed: %s", request_id_of(request), exc.message)
    return error_response(request, status, exc.code, exc.message, exc.details, headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
    return error_response(request, exc.status_code, code, str(exc.detail), headers=exc.headers)


EXCEPTION_HANDLERS = {VaultraError: domain_error, HTTPException: http_error}
