"""The official stripe library (v16) against the Stripe fake.

These pin down what a Stripe sync built on the library can rely on from the fake: exact
pagination, filters, the async path, Connect OAuth, and the library's own reactions (retries,
exception classes) to the failures the fake injects.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import fields
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe
from stripe.oauth_error import InvalidGrantError

from fakes.stripe import FakeStripe, serve_stripe_fake
from fakes.stripe.__main__ import build_state, parse_args
from tests.factories import AS_OF
from vaultra_mcp.core.stripe_objects import charge_row, dispute_row, payout_row, refund_row
from vaultra_mcp.demo.generator import generate
from vaultra_mcp.demo.profiles import profile

ACCOUNT = "acct_sprout"  # young_startup: ~600 charges, 7 pages of 100
AS_ACCOUNT: stripe.RequestOptions = {"stripe_account": ACCOUNT}
REDIRECT = "http://127.0.0.1:9/stripe/callback"


def generated(kind: str) -> list[dict[str, Any]]:
    """The account's objects straight from the generator, in Stripe's order (newest first)."""
    history = generate(profile("young_startup"), AS_OF, 7, ACCOUNT.removeprefix("acct_"))
    objects: list[dict[str, Any]] = getattr(history, kind)
    return sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeStripe, str]]:
    """One server for the module: stopping uvicorn takes ~0.2 s, too much to pay per test."""
    shared = FakeStripe()
    with serve_stripe_fake(shared) as url:
        yield shared, url


@pytest.fixture
def state(served: tuple[FakeStripe, str]) -> FakeStripe:
    """The served state, reset to a fresh platform with one connected account."""
    shared, _ = served
    fresh = FakeStripe(redirect_uri=REDIRECT)
    fresh.add_account(ACCOUNT, "young_startup", as_of=AS_OF)
    for field in fields(FakeStripe):
        setattr(shared, field.name, getattr(fresh, field.name))
    return shared


@pytest.fixture
def url(served: tuple[FakeStripe, str], state: FakeStripe) -> str:
    """The shared server's URL; it asks for ``state`` so that every test starts reset."""
    return served[1]


@pytest.fixture
def http() -> Iterator[stripe.RequestsClient]:
    """The library's default sync transport, with a timeout short enough for tests."""
    client = stripe.RequestsClient(timeout=5)
    yield client
    client.close()


def make_client(
    url: str, http: stripe.HTTPClient, key: str, *, retries: int = 0
) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": url, "connect": url},
        client_id=FakeStripe.client_id,
        max_network_retries=retries,
        http_client=http,
    )


@pytest.fixture
def client(url: str, http: stripe.RequestsClient, state: FakeStripe) -> stripe.StripeClient:
    return make_client(url, http, state.secret_key)


def ids(objects: Any) -> list[str]:
    """Ids of generated dicts or served StripeObjects (both index by key)."""
    return [o["id"] for o in objects]


