"""The official Stripe client, configured once: API and Connect bases (so tests and local runs
can point it at the fake Stripe API), the platform key, timeouts and the retry budget. Every
Stripe SDK call of the services goes through here, so services speak Vaultra's types and errors."""

from __future__ import annotations

import asyncio

import stripe
from pydantic import BaseModel

from vaultra_mcp.errors import ConfigurationError, InvalidInput, UpstreamUnavailable
from vaultra_mcp.settings import Settings


def platform_key(settings: Settings) -> str:
    key = settings.stripe.secret_key.get_secret_value() if settings.stripe.secret_key else ""
    if not key:
        raise ConfigurationError("Stripe is not configured: set STRIPE_SECRET_KEY.")
    return key


def stripe_client(settings: Settings, api_key: str | None = None) -> stripe.StripeClient:
    """A client acting as the platform, or as a connected account with its own ``api_key``."""
    return stripe.StripeClient(
        api_key or platform_key(settings),
        client_id=settings.stripe.connect_client_id,
        base_addresses={"api": settings.stripe.api_base, "connect": settings.stripe.connect_base},
        max_network_retries=settings.llm.provider_retries,
        http_client=stripe.RequestsClient(timeout=settings.llm.provider_timeout),
    )


def authorize_url(settings: Settings, *, scope: str, state: str, redirect_uri: str) -> str:
    """Where to send the owner to approve a Connect (OAuth) link."""
    return stripe_client(settings).oauth.authorize_url(
        {"scope": scope, "state": state, "redirect_uri": redirect_uri}
    )


class ConnectToken(BaseModel):
    stripe_user_id: str
    access_token: str
    scope: str | None = None
    livemode: bool = False


async def exchange_code(settings: Settings, code: str) -> ConnectToken:
    """Trade an authorization code for the connected account's token, in Vaultra's errors."""
    client = stripe_client(settings)
    params: stripe.OAuth.OAuthTokenParams = {"grant_type": "authorization_code", "code": code}
    try:
        answer = await asyncio.to_thread(client.oauth.token, params)
    except stripe.oauth_error.OAuthError as exc:
        raise InvalidInput(
            "Stripe refused the authorization code; it may have expired.",
            code="STRIPE_CONNECT_FAILED",
            next_step="Start the connection again.",
        ) from exc
    except stripe.AuthenticationError as exc:
        raise ConfigurationError("Stripe rejected the platform key (STRIPE_SECRET_KEY).") from exc
    except stripe.StripeError as exc:
        raise UpstreamUnavailable(f"Stripe is unavailable: {type(exc).__name__}") from exc
    return ConnectToken.model_validate(answer.to_dict())


def signed_by(payload: str, header: str, secret: str) -> bool:
    """Whether ``header`` (Stripe-Signature) signs ``payload`` with ``secret``; the timestamp's
    age is judged by the caller, so the tolerance is off here."""
    try:
        return bool(stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None))
    except stripe.SignatureVerificationError:
        return False
