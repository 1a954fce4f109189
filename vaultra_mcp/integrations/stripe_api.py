"""The official Stripe client, configured once: API and Connect bases (so tests and local runs
can point it at the fake Stripe API), the platform key, timeouts and the retry budget."""

from __future__ import annotations

import stripe

from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.settings import Settings


def platform_key(settings: Settings) -> str:
    key = settings.stripe_secret_key.get_secret_value() if settings.stripe_secret_key else ""
    if not key:
        raise ConfigurationError("Stripe is not configured: set STRIPE_SECRET_KEY.")
    return key


def stripe_client(settings: Settings, api_key: str | None = None) -> stripe.StripeClient:
    """A client acting as the platform, or as a connected account with its own ``api_key``."""
    return stripe.StripeClient(
        api_key or platform_key(settings),
        client_id=settings.stripe_connect_client_id,
        base_addresses={"api": settings.stripe_api_base, "connect": settings.stripe_connect_base},
        max_network_retries=settings.provider_max_retries,
        http_client=stripe.RequestsClient(timeout=settings.provider_timeout_seconds),
    )