def test_auto_paging_returns_every_charge_newest_first_once(
    client: stripe.StripeClient, state: FakeStripe
) -> None:
    page = client.v1.charges.list(params={"limit": 100}, options=AS_ACCOUNT)
    served = ids(page.auto_paging_iter())

    assert served == ids(generated("charges"))
    assert len(set(served)) == len(served) > 500
    pages = [r for r in state.requests if r.path == "/v1/charges"]
    assert len(pages) == -(-len(served) // 100)
    assert all(r.stripe_account == ACCOUNT and r.query["limit"] == ["100"] for r in pages)


def test_served_objects_map_to_the_same_rows_as_generated_ones(
    client: stripe.StripeClient,
) -> None:
    key = b"k"
    lists = {
        "charges": (client.v1.charges, lambda o: charge_row(1, o, key)),
        "refunds": (client.v1.refunds, lambda o: refund_row(1, o)),
        "disputes": (client.v1.disputes, lambda o: dispute_row(1, o)),
        "payouts": (client.v1.payouts, lambda o: payout_row(1, o)),
    }
    for kind, (service, row) in lists.items():
        page = service.list(params={"limit": 100}, options=AS_ACCOUNT)
        served = [row(o.to_dict()) for o in page.auto_paging_iter()]
        assert served == [row(o) for o in generated(kind)], kind


def test_created_gte_filter_and_cursors(client: stripe.StripeClient) -> None:
    expected = generated("charges")
    cutoff = expected[250]["created"]

    recent = client.v1.charges.list(
        params={"limit": 100, "created": {"gte": cutoff}}, options=AS_ACCOUNT
    )
    after = client.v1.charges.list(
        params={"limit": 100, "starting_after": expected[150]["id"]}, options=AS_ACCOUNT
    )
    before = client.v1.charges.list(
        params={"limit": 100, "ending_before": expected[150]["id"]}, options=AS_ACCOUNT
    )

    assert ids(recent.auto_paging_iter()) == ids(c for c in expected if c["created"] >= cutoff)
    assert ids(after.auto_paging_iter()) == ids(expected[151:])
    assert ids(before.auto_paging_iter()) == ids(reversed(expected[:150]))  # newest last


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"limit": 0}, "limit", None),
        ({"limit": 101}, "limit", None),
        ({"limit": "ten"}, "limit", "parameter_invalid_integer"),
        ({"starting_after": "ch_missing"}, "starting_after", "resource_missing"),
        ({"customer": "cus_x"}, "customer", None),  # a real filter the fake does not implement
    ],
)
def test_bad_list_params_are_stripe_invalid_request_errors(
    client: stripe.StripeClient, params: dict[str, Any], param: str, code: str | None
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.charges.list(params=params, options=AS_ACCOUNT)

    assert (raised.value.http_status, raised.value.param, raised.value.code) == (400, param, code)


async def test_async_path_pages_the_same_charges(state: FakeStripe) -> None:
    http = stripe.HTTPXClient(timeout=5)
    try:
        async with serve_stripe_fake(state) as url:
            client = make_client(url, http, state.secret_key)
            page = await client.v1.charges.list_async(params={"limit": 100}, options=AS_ACCOUNT)
            served = [charge.id async for charge in page.auto_paging_iter()]
    finally:
        await http.close_async()

    assert served == ids(generated("charges"))


def authorize(client: stripe.StripeClient, **params: str) -> dict[str, list[str]]:
    """Follow the OAuth authorize URL the library builds; the query of the redirect."""
    url = client.oauth.authorize_url(params={"scope": "read_write", **params})
    with httpx.Client() as browser:
        answer = browser.get(url)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


def test_oauth_connect_exchange_and_deauthorize(
    client: stripe.StripeClient, url: str, http: stripe.RequestsClient, state: FakeStripe
) -> None:
    state.add_account("acct_brightside", "concentrated_agency", as_of=AS_OF, connected=False)
    answer = authorize(client, state="csrf123")
    assert answer["state"] == ["csrf123"] and answer["scope"] == ["read_write"]
    code = answer["code"][0]

    tokens = client.oauth.token(params={"grant_type": "authorization_code", "code": code})
    with pytest.raises(InvalidGrantError, match="already used"):
        client.oauth.token(params={"grant_type": "authorization_code", "code": code})

    assert tokens.stripe_user_id == "acct_brightside" and tokens.token_type == "bearer"
    assert tokens.access_token and tokens.access_token.startswith("sk_test_")
    exchange = next(r for r in state.requests if r.path == "/oauth/token")
    assert exchange.headers["authorization"] == f"Bearer {state.secret_key}"
    assert exchange.form["code"] == [code] and exchange.idempotency_key
    as_owner = make_client(url, http, tokens.access_token)
    assert len(as_owner.v1.charges.list(params={"limit": 3})) == 3

    revoked = client.oauth.deauthorize(params={"stripe_user_id": "acct_brightside"})

    assert revoked.stripe_user_id == "acct_brightside"
    with pytest.raises(stripe.AuthenticationError) as expired:
        as_owner.v1.charges.list()
    assert expired.value.error is not None and expired.value.error.code == "api_key_expired"
    with pytest.raises(stripe.PermissionError):
        client.v1.charges.list(options={"stripe_account": "acct_brightside"})


def test_oauth_codes_expire_and_unknown_codes_are_invalid_grants(
    client: stripe.StripeClient, state: FakeStripe
) -> None:
    state.code_ttl_seconds = 0
    code = authorize(client, stripe_user_id=ACCOUNT)["code"][0]

    with pytest.raises(InvalidGrantError, match="expired"):
        client.oauth.token(params={"grant_type": "authorization_code", "code": code})
    with pytest.raises(InvalidGrantError, match="does not exist"):
        client.oauth.token(params={"grant_type": "authorization_code", "code": "ac_nope"})


def test_standalone_accounts_are_connected_in_order_then_access_denied(
    http: stripe.RequestsClient,
) -> None:
    state = build_state(parse_args(["--profiles", "young_startup,concentrated_agency"]), AS_OF)
    state.redirect_uri = REDIRECT
    with serve_stripe_fake(state) as url:
        client = make_client(url, http, state.secret_key)
        connected = []
        for _ in state.accounts:
            code = authorize(client)["code"][0]
            tokens = client.oauth.token(params={"grant_type": "authorization_code", "code": code})
            connected.append(tokens.stripe_user_id)
        refused = authorize(client)

    assert connected == ["acct_youngstartup", "acct_concentratedagency"]
    assert refused["error"] == ["access_denied"]


@pytest.mark.parametrize(
    ("key", "account", "error"),
    [
        ("sk_test_unknown_key_1234", None, stripe.AuthenticationError),
        (FakeStripe.secret_key, "acct_unknown", stripe.PermissionError),
    ],
)
def test_unknown_keys_and_accounts_are_refused(
    url: str, http: stripe.RequestsClient, key: str, account: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_client(url, http, key).v1.charges.list(options={"stripe_account": account})


def test_429_that_says_retry_is_retried(
    url: str, http: stripe.RequestsClient, state: FakeStripe
) -> None:
    state.fail_next = [429]
    client = make_client(url, http, state.secret_key, retries=2)

    page = client.v1.charges.list(params={"limit": 5}, options=AS_ACCOUNT)

    assert ids(page) == ids(generated("charges")[:5])
    assert len(state.requests) == 2


def test_failures_without_retries_raise_the_library_errors(
    client: stripe.StripeClient, state: FakeStripe
) -> None:
    state.fail_next = [429, 500, 503]

    with pytest.raises(stripe.RateLimitError) as limited:
        client.v1.charges.list(options=AS_ACCOUNT)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.charges.list(options=AS_ACCOUNT)

    assert limited.value.headers["stripe-should-retry"] == "true"


def test_a_429_storm_slows_a_backfill_but_loses_nothing(
    url: str, http: stripe.RequestsClient, state: FakeStripe
) -> None:
    state.rate_limit_every = 4
    client = make_client(url, http, state.secret_key, retries=3)

    page = client.v1.charges.list(params={"limit": 100}, options=AS_ACCOUNT)

    assert ids(page.auto_paging_iter()) == ids(generated("charges"))
    assert len(state.requests) == 9  # 7 pages, every 4th request refused and retried


def test_a_slow_answer_past_the_client_timeout_is_a_connection_error(
    url: str, state: FakeStripe
) -> None:
    state.delay_seconds = 5
    http = stripe.RequestsClient(timeout=0.3)
    try:
        client = make_client(url, http, state.secret_key)
        started = time.monotonic()
        with pytest.raises(stripe.APIConnectionError) as timed_out:
            client.v1.charges.list(options=AS_ACCOUNT)
        waited = time.monotonic() - started
        state.delay_seconds = 0
        assert len(client.v1.charges.list(options=AS_ACCOUNT)) == 10
    finally:
        http.close()

    assert timed_out.value.should_retry and waited < 2


def test_events_filter_by_type(client: stripe.StripeClient) -> None:
    disputes = client.v1.events.list(params={"type": "charge.dispute.created"}, options=AS_ACCOUNT)
    payouts = client.v1.events.list(
        params={"types": ["payout.paid", "payout.failed"], "limit": 100}, options=AS_ACCOUNT
    )
    wildcard = client.v1.events.list(params={"type": "payout.*", "limit": 100}, options=AS_ACCOUNT)

    assert [e.data.object.id for e in disputes.auto_paging_iter()] == ids(generated("disputes"))
    assert [e.data.object.id for e in payouts.auto_paging_iter()] == ids(generated("payouts"))
    assert ids(wildcard.auto_paging_iter()) == ids(payouts.auto_paging_iter())
    assert all(e.account == ACCOUNT and not e.livemode for e in payouts.data)


def test_add_event_shows_up_in_an_incremental_sync(
    client: stripe.StripeClient, state: FakeStripe
) -> None:
    newest = generated("charges")[0]
    later = int(AS_OF.timestamp()) + 60  # after everything generated, events included
    charge = {**newest, "id": "ch_sproutnew", "created": later, "amount": 4_200}
    refunded = {**newest, "amount_refunded": newest["amount"], "refunded": True}

    state.add_event(ACCOUNT, "charge.succeeded", charge)
    state.add_event(ACCOUNT, "charge.refunded", refunded, created=later + 1)

    since = {"created": {"gt": newest["created"]}, "limit": 100}
    new_charges = client.v1.charges.list(params=since, options=AS_ACCOUNT)
    assert ids(new_charges) == ["ch_sproutnew"]
    events = client.v1.events.list(params={"limit": 2}, options=AS_ACCOUNT)
    assert [(e.type, e.data.object.id) for e in events] == [
        ("charge.refunded", newest["id"]),
        ("charge.succeeded", "ch_sproutnew"),
    ]
    updated = client.v1.charges.list(params={"created": newest["created"]}, options=AS_ACCOUNT)
    assert [c.amount_refunded for c in updated if c.id == newest["id"]] == [newest["amount"]]
