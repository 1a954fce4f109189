"""/integrations/stripe: the Connect OAuth round trip against the fake Stripe API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.api.conftest import DEVON, MAYA, _api_deps, bearer, count, serve
from tests.factories import AS_OF
from vaultra_mcp.models import IntegrationAccount, OAuthState
from vaultra_mcp.services.secret_box import decrypt


@pytest.fixture
def stripe_fake() -> Iterator[tuple[str, FakeStripe]]:
    state = FakeStripe()
    state.add_account("acct_devonshop", "steady_saas", as_of=AS_OF, connected=False)
    state.add_account("acct_secondone", "steady_saas", as_of=AS_OF, connected=False)
    with serve_stripe_fake(state) as url:
        yield url, state


@pytest.fixture
async def connect_deps(demo_database_url, stripe_fake):
    url, state = stripe_fake
    async for deps in _api_deps(
        demo_database_url,
        stripe={
            "api_base": url,
            "connect_base": url,
            "secret_key": state.secret_key,
            "connect_client_id": state.client_id,
        },
        llm={"provider_retries": 0},
    ):
        yield deps


@pytest.fixture
async def connect_api(connect_deps) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(connect_deps):
        yield client


async def begin(api, deps, user=DEVON, **params) -> str:
    response = await api.get(
        "/api/v1/integrations/stripe/connect", params=params, headers=bearer(deps, user)
    )
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def approve_on_stripe(authorize_url: str) -> str:
    """What the owner's browser does at Stripe: approve, and get sent back with a code."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(authorize_url)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


async def test_connect_sends_the_owner_to_stripe_for_read_only_access(
    connect_api, connect_deps, stripe_fake
):
    location = urlsplit(await begin(connect_api, connect_deps))
    query = parse_qs(location.query)

    assert f"{location.scheme}://{location.netloc}" == stripe_fake[0]
    assert location.path == "/oauth/authorize"
    assert query["scope"] == ["read_only"] and query["response_type"] == ["code"]
    assert query["client_id"] == [stripe_fake[1].client_id]
    assert query["redirect_uri"] == ["http://testserver/api/v1/integrations/stripe/callback"]
    assert len(query["state"][0]) >= 40


async def test_the_callback_connects_the_account_with_its_token_encrypted(
    connect_api, connect_deps, stripe_fake
):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps))

    connected = await connect_api.get(callback)
    status = await connect_api.get(
        "/api/v1/integrations/stripe/status", headers=bearer(connect_deps, DEVON)
    )

    assert connected.status_code == 200, connected.text
    assert (
        connected.json()["account_id"] == "acct_devonshop" and connected.json()["business_id"] == 3
    )
    assert status.json()["connected"] is True and status.json()["backfill"] == "pending"
    async with connect_deps.db.sessions() as session:
        row = (await session.execute(select(IntegrationAccount))).scalar_one()
    token = stripe_fake[1].accounts["acct_devonshop"].access_token
    assert token not in row.access_token_encrypted
    assert decrypt(connect_deps.settings, row.access_token_encrypted) == token


async def test_a_state_works_once(connect_api, connect_deps):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps))
    await connect_api.get(callback)

    again = await connect_api.get(callback)

    assert again.status_code == 400 and again.json()["error"] == "INVALID_STATE"


async def test_a_state_older_than_ten_minutes_is_refused(connect_api, connect_deps):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps))
    connect_deps.clock.moment += timedelta(minutes=11)

    response = await connect_api.get(callback)

    assert response.status_code == 400 and response.json()["error"] == "INVALID_STATE"
    assert await count(connect_deps, IntegrationAccount) == 0


async def test_a_forged_state_connects_nothing(connect_api, connect_deps):
    response = await connect_api.get(
        "/api/v1/integrations/stripe/callback", params={"code": "ac_x", "state": "forged" * 8}
    )

    assert response.status_code == 400
    assert await count(connect_deps, IntegrationAccount) == 0


