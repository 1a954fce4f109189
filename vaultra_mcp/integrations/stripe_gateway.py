"""Reading a connected account's Stripe history, through the official ``stripe`` library.

``StripeGateway`` is the one seam between the sync and Stripe: a page of a list endpoint at a
time, so the sync can commit each page with its cursor. ``StripeApiGateway`` is the real one:
the platform key with ``Stripe-Account`` when the platform key is configured (Connect's way for
Standard accounts), else the account's own read-only token; ``STRIPE_API_BASE`` decides where it
goes (Stripe, or the fake). The library's own retries are off: the sync owns the retry budget.
Failures are sorted into what to wait out (``StripeThrottled``), what to give up on at once
(``StripeAccessRevoked``) and anything else (``StripeUnavailable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import stripe

from vaultra_mcp.errors import UpstreamUnavailable
from vaultra_mcp.settings import Settings

Resource = Literal["charges", "refunds", "disputes", "payouts", "events"]
PAGE_SIZE = 100


class StripeUnavailable(UpstreamUnavailable):
    code = "STRIPE_UNAVAILABLE"


class StripeThrottled(StripeUnavailable):
    """Rate limited, or a 5xx or timeout Stripe says may be retried; ``retry_after`` is the
    wait Stripe asked for (its ``Retry-After``), when it asked."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StripeAccessRevoked(StripeUnavailable):
    """The account's access is gone (deauthorized, token revoked): retrying cannot help."""

    code = "STRIPE_ACCESS_REVOKED"


@dataclass(frozen=True, slots=True)
class ConnectedAccount:
    account_id: str
    access_token: str | None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    has_more: bool


class StripeGateway(Protocol):
    async def page(
        self,
        account: ConnectedAccount,
        resource: Resource,
        *,
        starting_after: str | None = None,
        created_gte: int | None = None,
        types: Sequence[str] = (),
    ) -> Page: ...

    async def close(self) -> None: ...


class StripeApiGateway:
    def __init__(self, settings: Settings) -> None:
        platform = settings.stripe.secret_key
        self.platform_key = platform.get_secret_value() if platform else ""
        self.base = settings.stripe.api_base
        self.http = stripe.HTTPXClient(timeout=settings.llm.provider_timeout)

    async def page(
        self,
        account: ConnectedAccount,
        resource: Resource,
        *,
        starting_after: str | None = None,
        created_gte: int | None = None,
        types: Sequence[str] = (),
    ) -> Page:
        client, options = self._client(account)
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if starting_after:
            params["starting_after"] = starting_after
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        if types:
            params["types"] = list(types)
        service = getattr(client.v1, resource)
        try:
            listed = await service.list_async(params, options)
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise StripeAccessRevoked(
                f"Stripe refused access to {account.account_id}: {_reason(exc)}"
            ) from exc
        except stripe.RateLimitError as exc:
            raise StripeThrottled(
                f"Stripe rate limited the sync: {_reason(exc)}", _retry_after(exc)
            ) from exc
        except (stripe.APIConnectionError, stripe.APIError) as exc:
            if _retryable(exc):
                raise StripeThrottled(
                    f"Stripe is failing: {_reason(exc)}", _retry_after(exc)
                ) from exc
            raise StripeUnavailable(f"Stripe answered with an error: {_reason(exc)}") from exc
        except stripe.StripeError as exc:
            raise StripeUnavailable(f"Stripe answered with an error: {_reason(exc)}") from exc
        return Page([item.to_dict() for item in listed.data], bool(listed.has_more))

    def _client(self, account: ConnectedAccount) -> tuple[stripe.StripeClient, dict[str, Any]]:
        if self.platform_key:
            key, options = self.platform_key, {"stripe_account": account.account_id}
        elif account.access_token:
            key, options = account.access_token, {}
        else:
            raise StripeAccessRevoked(f"No credential for {account.account_id}; reconnect it.")
        client = stripe.StripeClient(
            key, base_addresses={"api": self.base}, max_network_retries=0, http_client=self.http
        )
        return client, options

    async def close(self) -> None:
        await self.http.close_async()  # type: ignore[no-untyped-call]  # stripe leaves it bare


def _retryable(exc: stripe.StripeError) -> bool:
    """Stripe's own verdict when it gives one (``Stripe-Should-Retry``), else: connection
    failures and 5xx are worth another try."""
    headers = {str(k).lower(): v for k, v in (exc.headers or {}).items()}
    verdict = headers.get("stripe-should-retry")
    if verdict is not None:
        return str(verdict).lower() == "true"
    return isinstance(exc, stripe.APIConnectionError) or (exc.http_status or 0) >= 500


def _retry_after(exc: stripe.StripeError) -> float | None:
    """``Retry-After`` in seconds (RFC 9110 also allows a date; Stripe sends seconds), capped
    at an hour so a broken header cannot stall a run for longer than that."""
    headers = {str(k).lower(): v for k, v in (exc.headers or {}).items()}
    try:
        seconds = float(str(headers.get("retry-after", "")).strip())
    except ValueError:
        return None
    return min(seconds, 3_600.0) if seconds >= 0 else None


def _reason(exc: stripe.StripeError) -> str:
    error = exc.error
    code = getattr(error, "code", None) if error is not None else None
    status = exc.http_status
    return (
        f"{type(exc).__name__}" + (f" {status}" if status else "") + (f" ({code})" if code else "")
    )
