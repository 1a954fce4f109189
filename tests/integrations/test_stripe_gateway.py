"""StripeApiGateway over the official client: pages, credentials, and failures sorted by what
the sync should do about them."""

from collections.abc import Iterator

import pytest

from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.factories import AS_OF, settings_for
from vaultra_mcp.integrations.stripe_gateway import (
    ConnectedAccount,
    StripeAccessRevoked,
    StripeApiGateway,
    StripeThrottled,
    StripeUnavailable,
)

ACCOUNT = "acct_gatewaytest"


@pytest.fixture
def fake() -> Iterator[tuple[str, FakeStripe]]:
    state = FakeStripe()
    state.add_account(ACCOUNT, "young_startup", as_of=AS_OF, access_token="sk_test_account_own")
    with serve_stripe_fake(state) as url:
        yield url, state


@pytest.fixture
async def gateway(fake):
    url, state = fake
    gateway = StripeApiGateway(
        settings_for(
            "sqlite+aiosqlite:///unused.db",
            stripe={"api_base": url, "secret_key": state.secret_key},
            llm={"provider_timeout": 0.5},
        )
    )
    yield gateway
    await gateway.close()


async def test_pages_follow_stripes_cursor_newest_first(gateway, fake):
    first = await gateway.page(ConnectedAccount(ACCOUNT, None), "charges", created_gte=0)
    second = await gateway.page(
        ConnectedAccount(ACCOUNT, None),
        "charges",
        starting_after=first.items[-1]["id"],
        created_gte=0,
    )

    listed = [c["id"] for c in fake[1].accounts[ACCOUNT].lists["charges"]]
    assert [c["id"] for c in first.items + second.items] == listed[:200]
    assert first.has_more


async def test_without_a_platform_key_the_accounts_own_token_is_used(fake):
    url, state = fake
    gateway = StripeApiGateway(
        settings_for("sqlite+aiosqlite:///unused.db", stripe={"api_base": url})
    )
    try:
        page = await gateway.page(
            ConnectedAccount(ACCOUNT, "sk_test_account_own"), "payouts", created_gte=0
        )
    finally:
        await gateway.close()

    assert (
        page.items and state.requests[-1].headers["authorization"] == "Bearer sk_test_account_own"
    )
    assert state.requests[-1].stripe_account is None


@pytest.mark.parametrize(
    ("status", "kind"), [(429, StripeThrottled), (500, StripeThrottled), (503, StripeThrottled)]
)
async def test_throttling_and_server_errors_are_worth_waiting_out(gateway, fake, status, kind):
    fake[1].fail_next = [status]

    with pytest.raises(kind):
        await gateway.page(ConnectedAccount(ACCOUNT, None), "charges", created_gte=0)


async def test_a_timeout_is_worth_waiting_out(gateway, fake):
    fake[1].delay_seconds = 2

    with pytest.raises(StripeThrottled):
        await gateway.page(ConnectedAccount(ACCOUNT, None), "charges", created_gte=0)


async def test_a_deauthorized_account_is_revoked_access(gateway, fake):
    fake[1].deauthorize(fake[1].accounts[ACCOUNT])

    with pytest.raises(StripeAccessRevoked):
        await gateway.page(ConnectedAccount(ACCOUNT, None), "charges", created_gte=0)


async def test_a_bad_request_is_not_retried(gateway):
    with pytest.raises(StripeUnavailable) as raised:
        await gateway.page(
            ConnectedAccount(ACCOUNT, None), "charges", starting_after="ch_missing", created_gte=0
        )

    assert not isinstance(raised.value, StripeThrottled | StripeAccessRevoked)
