"""Stripe sync against the fake Stripe API, through the official client: backfill, resume,
retries, revocation, incremental events, and that it agrees with loading the data directly."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.factories import AS_OF, settings_for
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.core.metrics import compute_metrics
from vaultra_mcp.core.stripe_events import envelope
from vaultra_mcp.demo.generator import generate
from vaultra_mcp.demo.loader import history_rows
from vaultra_mcp.errors import NotFound
from vaultra_mcp.jobs import run_job
from vaultra_mcp.models import (
    Business,
    Charge,
    Dispute,
    IntegrationAccount,
    MetricSnapshot,
    Payout,
    Refund,
)
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payment_aggregates import load_aggregates
from vaultra_mcp.services.payments import insert_payment_rows
from vaultra_mcp.services.stripe_connect import link_account
from vaultra_mcp.services.stripe_sync import sync_business, sync_integration
from vaultra_mcp.services.webhooks import ingest_account_events

ACCOUNT = "acct_youngsync"
PROFILE = "young_startup"
TABLES = {"charges": Charge, "refunds": Refund, "disputes": Dispute, "payouts": Payout}


@pytest.fixture
def stripe_api() -> Iterator[tuple[str, FakeStripe]]:
    state = FakeStripe()
    state.add_account(ACCOUNT, PROFILE, as_of=AS_OF)
    with serve_stripe_fake(state) as url:
        yield url, state


def sync_settings(url: str, state: FakeStripe, database_url: str, **stripe: Any):
    """Settings for syncing from the fake, with these ``stripe`` settings changed."""
    fast = {
        "api_base": url,
        "secret_key": state.secret_key,
        "backfill_months": 36,
        "backoff_base": 0.001,
        "backoff_max": 0.01,
    }
    return settings_for(database_url, stripe=fast | stripe, llm={"provider_timeout": 5})


@pytest.fixture
async def deps(database_url, stripe_api) -> AsyncIterator[Deps]:
    url, state = stripe_api
    deps = Deps.build(sync_settings(url, state, database_url), clock=FixedClock(AS_OF))
    async with deps.db.transaction() as session:
        session.add_all([Business(id=1, name="Synced"), Business(id=2, name="Loaded directly")])
    await link_account(deps, 1, ACCOUNT, "sk_test_unused_when_the_platform_key_is_set")
    yield deps
    await deps.close()


async def stored(deps: Deps, business_id: int = 1) -> dict[str, set[str]]:
    async with deps.db.sessions() as session:
        return {
            name: set(
                (
                    await session.execute(
                        select(model.stripe_id).where(model.business_id == business_id)
                    )
                ).scalars()
            )
            for name, model in TABLES.items()
        }


def served(state: FakeStripe) -> dict[str, set[str]]:
    lists = state.accounts[ACCOUNT].lists
    return {name: {obj["id"] for obj in lists[name]} for name in TABLES}


async def integration(deps: Deps) -> IntegrationAccount:
    async with deps.db.sessions() as session:
        return (await session.execute(select(IntegrationAccount))).scalar_one()


async def test_a_backfill_brings_exactly_the_accounts_history(deps, stripe_api):
    [report] = await sync_business(deps, 1)

    assert report.status == "synced" and report.phase == "backfill"
    assert await stored(deps) == served(stripe_api[1])
    assert report.rows == sum(len(ids) for ids in served(stripe_api[1]).values())
    assert (await integration(deps)).last_synced_at is not None


async def test_a_backfill_reports_its_progress_page_by_page(deps, stripe_api):
    heard: list[tuple[int, int]] = []

    [report] = await sync_business(deps, 1, on_page=lambda r: heard.append((r.pages, r.rows)))

    assert len(heard) > 1 and heard == sorted(heard)
    assert heard[-1] == (report.pages, report.rows)


async def test_syncing_gives_exactly_the_metrics_loading_the_same_profile_gives(deps, stripe_api):
    account = stripe_api[1].accounts[ACCOUNT]
    key = deps.settings.auth.hash_key.get_secret_value().encode()
    history = generate(account.profile, AS_OF, 7, account.tag)
    async with deps.db.transaction() as session:
        await insert_payment_rows(session, deps.db.dialect, history_rows(2, history, key), AS_OF)

    await sync_business(deps, 1)

    aggregates = await load_aggregates(deps.db, {1: "usd", 2: "usd"}, AS_OF)
    assert compute_metrics(aggregates[1]) == compute_metrics(aggregates[2])


async def test_the_sync_recomputes_its_business(deps):
    await sync_business(deps, 1)

    async with deps.db.sessions() as session:
        snapshots = await session.execute(
            select(func.count()).select_from(MetricSnapshot).where(MetricSnapshot.business_id == 1)
        )
    assert snapshots.scalar_one() == 1


async def test_the_platform_key_and_stripe_account_header_are_used(deps, stripe_api):
    await sync_business(deps, 1)

    request = stripe_api[1].requests[-1]
    assert request.stripe_account == ACCOUNT
    assert request.headers["authorization"] == f"Bearer {stripe_api[1].secret_key}"


async def test_a_backfill_cut_short_resumes_without_gaps_or_duplicates(deps, stripe_api):
    state = stripe_api[1]
    state.rate_limit_every = 6  # the 6th request fails, and there is no retry budget
    deps_without_retries = Deps.build(
        sync_settings(stripe_api[0], state, deps.settings.database.url, max_retries=0),
        clock=deps.clock,
    )
    try:
        [first] = await sync_business(deps_without_retries, 1)
    finally:
        await deps_without_retries.close()
    state.rate_limit_every = None
    requests_before = len(state.requests)

    [second] = await sync_business(deps, 1)

    full_backfill = sum(max(1, -(-len(ids) // 100)) for ids in served(state).values())
    assert first.status == "failed" and first.pages > 0
    assert await stored(deps) == served(state)
    assert first.rows + second.rows == sum(len(ids) for ids in served(state).values())
    assert len(state.requests) - requests_before == full_backfill - first.pages  # resumed


async def test_a_stopped_backfill_leaves_only_whole_pages(deps, stripe_api):
    state = stripe_api[1]
    state.rate_limit_every = 4
    weak = Deps.build(
        sync_settings(stripe_api[0], state, deps.settings.database.url, max_retries=0),
        clock=deps.clock,
    )
    try:
        await sync_business(weak, 1)
    finally:
        await weak.close()

    cursor = (await integration(deps)).sync_cursor["backfill"]
    newest_first = [o["id"] for o in state.accounts[ACCOUNT].lists[cursor["resource"]]]
    prefix = set(newest_first[: newest_first.index(cursor["after"]) + 1])
    assert (await stored(deps))[cursor["resource"]] == prefix


async def test_a_429_storm_is_waited_out_within_the_budget(deps, stripe_api):
    stripe_api[1].rate_limit_every = 2

    [report] = await sync_business(deps, 1)

    assert report.status == "synced" and report.retries > 0
    assert await stored(deps) == served(stripe_api[1])


async def test_failures_beyond_the_budget_record_a_failed_job_run_with_the_reason(deps, stripe_api):
    stripe_api[1].fail_next = [500] * 100

    result = await run_job(deps, "stripe_sync")

    assert result.status == "failed"
    assert ACCOUNT in result.error and "retries" in result.error
    assert (await integration(deps)).last_error
    assert sum(len(ids) for ids in (await stored(deps)).values()) == 0


async def test_a_revoked_account_is_disconnected_not_retried(deps, stripe_api):
    state = stripe_api[1]
    state.deauthorize(state.accounts[ACCOUNT])

    [report] = await sync_business(deps, 1)

    row = await integration(deps)
    assert report.status == "disconnected" and report.retries == 0
    assert (row.status, row.access_token_encrypted) == ("disconnected", None)
    assert len(state.requests) == 1


async def test_after_the_backfill_new_activity_arrives_through_events(deps, stripe_api):
    await sync_business(deps, 1)
    state = stripe_api[1]
    created = int(AS_OF.timestamp()) - 30
    charge = {
        "id": "ch_afterbackfill",
        "object": "charge",
        "amount": 4_200,
        "currency": "usd",
        "status": "succeeded",
        "amount_refunded": 0,
        "disputed": False,
        "customer": "cus_new",
        "created": created,
        "livemode": False,
    }
    state.add_event(ACCOUNT, "charge.succeeded", charge)

    [report] = await sync_business(deps, 1)

    assert report.phase == "incremental" and report.events == 1
    assert "ch_afterbackfill" in (await stored(deps))["charges"]


async def test_an_event_already_received_by_webhook_is_not_applied_again(deps, stripe_api):
    await sync_business(deps, 1)
    state = stripe_api[1]
    charge = dict(state.accounts[ACCOUNT].lists["charges"][0], amount_refunded=100)
    event = state.add_event(ACCOUNT, "charge.refunded", charge, created=int(AS_OF.timestamp()) - 5)
    await ingest_account_events(deps, 1, [envelope(event)])  # as if a webhook had brought it

    [report] = await sync_business(deps, 1)
    assert report.phase == "incremental" and report.events == 0


async def test_two_syncs_of_one_account_never_overlap(deps, stripe_api):
    stripe_api[1].delay_seconds = 0.05

    reports = await asyncio.gather(sync_business(deps, 1), sync_business(deps, 1))

    assert sorted(r[0].status for r in reports) == ["busy", "synced"]


async def test_a_business_without_stripe_cannot_be_synced(deps):
    with pytest.raises(NotFound):
        await sync_business(deps, 2)


async def test_duplicated_rows_are_impossible(deps, stripe_api):
    await sync_business(deps, 1, full=True)
    await sync_business(deps, 1, full=True)

    async with deps.db.sessions() as session:
        total = (await session.execute(select(func.count()).select_from(Charge))).scalar_one()
    assert total == len(served(stripe_api[1])["charges"])
    assert await stored(deps) == served(stripe_api[1])


async def stored_charge(deps: Deps, charge_id: str) -> Charge:
    async with deps.db.sessions() as session:
        return (
            await session.execute(select(Charge).where(Charge.stripe_id == charge_id))
        ).scalar_one()


async def refunded_in_table(deps: Deps, charge_id: str) -> int:
    async with deps.db.sessions() as session:
        total = await session.execute(
            select(func.coalesce(func.sum(Refund.amount), 0)).where(
                Refund.charge_stripe_id == charge_id
            )
        )
    return int(total.scalar_one())


def new_charge(charge_id: str, created: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": 9_000,
        "currency": "usd",
        "status": "succeeded",
        "amount_refunded": 0,
        "refunded": False,
        "disputed": False,
        "customer": "cus_tie",
        "created": created,
        "livemode": False,
    } | changes


async def test_a_charge_refunded_in_the_second_it_was_created_syncs_as_refunded(deps, stripe_api):
    await sync_business(deps, 1)
    state, created = stripe_api[1], int(AS_OF.timestamp()) - 10
    state.add_event(ACCOUNT, "charge.succeeded", new_charge("ch_tie", created))
    state.add_event(
        ACCOUNT,
        "charge.refunded",
        new_charge("ch_tie", created, amount_refunded=9_000, refunded=True),
        created=created,
    )

    [report] = await sync_business(deps, 1)

    assert report.phase == "incremental"
    assert (await stored_charge(deps, "ch_tie")).amount_refunded == 9_000  # as Stripe has it


async def test_a_refund_in_the_second_of_the_backfill_read_is_not_lost(deps, stripe_api):
    """The backfill reads at T + 0.5 s; a refund happens later in second T (its events say T)."""
    second = int(AS_OF.timestamp())
    deps.clock.moment = AS_OF + timedelta(milliseconds=500)
    await sync_business(deps, 1)
    state = stripe_api[1]
    charge = dict(state.accounts[ACCOUNT].lists["charges"][0])
    refund = {
        "id": "re_samesecond",
        "object": "refund",
        "amount": 700,
        "currency": "usd",
        "charge": charge["id"],
        "status": "succeeded",
        "reason": "requested_by_customer",
        "created": second,
    }
    state.add_event(ACCOUNT, "refund.created", refund, created=second)
    refunded = charge | {"amount_refunded": charge["amount_refunded"] + 700, "refunded": True}
    state.add_event(ACCOUNT, "charge.refunded", refunded, created=second)
    deps.clock.moment = AS_OF + timedelta(milliseconds=900)

    await sync_business(deps, 1)

    row = await stored_charge(deps, charge["id"])
    assert row.amount_refunded == refunded["amount_refunded"]
    assert await refunded_in_table(deps, charge["id"]) == refunded["amount_refunded"]


class Sleeps(list):
    """A sleep that records how long it was asked to sleep, and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def test_a_429s_retry_after_is_honoured(deps, stripe_api):
    state, sleeps = stripe_api[1], Sleeps()
    state.fail_next, state.retry_after = [429, 429], 2

    report = await sync_integration(deps, (await integration(deps)).id, sleep=sleeps)

    assert report.status == "synced" and report.retries == 2
    assert sleeps[:2] == [2.0, 2.0]  # not the 0.001-0.01 s backoff these settings allow


