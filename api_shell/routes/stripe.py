"""``/integrations/stripe``: connect a Stripe account (OAuth), and see how the connection is."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import RedirectResponse, Response

from api_shell.operations import SEVERAL_BUSINESSES, Call, Negotiated, Operation
from api_shell.routes.dashboard import BusinessQuery
from api_shell.sessions import browser_navigation
from vaultra_mcp.errors import VaultraError
from vaultra_mcp.services import stripe_connect
from vaultra_mcp.services.stripe_connect import ConnectionStatus


class StripeCallback(BaseModel):
    model_config = ConfigDict(extra="ignore")

    state: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=2_048)
    error: str | None = Field(None, max_length=200)


async def connect(call: Call) -> Response:
    query: BusinessQuery = call.query
    url = await stripe_connect.start(call.deps, call.caller, query.business_id)
    return RedirectResponse(url, status_code=302)


async def callback(call: Call) -> ConnectionStatus | Response:
    """JSON for an API client; a browser goes back to the dashboard, which shows the result."""
    query: StripeCallback = call.query
    if not browser_navigation(call.request):
        return await stripe_connect.finish(call.deps, query.code, query.state, query.error)
    try:
        status = await stripe_connect.finish(call.deps, query.code, query.state, query.error)
    except VaultraError as exc:
        return RedirectResponse(f"/dashboard/?stripe_error={quote(exc.code)}", status_code=303)
    return RedirectResponse(
        f"/dashboard/?business={status.business_id}&stripe=connected", status_code=303
    )


async def connection_status(call: Call) -> ConnectionStatus:
    query: BusinessQuery = call.query
    return await stripe_connect.status(call.deps, call.caller, query.business_id)


OPERATIONS = [
    Operation(
        "GET",
        "/integrations/stripe/connect",
        connect,
        "Start connecting Stripe (redirects to Stripe, read-only access)",
        "stripe",
        query=BusinessQuery,
        status=302,
        errors={
            409: SEVERAL_BUSINESSES,
            503: "CONFIGURATION_ERROR: Stripe Connect is not configured",
        },
    ),
    Operation(
        "GET",
        "/integrations/stripe/callback",
        callback,
        "Where Stripe returns after the owner approves",
        "stripe",
        response=ConnectionStatus,
        query=StripeCallback,
        auth=False,
        negotiated=(
            Negotiated(
                "text/html",
                303,
                "A browser is sent back to the dashboard, which says whether Stripe is "
                "connected or names the error",
            ),
        ),
        errors={
            400: "INVALID_STATE: the state is unknown, expired or already used (start again); "
            "STRIPE_CONNECT_DECLINED: the owner did not approve; STRIPE_CONNECT_FAILED: Stripe "
            "refused the code",
            409: "STRIPE_ACCOUNT_IN_USE: that Stripe account is connected to another business",
            502: "Stripe did not answer",
            503: "CONFIGURATION_ERROR: Stripe rejected the platform key",
        },
    ),
    Operation(
        "GET",
        "/integrations/stripe/status",
        connection_status,
        "Whether Stripe is connected, and how the backfill is going",
        "stripe",
        response=ConnectionStatus,
        query=BusinessQuery,
    ),
]
