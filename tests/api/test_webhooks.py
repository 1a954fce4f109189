"""POST /webhooks/stripe: signed, stored once, applied to exactly one business, in state order."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import pytest
import stripe
from sqlalchemy import select, update
from sqlmodel import col

from tests.api.conftest import DEVON, WEBHOOK_SECRET, _api_deps, bearer, count, serve
from tests.api.hostile import HOSTILE
from vaultra_mcp.models import Business, Charge, Dispute, IntegrationAccount, StripeEvent
from vaultra_mcp.services.secret_box import encrypt

ACCOUNT = "acct_oldmillbakery"
BUSINESS = 3
PATH = "/api/v1/webhooks/stripe"


@pytest.fixture
async def connected(api_deps):
    """Business 3 has Stripe account ACCOUNT connected."""
    async with api_deps.db.transaction() as session:
        session.add(
            IntegrationAccount(
                business_id=BUSINESS,
                external_account_id=ACCOUNT,
                access_token_encrypted=encrypt(api_deps.settings, "sk_test_account"),
                connected_at=api_deps.clock.now(),
            )
        )
    return api_deps


def charge(charge_id="ch_hook001", **changes: Any) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": 12_500,
        "currency": "usd",
        "status": "succeeded",
        "amount_refunded": 0,
        "refunded": False,
        "disputed": False,
        "customer": "cus_hook",
        "created": 1_795_000_000,
        "livemode": False,
    } | changes


def event(
    kind: str, obj: dict[str, Any], *, event_id="evt_hook001", created=1_795_000_100, **extra
):
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "account": ACCOUNT,
        "data": {"object": obj},
    } | extra


def signed(deps, body: Any, *, secret=WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, dict]:
    payload = json.dumps(body) if not isinstance(body, str) else body
    timestamp = int(deps.clock.now().timestamp()) if at is None else at
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


async def deliver(api, deps, body: Any, **signing) -> Any:
    payload, headers = signed(deps, body, **signing)
    return await api.post(PATH, content=payload, headers=headers)


async def version(deps) -> int:
    async with deps.db.sessions() as session:
        return (
            await session.execute(select(Business.payments_version).where(Business.id == BUSINESS))
        ).scalar_one()


async def stored_charge(deps, charge_id="ch_hook001") -> Charge:
    async with deps.db.sessions() as session:
        return (
            await session.execute(select(Charge).where(col(Charge.stripe_id) == charge_id))
        ).scalar_one()


async def test_a_signed_charge_event_becomes_a_charge_row_and_queues_a_recompute(api, connected):
    before = await version(connected)

    response = await deliver(api, connected, event("charge.succeeded", charge()))

    assert response.status_code == 200
    assert response.json() == {"event_id": "evt_hook001", "status": "processed", "received": True}
    row = await stored_charge(connected)
    assert (row.business_id, row.amount, row.currency, row.status) == (
        BUSINESS,
        12_500,
        "usd",
        "succeeded",
    )
    assert row.customer_hash and "cus_hook" not in row.customer_hash
    assert await version(connected) == before + 1


async def test_markup_in_a_stripe_description_is_not_kept_so_no_page_or_answer_can_show_it(
    api, connected
):
    markup = '<img src="https://evil.example/x.png" onerror="alert(1)">![x](https://evil.example/d)'
    customer = {"id": "cus_hook", "object": "customer", "description": markup, "name": markup}
    body = event("charge.succeeded", charge(description=markup, customer=customer))

    assert (await deliver(api, connected, body)).status_code == 200

    row = await stored_charge(connected)
    assert markup not in json.dumps(row.model_dump(mode="json"))
    for path in ("/api/v1/readiness", "/api/v1/metrics", "/api/v1/recommendations"):
        shown = await api.get(
            path, params={"business_id": BUSINESS}, headers=bearer(connected, DEVON)
        )
        assert shown.status_code == 200 and "evil.example" not in shown.text, path


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": "t=1795000000,v1=" + "0" * 64},
        {"Stripe-Signature": "v1=abc"},
    ],
)
async def test_a_missing_or_bad_signature_is_400_and_stores_nothing(api, connected, headers):
    body = json.dumps(event("charge.succeeded", charge())).encode()

    response = await api.post(
        PATH, content=body, headers={"Content-Type": "application/json", **headers}
    )

    assert response.status_code == 400 and response.json()["error"] == "INVALID_SIGNATURE"
    assert (
        await count(connected, StripeEvent) == 0
        and await count(connected, Charge, col(Charge.stripe_id) == "ch_hook001") == 0
    )


async def test_a_signature_by_another_secret_is_refused(api, connected):
    response = await deliver(
        api, connected, event("charge.succeeded", charge()), secret="whsec_other"
    )

    assert response.status_code == 400
    assert await count(connected, StripeEvent) == 0


@pytest.mark.parametrize("offset", [-301, 301, 10**12])
async def test_a_stale_or_future_timestamp_is_refused(api, connected, offset):
    now = int(connected.clock.now().timestamp())

    response = await deliver(api, connected, event("charge.succeeded", charge()), at=now + offset)

    assert response.status_code == 400 and response.json()["error"] == "INVALID_SIGNATURE"
    assert await count(connected, StripeEvent) == 0


async def test_a_timestamp_within_tolerance_is_accepted(api, connected):
    now = int(connected.clock.now().timestamp())

    response = await deliver(api, connected, event("charge.succeeded", charge()), at=now - 299)

    assert response.status_code == 200


def signature_over(payload: bytes, timestamp: int, secret: str = WEBHOOK_SECRET) -> str:
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp)
    return header.split(",")[1].removeprefix("v1=")


async def post_with_header(api, payload: bytes, header: str) -> Any:
    """The event with this exact ``Stripe-Signature`` header, however it is written."""
    headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
    return await api.post(PATH, content=payload, headers=headers)


async def test_an_old_signature_behind_a_spaced_fresh_timestamp_is_refused(api, connected):
    now = int(connected.clock.now().timestamp())
    old = now - 3600
    payload = json.dumps(event("charge.succeeded", charge())).encode()
    header = f"x=1, t={now},t={old},v1={signature_over(payload, old)}"

    response = await post_with_header(api, payload, header)

    assert response.status_code == 400 and response.json()["error"] == "INVALID_SIGNATURE"
    assert await count(connected, StripeEvent) == 0


async def test_a_header_with_two_timestamps_is_refused_even_when_both_agree(api, connected):
    now = int(connected.clock.now().timestamp())
    payload = json.dumps(event("charge.succeeded", charge())).encode()
    header = f"t={now},v1={signature_over(payload, now)},t={now}"

    response = await post_with_header(api, payload, header)

    assert response.status_code == 400 and "exactly one timestamp" in response.json()["message"]
    assert await count(connected, StripeEvent) == 0


@pytest.mark.parametrize("stamp", ["+{now}", " {now}", "{now} ", "{now}.0", "1_{now}"])
async def test_a_timestamp_the_library_would_read_loosely_is_refused(api, connected, stamp):
    now = int(connected.clock.now().timestamp())
    payload = json.dumps(event("charge.succeeded", charge())).encode()
    header = f"t={stamp.format(now=now)},v1={signature_over(payload, now)}"

    response = await post_with_header(api, payload, header)

    assert response.status_code == 400 and response.json()["error"] == "INVALID_SIGNATURE"
    assert await count(connected, StripeEvent) == 0


async def test_any_of_several_v1_signatures_may_match_during_rotation(api, connected):
    payload, headers = signed(connected, event("charge.succeeded", charge()))
    old = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), "whsec_retired", int(connected.clock.now().timestamp())
    )
    headers["Stripe-Signature"] = old + "," + headers["Stripe-Signature"].split(",")[1]

    response = await api.post(PATH, content=payload, headers=headers)

    assert response.status_code == 200


async def test_our_old_and_new_secrets_both_verify_while_rotating(demo_database_url):
    async for deps in _api_deps(
        demo_database_url, stripe={"webhook_secret": "whsec_new,whsec_old"}
    ):
        async for client in serve(deps):
            response = await deliver(
                client, deps, event("charge.succeeded", charge()), secret="whsec_old"
            )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        json.dumps({"object": "event"}),
        json.dumps(event("charge.succeeded", charge()) | {"id": "not-an-event-id"}),
        json.dumps(event("charge.succeeded", charge()) | {"created": "yesterday"}),
        json.dumps(event("charge.succeeded", charge()) | {"data": []}),
        json.dumps([1, 2, 3]),
    ],
)
async def test_a_signed_body_that_is_not_an_event_is_400_and_stores_nothing(api, connected, body):
    response = await deliver(api, connected, body)

    assert response.status_code == 400 and response.json()["error"] == "MALFORMED_EVENT"
    assert await count(connected, StripeEvent) == 0


def signed_bytes(payload: bytes, timestamp: int) -> str:
    """A Stripe-Signature over raw bytes (the library's helper takes only text)."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_a_hostile_signed_webhook_body_is_one_400_and_stores_nothing(api, connected, hostile):
    value, problem = HOSTILE[hostile]
    payload = (
        b'{"id": "evt_hostile", "object": "event", "type": "charge.succeeded", '
        b'"created": 1795000100, "livemode": false, "account": "' + ACCOUNT.encode() + b'", '
        b'"data": {"object": {"id": "ch_hostile", "object": "charge", "metadata": HOLE}}}'
    ).replace(b"HOLE", value)
    header = signed_bytes(payload, int(connected.clock.now().timestamp()))

    response = await post_with_header(api, payload, header)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "MALFORMED_EVENT" and problem in response.json()["message"]
    assert await count(connected, StripeEvent, col(StripeEvent.event_id) == "evt_hostile") == 0


async def test_a_live_event_at_a_test_mode_endpoint_is_refused(api, connected):
    response = await deliver(api, connected, event("charge.succeeded", charge(), livemode=True))

    assert response.status_code == 400 and response.json()["error"] == "LIVEMODE_MISMATCH"
    assert await count(connected, StripeEvent) == 0


async def test_five_concurrent_deliveries_make_one_row_and_one_effect(api, connected):
    before = await version(connected)
    body = event("charge.succeeded", charge())

    responses = await asyncio.gather(*(deliver(api, connected, body) for _ in range(5)))

    assert [r.status_code for r in responses] == [200] * 5
    assert sorted(r.json()["status"] for r in responses) == ["duplicate"] * 4 + ["processed"]
    assert await count(connected, StripeEvent) == 1
    assert await count(connected, Charge, col(Charge.stripe_id) == "ch_hook001") == 1
    assert await version(connected) == before + 1


async def test_an_older_event_arriving_late_does_not_undo_a_newer_state(api, connected):
    refunded = charge(amount_refunded=12_500, refunded=True)
    await deliver(
        api,
        connected,
        event("charge.refunded", refunded, event_id="evt_new", created=1_795_000_900),
    )

    await deliver(
        api,
        connected,
        event("charge.succeeded", charge(), event_id="evt_old", created=1_795_000_100),
    )

    assert (await stored_charge(connected)).amount_refunded == 12_500


async def test_a_newer_event_replaces_the_stored_state(api, connected):
    await deliver(
        api,
        connected,
        event("charge.succeeded", charge(), event_id="evt_old", created=1_795_000_100),
    )

    await deliver(
        api,
        connected,
        event(
            "charge.refunded",
            charge(amount_refunded=5_000),
            event_id="evt_new",
            created=1_795_000_900,
        ),
    )

    assert (await stored_charge(connected)).amount_refunded == 5_000


async def test_a_dispute_event_records_the_dispute_and_flags_its_charge(api, connected):
    await deliver(api, connected, event("charge.succeeded", charge(), event_id="evt_c"))
    dispute = {
        "id": "dp_hook001",
        "object": "dispute",
        "amount": 12_500,
        "currency": "usd",
        "charge": "ch_hook001",
        "status": "needs_response",
        "reason": "fraudulent",
        "created": 1_795_000_500,
    }

    await deliver(
        api,
        connected,
        event("charge.dispute.created", dispute, event_id="evt_d", created=1_795_000_500),
    )

    assert await count(connected, Dispute, col(Dispute.stripe_id) == "dp_hook001") == 1
    assert (await stored_charge(connected)).disputed is True


DISPUTE = {
    "id": "dp_hook001",
    "object": "dispute",
    "amount": 12_500,
    "currency": "usd",
    "charge": "ch_hook001",
    "status": "needs_response",
    "reason": "fraudulent",
    "created": 1_795_000_500,
}


async def test_a_dispute_arriving_before_its_charge_still_flags_the_charge(api, connected):
    await deliver(
        api,
        connected,
        event("charge.dispute.created", DISPUTE, event_id="evt_d", created=1_795_000_500),
    )

    await deliver(api, connected, event("charge.succeeded", charge(), event_id="evt_c"))

    assert (await stored_charge(connected)).disputed is True


async def test_a_later_charge_observation_never_clears_its_dispute(api, connected):
    await deliver(api, connected, event("charge.succeeded", charge(), event_id="evt_c"))
    await deliver(
        api,
        connected,
        event("charge.dispute.created", DISPUTE, event_id="evt_d", created=1_795_000_500),
    )

    await deliver(
        api,
        connected,
        event("charge.updated", charge(disputed=False), event_id="evt_u", created=1_795_000_900),
    )

    assert (await stored_charge(connected)).disputed is True


@pytest.mark.parametrize("refund_first", [True, False], ids=["refund first", "refund last"])
async def test_a_refund_in_the_second_its_charge_was_created_is_kept(api, connected, refund_first):
    """Both events carry created=T: the one further along (refunded) wins, in either order."""
    created = 1_795_000_000
    events = [
        event("charge.succeeded", charge(), event_id="evt_c", created=created),
        event(
            "charge.refunded",
            charge(amount_refunded=12_500, refunded=True),
            event_id="evt_r",
            created=created,
        ),
    ]
    for body in reversed(events) if refund_first else events:
        await deliver(api, connected, body)

    assert (await stored_charge(connected)).amount_refunded == 12_500


async def test_payout_events_are_recorded(api, connected):
    payout = {
        "id": "po_hook001",
        "object": "payout",
        "amount": 90_000,
        "currency": "usd",
        "status": "failed",
        "arrival_date": 1_795_100_000,
        "failure_code": "account_closed",
        "failure_message": "closed",
        "created": 1_795_000_000,
    }

    response = await deliver(api, connected, event("payout.failed", payout))

    assert response.json()["status"] == "processed"


async def test_an_event_for_an_unknown_account_is_kept_but_not_applied(api, connected):
    response = await deliver(
        api, connected, event("charge.succeeded", charge(), account="acct_stranger")
    )

    assert response.status_code == 200 and response.json()["status"] == "unroutable"
    assert await count(connected, StripeEvent) == 1
    assert await count(connected, Charge, col(Charge.stripe_id) == "ch_hook001") == 0


async def test_an_event_type_we_do_not_use_is_stored_and_acknowledged(api, connected):
    response = await deliver(
        api, connected, event("customer.created", {"id": "cus_1", "object": "customer"})
    )

    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert await count(connected, StripeEvent) == 1


async def test_an_event_whose_object_is_broken_is_kept_as_failed(api, connected):
    response = await deliver(
        api, connected, event("charge.succeeded", {"id": "ch_broken", "object": "charge"})
    )

    assert response.status_code == 200 and response.json()["status"] == "failed"
    async with connected.db.sessions() as session:
        stored = (await session.execute(select(StripeEvent))).scalar_one()
    assert stored.status == "failed" and "amount" in stored.error


async def test_deauthorization_disconnects_that_integration_and_deletes_its_token(api, connected):
    response = await deliver(
        api,
        connected,
        event("account.application.deauthorized", {"id": "ca_x", "object": "application"}),
    )

    async with connected.db.sessions() as session:
        row = (await session.execute(select(IntegrationAccount))).scalar_one()
    assert response.json()["status"] == "processed"
    assert (row.status, row.access_token_encrypted) == ("disconnected", None)


async def test_events_for_a_disconnected_account_are_not_applied(api, connected):
    async with connected.db.transaction() as session:
        await session.execute(update(IntegrationAccount).values(status="disconnected"))

    response = await deliver(api, connected, event("charge.succeeded", charge()))

    assert response.json()["status"] == "unroutable"


async def test_a_body_over_the_limit_is_413_and_stores_nothing(api, connected):
    padding = "x" * (connected.settings.http.max_body_bytes + 1)

    response = await deliver(api, connected, event("charge.succeeded", charge(), padding=padding))

    assert response.status_code == 413
    assert await count(connected, StripeEvent) == 0


async def test_without_a_configured_secret_webhooks_are_503(demo_database_url):
    async for deps in _api_deps(demo_database_url, stripe={"webhook_secret": None}):
        async for client in serve(deps):
            response = await deliver(client, deps, event("charge.succeeded", charge()))
            stored = await count(deps, StripeEvent)
    assert response.status_code == 503 and stored == 0