async def test_declining_on_stripe_connects_nothing(connect_api, connect_deps):
    state = parse_qs(urlsplit(await begin(connect_api, connect_deps)).query)["state"][0]

    response = await connect_api.get(
        "/api/v1/integrations/stripe/callback",
        params={"state": state, "error": "access_denied", "error_description": "The user denied"},
    )

    assert response.status_code == 400 and response.json()["error"] == "STRIPE_CONNECT_DECLINED"
    assert await count(connect_deps, IntegrationAccount) == 0


async def test_a_code_stripe_rejects_connects_nothing(connect_api, connect_deps):
    state = parse_qs(urlsplit(await begin(connect_api, connect_deps)).query)["state"][0]

    response = await connect_api.get(
        "/api/v1/integrations/stripe/callback", params={"state": state, "code": "ac_madeup"}
    )

    assert response.status_code == 400 and response.json()["error"] == "STRIPE_CONNECT_FAILED"
    assert await count(connect_deps, IntegrationAccount) == 0


async def test_stripe_being_down_is_a_502_that_connects_nothing(
    connect_api, connect_deps, stripe_fake
):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps))
    stripe_fake[1].fail_next = [500]

    response = await connect_api.get(callback)

    assert response.status_code == 502
    assert await count(connect_deps, IntegrationAccount) == 0


async def test_another_tenants_business_cannot_be_connected(connect_api, connect_deps):
    response = await connect_api.get(
        "/api/v1/integrations/stripe/connect",
        params={"business_id": 1},
        headers=bearer(connect_deps, DEVON),
    )

    assert response.status_code == 404
    assert await count(connect_deps, OAuthState) == 0


async def test_the_state_binds_the_business_chosen_at_the_start(connect_api, connect_deps):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps, MAYA, business_id=2))

    await connect_api.get(callback)

    async with connect_deps.db.sessions() as session:
        row = (await session.execute(select(IntegrationAccount))).scalar_one()
    assert row.business_id == 2


async def test_one_stripe_account_cannot_feed_two_businesses(
    connect_api, connect_deps, stripe_fake
):
    await connect_api.get(await approve_on_stripe(await begin(connect_api, connect_deps)))
    stripe_fake[1].accounts["acct_devonshop"].connected = False  # Stripe lets it be granted again
    stripe_fake[1].accounts["acct_secondone"].connected = True

    second = await connect_api.get(
        await approve_on_stripe(await begin(connect_api, connect_deps, MAYA, business_id=1))
    )

    assert second.status_code == 409 and second.json()["error"] == "STRIPE_ACCOUNT_IN_USE"
    assert (
        await count(connect_deps, IntegrationAccount, col(IntegrationAccount.business_id) == 1) == 0
    )


async def test_status_before_connecting_says_not_connected(connect_api, connect_deps):
    response = await connect_api.get(
        "/api/v1/integrations/stripe/status", headers=bearer(connect_deps, DEVON)
    )

    assert response.json() == {
        "business_id": 3,
        "connected": False,
        "account_id": None,
        "status": "not_connected",
        "livemode": None,
        "connected_at": None,
        "last_synced_at": None,
        "backfill": None,
        "last_error": None,
    }


async def test_a_browser_back_from_stripe_lands_on_the_dashboard_of_that_business(
    connect_api, connect_deps
):
    callback = await approve_on_stripe(await begin(connect_api, connect_deps))

    response = await connect_api.get(callback, headers={"Accept": "text/html"})

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/?business=3&stripe=connected"
    assert await count(connect_deps, IntegrationAccount) == 1


async def test_a_browser_with_a_forged_state_is_told_on_the_dashboard_and_nothing_connects(
    connect_api, connect_deps
):
    response = await connect_api.get(
        "/api/v1/integrations/stripe/callback?state=forged&code=ac_x",
        headers={"Accept": "text/html"},
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/?stripe_error=")
    assert await count(connect_deps, IntegrationAccount) == 0
