"""A webhook storm, small (``bench/storm.py`` runs it at 2,000 events): distinct signed events,
each delivered three times in shuffled order by 16 concurrent senders. Exactly one stored event
each, one row per object, every row in its final state, every delivery a 200."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.storm import SECRET, build_storm, deliver_concurrently, discrepancies
from tests.api.conftest import _api_deps, serve
from vaultra_mcp.models import Business, IntegrationAccount

EVENTS = 90
ACCOUNT = "acct_stormtest"


@pytest.fixture
async def storm_deps(database_url):
    async for deps in _api_deps(database_url, stripe={"webhook_secret": SECRET}):
        async with deps.db.transaction() as session:
            session.add(Business(id=1, name="Storm"))
            await session.flush()
            session.add(IntegrationAccount(business_id=1, external_account_id=ACCOUNT))
        yield deps


def sender(api):
    async def send(body: bytes, signature: str) -> int:
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        response = await api.post("/api/v1/webhooks/stripe", content=body, headers=headers)
        return response.status_code

    return send


async def test_a_shuffled_storm_of_redeliveries_stores_each_event_and_effect_once(storm_deps):
    storm = build_storm(EVENTS, int(storm_deps.clock.now().timestamp()), ACCOUNT)
    async for api in serve(storm_deps):
        statuses = await deliver_concurrently(sender(api), storm.deliveries, concurrency=16)

    assert Counter(statuses) == {200: 3 * EVENTS}
    assert storm.disputed and any(kind == "refund" for kind, _ in storm.final)  # the hard cases
    assert await discrepancies(storm_deps, 1, storm) == []
