"""The one error tree. Every boundary (MCP middleware, HTTP handler, CLI) translates it once.

VaultraError                 code            what the caller can do
├── InvalidInput             INVALID_ARGUMENT  fix the argument named in the message
├── NotFound                 *_NOT_FOUND       check the id (another tenant's id looks the same)
├── NeedsBusinessSelection   NEEDS_BUSINESS_SELECTION  pick one with list_businesses
├── PermissionDenied         PERMISSION_DENIED
├── Unauthenticated          UNAUTHENTICATED
├── Conflict                 CONFLICT
├── NotReady                 NOT_READY         wait for the next computation / connect data
├── RateLimited              RATE_LIMITED      retry after ``retry_after`` seconds
├── UpstreamUnavailable      *_UNAVAILABLE     a store or provider is down; retry later
│   ├── StoreUnavailable     STORE_UNAVAILABLE
│   └── LLMUnavailable       LLM_UNAVAILABLE   the chat model did not answer in time
└── ConfigurationError       CONFIGURATION_ERROR  fix the setting named; the process cannot run so
    └── NotConfigured        NOT_CONFIGURED    a setting points at something missing or unreadable
"""

from __future__ import annotations

from typing import Any


class VaultraError(Exception):
    """A failure the caller can understand and act on."""

    code = "VAULTRA_ERROR"
    next_step = ""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        next_step: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if next_step is not None:
            self.next_step = next_step
        self.details = details or {}


class InvalidInput(VaultraError):
    code = "INVALID_ARGUMENT"
    next_step = "Correct the argument and try again."


class NotFound(VaultraError):
    code = "NOT_FOUND"
    next_step = "Check the id; use list_businesses to see what you can access."


class NeedsBusinessSelection(VaultraError):
    code = "NEEDS_BUSINESS_SELECTION"
    next_step = "Call list_businesses and pass one of its ids as business_id."


class PermissionDenied(VaultraError):
    code = "PERMISSION_DENIED"
    next_step = "Ask an owner of the business for access."


class Unauthenticated(VaultraError):
    code = "UNAUTHENTICATED"
    next_step = "Sign in again or create a new access token with `vaultra token create`."


class Conflict(VaultraError):
    code = "CONFLICT"
    next_step = "Reload the resource and retry."


class NotReady(VaultraError):
    code = "NOT_READY"
    next_step = "Connect Stripe or wait for the next computation, then try again."


class RateLimited(VaultraError):
    code = "RATE_LIMITED"
    next_step = "Wait and try again."

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UpstreamUnavailable(VaultraError):
    code = "UPSTREAM_UNAVAILABLE"
    next_step = "A dependency is unavailable; try again in a minute."


class StoreUnavailable(UpstreamUnavailable):
    code = "STORE_UNAVAILABLE"
    next_step = "The database is unreachable; try again in a minute."
    # What an HTTP answer's Retry-After says: an outage is usually a restart or a failover,
    # so ask again soon rather than at once.
    retry_after = 5


class LLMUnavailable(UpstreamUnavailable):
    code = "LLM_UNAVAILABLE"
    next_step = "The assistant's language model did not answer; send the message again shortly."


class ConfigurationError(VaultraError):
    """The process cannot start or run as configured (bad URL, missing secret)."""

    code = "CONFIGURATION_ERROR"
    next_step = "Fix the configuration named in the message."


class NotConfigured(ConfigurationError):
    """A setting points at a file or directory that is missing or unreadable: the operator's
    to fix, never the caller's, so it names the setting."""

    code = "NOT_CONFIGURED"
    next_step = "Fix the setting named in the message; `vaultra doctor` shows what is in force."
