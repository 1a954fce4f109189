"""PostgreSQL cut off for a few seconds behind a fault proxy, the app still running: signed
webhooks are refused with a 5xx (so Stripe retries) and never acknowledged unstored, ``/readyz``
says 503, MCP tool calls answer ``STORE_UNAVAILABLE`` instead of hanging, and once the database
is back the same process serves again and every refused event, redelivered, is stored once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import col

from api_shell.app import create_app
from bench.storm import SECRET, build_storm, deliver_concurrently
from tests.api.conftest import API_SETTINGS, count
from tests.conftest import seed_demo
from tests.databases import PG_ENV, PostgresTemplates
from tests.factories import AS_OF, HASH_KEY, settings_for
from tests.support.fault_proxy import FaultProxy, fault_proxy, through
from tests.support.raw_mcp import HANG_GUARD_SECONDS, http_session
from tests.support.serving import served
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.models import Business, IntegrationAccount, StripeEvent
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_token

DEVON = demo_token(HASH_KEY, "devon@voltline.example", 7)
ACCOUNT, STORM_BUSINESS = "acct_faultstorm", 100
EVENTS = 40
OUTAGE_SECONDS = 2
WEBHOOK = "/api/v1/webhooks/stripe"


@dataclass
class Outage:
    """The app served over a database reached only through ``proxy``."""

    proxy: FaultProxy
    deps: Deps
    http: httpx.AsyncClient
    base: str


@pytest.fixture
async def outage(postgres_templates: PostgresTemplates | None) -> AsyncIterator[Outage]:
    """The demo on PostgreSQL behind a proxy; statements unanswered for a second fail."""
    if postgres_templates is None:
        pytest.skip(f"DATABASE FAULT TESTS SKIPPED: set {PG_ENV} to run them on PostgreSQL")
    url, drop = await asyncio.to_thread(postgres_templates.copy, "demo", seed_demo)
    try:
        async with fault_proxy(url) as proxy:
            settings = settings_for(through(url, proxy), **API_SETTINGS).changed(
                stripe={"webhook_secret": SECRET}, database={"db_command_timeout": 1}
            )
            deps = Deps.build(settings, clock=FixedClock(AS_OF))
            async with deps.db.transaction() as session:
                session.add(Business(id=STORM_BUSINESS, name="Storm"))
                await session.flush()
                session.add(
                    IntegrationAccount(business_id=STORM_BUSINESS, external_account_id=ACCOUNT)
                )
            try:
                async with (
                    served(create_app(settings, deps)) as base,
                    httpx.AsyncClient(base_url=base, timeout=HANG_GUARD_SECONDS) as http,
                ):
                    yield Outage(proxy, deps, http, base)
            finally:
                await deps.close()
    finally:
        await asyncio.to_thread(drop)


async def back_up(http: httpx.AsyncClient) -> int:
    """Poll ``/readyz`` until it is 200 (the hang guard bounds the wait); its last status."""
    deadline = asyncio.get_running_loop().time() + HANG_GUARD_SECONDS
    status = 0
    while asyncio.get_running_loop().time() < deadline:
        status = (await http.get("/readyz")).status_code
        if status == 200:
            break
        await asyncio.sleep(0.2)
    return status


def sender(http: httpx.AsyncClient):
    async def send(body: bytes, signature: str) -> int:
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        return (await http.post(WEBHOOK, content=body, headers=headers)).status_code

    return send


async def stored(deps: Deps, event_ids: list[str]) -> int:
    return await count(deps, StripeEvent, col(StripeEvent.event_id).in_(event_ids))


async def test_webhooks_during_an_outage_are_refused_and_stored_once_when_redelivered(outage):
    storm = build_storm(EVENTS, int(AS_OF.timestamp()), ACCOUNT, run="_fault")
    once = list(dict(storm.deliveries).items())  # each event's first delivery
    outage.proxy.cut()
    during = await deliver_concurrently(sender(outage.http), once, concurrency=8)
    await asyncio.sleep(OUTAGE_SECONDS)  # the pool's connections stay dead a while
    outage.proxy.resume()
    assert await back_up(outage.http) == 200
    after = await deliver_concurrently(sender(outage.http), storm.deliveries, concurrency=8)

    assert all(status >= 500 for status in during), sorted(set(during))
    assert set(after) == {200}
    assert await stored(outage.deps, [e["id"] for e in storm.events]) == EVENTS


async def test_an_event_acknowledged_while_the_database_flaps_is_always_stored(outage):
    storm = build_storm(EVENTS, int(AS_OF.timestamp()), ACCOUNT, run="_flap")
    acknowledged: set[str] = set()
    send = sender(outage.http)
    answered = 0

    async def flapping(body: bytes, signature: str) -> int:
        """Delivers, and cuts the database after a third of the answers, back after two."""
        nonlocal answered
        status = await send(body, signature)
        if status == 200:
            acknowledged.add(json.loads(body)["id"])
        answered += 1
        if answered == len(storm.deliveries) // 3:
            outage.proxy.cut()
        elif answered == 2 * len(storm.deliveries) // 3:
            outage.proxy.resume()
        return status

    statuses = await deliver_concurrently(flapping, storm.deliveries, concurrency=8)
    outage.proxy.resume()
    assert await back_up(outage.http) == 200
    stored_after_flapping = await stored(outage.deps, sorted(acknowledged))
    redelivered = await deliver_concurrently(send, storm.deliveries, concurrency=8)

    assert set(statuses) - {200} and 200 in statuses  # some refused, some acknowledged
    assert all(status == 200 or status >= 500 for status in statuses)
    assert stored_after_flapping == len(acknowledged)
    assert set(redelivered) == {200}
    assert await stored(outage.deps, [e["id"] for e in storm.events]) == EVENTS


async def test_readiness_goes_503_then_200_without_a_restart(outage):
    before = (await outage.http.get("/readyz")).status_code
    outage.proxy.cut()
    during = await outage.http.get("/readyz")
    outage.proxy.resume()

    assert before == 200
    assert during.status_code == 503 and during.json()["error"] == "STORE_UNAVAILABLE"
    assert await back_up(outage.http) == 200


def store_unavailable(response: httpx.Response) -> bool:
    """The HTTP 503 of the guard, or the tool error of a call that reached the tool."""
    body: dict[str, Any] = response.json()
    if response.status_code == 503:
        return body.get("error") == "STORE_UNAVAILABLE"
    structured = body.get("result", {}).get("structuredContent", {})
    return bool(body["result"]["isError"]) and structured.get("error") == "STORE_UNAVAILABLE"


BREAKDOWN = {
    "jsonrpc": "2.0",
    "id": 5,
    "method": "tools/call",
    "params": {"name": "get_readiness_breakdown", "arguments": {}},
}


async def test_mcp_calls_during_an_outage_are_store_unavailable_then_served_again(outage):
    url, request = f"{outage.base}/mcp", BREAKDOWN
    headers = await http_session(outage.http, url, DEVON)
    outage.proxy.cut()
    during = [await outage.http.post(url, json=request, headers=headers) for _ in range(3)]
    outage.proxy.resume()
    assert await back_up(outage.http) == 200
    after = await outage.http.post(url, json=request, headers=headers)

    assert all(store_unavailable(response) for response in during), [r.text for r in during]
    assert after.json()["result"]["structuredContent"]["business_name"] == "Voltline Gadgets"


async def test_a_database_that_stops_answering_is_store_unavailable_not_a_hang(outage):
    url = f"{outage.base}/mcp"
    headers = await http_session(outage.http, url, DEVON)
    outage.proxy.stall()  # connections stay open, nothing comes back
    during = await outage.http.post(url, json=BREAKDOWN, headers=headers)
    ready = await outage.http.get("/readyz")
    outage.proxy.resume()
    assert await back_up(outage.http) == 200
    after = await outage.http.post(url, json=BREAKDOWN, headers=headers)

    assert store_unavailable(during), during.text
    assert ready.status_code == 503
    assert after.json()["result"]["structuredContent"]["business_name"] == "Voltline Gadgets"
