"""Errors in Stripe's two wire shapes, raised anywhere in a handler and rendered by the app.

The API answers ``{"error": {"type", "message", "code"?, "param"?}}`` and the official library
picks its exception from the status code (401 AuthenticationError, 403 PermissionError, 429
RateLimitError, ...). Connect OAuth answers ``{"error": "<code>", "error_description": ...}``
and the library picks its exception from that string (``invalid_grant`` -> InvalidGrantError).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

_DOCS = "https://stripe.com/docs/error-codes/"


class StripeFakeError(Exception):
    """A non-2xx answer: status, JSON body and any headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def api_error(
    status: int,
    message: str,
    *,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> StripeFakeError:
    """An API error; ``code`` and ``param`` are present only when Stripe would send them."""
    error: dict[str, Any] = {"type": kind, "message": message}
    if code is not None:
        error["code"] = code
        error["doc_url"] = _DOCS + code.replace("_", "-")
    if param is not None:
        error["param"] = param
    return StripeFakeError(status, {"error": error}, headers)


def oauth_error(status: int, error: str, description: str) -> StripeFakeError:
    return StripeFakeError(status, {"error": error, "error_description": description})


def injected_failure(status: int, retry_after: int | None = None) -> StripeFakeError:
    """The answer to a request picked by ``fail_next`` or ``rate_limit_every``.

    A 429 carries ``Stripe-Should-Retry: true``, the header the official library obeys (it
    ignores ``Retry-After`` and sleeps its own backoff, at least 0.5 s), and ``Retry-After``
    when ``retry_after`` is set; 5xx answers carry no retry header, so the library retries them
    only because of their status.
    """
    if status == 429:
        headers = {"Stripe-Should-Retry": "true"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return api_error(
            429,
            "Request rate limit exceeded. Learn more about rate limits here "
            "https://stripe.com/docs/rate-limits. (Injected by the Stripe fake.)",
            code="rate_limit",
            headers=headers,
        )
    if status >= 500:
        return api_error(
            status,
            "Something went wrong on Stripe's end. (Injected by the Stripe fake.)",
            kind="api_error",
        )
    return api_error(status, f"Injected failure {status}. (Injected by the Stripe fake.)")


def redact(key: str) -> str:
    """A key as Stripe quotes it in errors: its prefix and last four characters."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]