def dead_pid() -> int:
    """The pid of a process that has ended (as a sync killed mid-run has)."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


async def hold_lease(deps: Deps, holder: str) -> None:
    """The lease a sync would hold mid-run: ten minutes ahead, in ``holder``'s name."""
    async with deps.db.transaction() as session:
        await session.execute(
            update(IntegrationAccount).values(
                sync_lease_until=deps.clock.now() + timedelta(minutes=10), sync_lease_holder=holder
            )
        )


async def test_the_lease_of_a_sync_killed_mid_run_is_busy_until_forced(deps):
    await hold_lease(deps, f"{socket.gethostname()}:{dead_pid()}:0badc0de")

    [waiting] = await sync_business(deps, 1)
    [forced] = await sync_business(deps, 1, force=True)

    assert waiting.status == "busy" and "--force" in waiting.error
    assert forced.status == "synced" and forced.rows > 0
    assert (await integration(deps)).sync_lease_holder is None  # released when done


async def test_force_does_not_take_a_lease_whose_holder_is_alive(deps):
    await hold_lease(deps, f"{socket.gethostname()}:{os.getpid()}:0badc0de")

    [report] = await sync_business(deps, 1, force=True)

    assert report.status == "busy" and "still running" in report.error


async def test_force_does_not_take_a_lease_held_on_another_host(deps):
    await hold_lease(deps, "another-host.internal:4242:0badc0de")

    [report] = await sync_business(deps, 1, force=True)

    assert report.status == "busy" and "another host" in report.error


async def test_an_expired_lease_is_free_without_force(deps):
    await hold_lease(deps, "another-host.internal:4242:0badc0de")
    deps.clock.moment += timedelta(minutes=11)

    [report] = await sync_business(deps, 1)

    assert report.status == "synced"


async def test_rows_written_by_events_are_reported(deps, stripe_api):
    await sync_business(deps, 1)
    state, created = stripe_api[1], int(AS_OF.timestamp()) - 30
    for n in range(3):
        state.add_event(ACCOUNT, "charge.succeeded", new_charge(f"ch_counted{n}", created))

    [report] = await sync_business(deps, 1)

    assert report.phase == "incremental" and (report.events, report.rows) == (3, 3)
