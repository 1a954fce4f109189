"""The fake Stripe API inside ``vaultra serve`` when ``VAULTRA_STRIPE_FAKE=1`` (never in
production): every demo profile becomes an account waiting to be connected, and the settings
point Stripe Connect and the sync at the fake, so "connect Stripe" works locally, offline."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from fakes.stripe.serve import serve_stripe_fake
from fakes.stripe.state import FakeStripe
from vaultra_mcp.demo.profiles import PROFILES
from vaultra_mcp.loopback import BackgroundServer
from vaultra_mcp.settings import Settings

CALLBACK = "/api/v1/integrations/stripe/callback"


def start_local_fake(settings: Settings) -> tuple[Settings, BackgroundServer, FakeStripe]:
    """The running fake, and the settings that use it."""
    state = FakeStripe(redirect_uri=settings.http.public_url.rstrip("/") + CALLBACK)
    now = datetime.now(UTC)
    for profile in PROFILES:
        state.add_account(
            "acct_" + profile.key.replace("_", ""), profile.key, as_of=now, connected=False
        )
    server = serve_stripe_fake(state)
    url = server.start()
    local = settings.changed(
        stripe={
            "api_base": url,
            "connect_base": url,
            "secret_key": SecretStr(state.secret_key),
            "connect_client_id": state.client_id,
        }
    )
    return local, server, state
