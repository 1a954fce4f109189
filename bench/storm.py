"""Webhook storm: N distinct signed Stripe events, each delivered three times in shuffled order
by 16 concurrent senders, as Stripe's retries and parallel deliveries can. Afterwards exactly N
events are stored, every object has one row, and every row is in its final state (refunds
applied, disputed charges flagged) whatever order its events came in.

The events are a chargeback-heavy demo history told as Stripe tells it: each event carries its
object as it was at that moment (a charge is not yet refunded or disputed when it succeeds).
The scenario is shared with ``tests/api/test_webhook_storm.py``, which runs it small in
``make test``; this runs it at 2,000 events against ``vaultra serve`` and prints the figures:

    python -m bench.storm [--events 2000] [--concurrency 16] [--postgres URL]

Without --postgres it uses VAULTRA_BENCH_POSTGRES_URL, or skips PostgreSQL when none is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import stripe
from sqlalchemy import func, select
from sqlmodel import col

from bench.common import table
from bench.loadgen import post_request, send_all
from bench.mcp import BENCH, free_port
from bench.webhooks import spawn
from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.demo.generator import generate
from vaultra_mcp.demo.profiles import profile
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import (
    Business,
    Charge,
    Dispute,
    IntegrationAccount,
    Payout,
    Refund,
    StripeEvent,
)
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

SECRET = "whsec_bench_storm"
ACCOUNT = "acct_benchstorm"
PATH = "/api/v1/webhooks/stripe"
DELIVERIES_PER_EVENT = 3
AS_OF = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TABLES: dict[str, Any] = {
    "charge": Charge,
    "refund": Refund,
    "dispute": Dispute,
    "payout": Payout,
}


@dataclass
class Storm:
    """The signed deliveries in arrival order, and what the database must hold afterwards."""

    events: list[dict[str, Any]]
    deliveries: list[tuple[bytes, str]]  # (body, Stripe-Signature)
    final: dict[tuple[str, str], dict[str, Any]]  # (object kind, id) -> its last state sent
    disputed: set[str]  # charges a delivered dispute names


def charge_story(charge: dict[str, Any], refunds: list[Any], disputes: list[Any]) -> list[Any]:
    """One charge's events in the order they happened, each with the charge as it was then."""
    start = dict(charge, amount_refunded=0, refunded=False, disputed=False)
    story: list[tuple[int, str, dict[str, Any]]] = [
        (charge["created"], f"charge.{charge['status']}", start)
    ]
    refunded, disputed_at = 0, min((d["created"] for d in disputes), default=None)
    for refund in sorted(refunds, key=lambda r: r["created"]):
        refunded += refund["amount"]
        disputed = disputed_at is not None and disputed_at <= refund["created"]
        now = dict(start, amount_refunded=refunded, refunded=refunded == charge["amount"])
        story += [
            (refund["created"], "refund.created", refund),
            (refund["created"], "charge.refunded", now | {"disputed": disputed}),
        ]
    story += [(d["created"], "charge.dispute.created", d) for d in disputes]
    return sorted(story, key=lambda step: step[0])


def storm_events(count: int, account: str, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` events of the chargeback shop's history: whole charge stories, the disputed
    ones first, then payouts, oldest first within each object."""
    history = generate(profile("chargeback_shop"), AS_OF, seed, "storm")
    refunds: dict[str, list[Any]] = {}
    for refund in history.refunds:
        refunds.setdefault(refund["charge"], []).append(refund)
    disputes: dict[str, list[Any]] = {}
    for dispute in history.disputes:
        disputes.setdefault(dispute["charge"], []).append(dispute)
    charges = sorted(history.charges, key=lambda c: (c["id"] not in disputes, c["created"]))
    stories = [
        charge_story(c, refunds.get(c["id"], []), disputes.get(c["id"], [])) for c in charges
    ]
    stories += [[(p["created"], f"payout.{p['status']}", p)] for p in history.payouts]
    steps = [step for story in stories for step in story][:count]
    return [
        {
            "id": f"evt_storm{n:07d}",
            "object": "event",
            "type": kind,
            "created": created,
            "livemode": False,
            "account": account,
            "data": {"object": obj},
        }
        for n, (created, kind, obj) in enumerate(steps)
    ]


def build_storm(
    count: int, signed_at: int, account: str = ACCOUNT, seed: int = 7, run: str = ""
) -> Storm:
    """The storm for ``account``: every event ``DELIVERIES_PER_EVENT`` times, shuffled; ``run``
    keeps event ids apart between runs on one database."""
    events = [e | {"id": e["id"] + run} for e in storm_events(count, account, seed)]
    final: dict[tuple[str, str], dict[str, Any]] = {}
    disputed: set[str] = set()
    for event in events:  # in the order things happened: the last state of each object wins
        obj = event["data"]["object"]
        final[(obj["object"], obj["id"])] = obj
        if obj["object"] == "dispute":
            disputed.add(obj["charge"])
    arrivals = [e for e in events for _ in range(DELIVERIES_PER_EVENT)]
    random.Random(seed).shuffle(arrivals)
    deliveries = []
    for event in arrivals:
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET, signed_at)
        deliveries.append((payload.encode(), header))
    return Storm(events, deliveries, final, disputed)


async def deliver_concurrently(
    send: Callable[[bytes, str], Awaitable[int]],
    deliveries: list[tuple[bytes, str]],
    concurrency: int,
) -> list[int]:
    """Every delivery through ``send`` (which answers its status), ``concurrency`` at a time."""
    pending = list(reversed(deliveries))
    statuses: list[int] = []

    async def sender() -> None:
        while pending:
            payload, header = pending.pop()
            statuses.append(await send(payload, header))

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return statuses


async def discrepancies(deps: Deps, business_id: int, storm: Storm) -> list[str]:
    """What the database holds that the storm says it should not; empty when all is right."""
    problems = []
    async with deps.db.sessions() as session:
        stored = (
            await session.execute(
                select(func.count())
                .select_from(StripeEvent)
                .where(col(StripeEvent.event_id).in_([e["id"] for e in storm.events]))
            )
        ).scalar_one()
        if stored != len(storm.events):
            problems.append(f"{stored} events stored, {len(storm.events)} sent")
        for kind, model in TABLES.items():
            rows = {
                row.stripe_id: row
                for row in (
                    await session.execute(select(model).where(model.business_id == business_id))
                ).scalars()
            }
            expected = {key[1]: obj for key, obj in storm.final.items() if key[0] == kind}
            if set(rows) != set(expected):
                problems.append(f"{kind}: {len(rows)} rows for {len(expected)} objects")
            for stripe_id, obj in expected.items():
                row = rows.get(stripe_id)
                if row is not None and row.status != obj["status"]:
                    problems.append(f"{stripe_id}: {row.status}, not {obj['status']}")
                if kind == "charge" and row is not None:
                    if row.amount_refunded != obj["amount_refunded"]:
                        problems.append(f"{stripe_id}: refunded {row.amount_refunded}")
                    if row.disputed != (obj["disputed"] or stripe_id in storm.disputed):
                        problems.append(f"{stripe_id}: disputed={row.disputed}")
    return problems


async def prepare(database_url: str, account: str) -> int:
    """Migrated, and a new business of this run's with its own Stripe account connected."""
    deps = Deps.build(Settings(database={"url": database_url}))
    try:
        await upgrade(deps.db)
        async with deps.db.transaction() as session:
            business = Business(name=f"Storm Bench {account}")
            session.add(business)
            await session.flush()
            assert business.id is not None
            session.add(IntegrationAccount(business_id=business.id, external_account_id=account))
            return business.id
    finally:
        await deps.close()


async def measure(database_url: str, events: int, concurrency: int) -> list[str]:
    run = f"{int(time.time())}"
    account = f"{ACCOUNT}{run}"
    business_id = await prepare(database_url, account)
    storm = build_storm(events, int(time.time()), account, run=run)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    port = free_port()
    server = spawn(
        [sys.executable, "-m", "vaultra_mcp.cli", "serve", "--port", str(port)], port, env
    )
    try:
        requests = [
            post_request(
                "127.0.0.1",
                port,
                PATH,
                body,
                {"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            for body, header in storm.deliveries
        ]
        started = time.perf_counter()
        per_second, failures = await send_all("127.0.0.1", port, requests, concurrency)
        seconds = time.perf_counter() - started
    finally:
        server.terminate()  # type: ignore[attr-defined]
        server.wait(timeout=30)  # type: ignore[attr-defined]
    deps = Deps.build(Settings(database={"url": database_url}))
    try:
        problems = await discrepancies(deps, business_id, storm)
    finally:
        await deps.close()
    counts = {kind: sum(1 for key in storm.final if key[0] == kind) for kind in TABLES}
    return [
        describe(parse_database_url(database_url)),
        f"{len(storm.events):,} x {DELIVERIES_PER_EVENT}",
        str(concurrency),
        f"{seconds:.1f} s",
        f"{per_second:,.0f}",
        str(failures),
        ", ".join(f"{n} {kind}s" for kind, n in counts.items()),
        f"{len(storm.disputed)}",
        "none" if not problems else "; ".join(problems[:3]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("VAULTRA_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    BENCH.mkdir(exist_ok=True)
    sqlite_file = Path(BENCH / "storm.db")
    databases = [f"sqlite+aiosqlite:///{sqlite_file}"] + ([args.postgres] if args.postgres else [])
    rows = [asyncio.run(measure(url, args.events, args.concurrency)) for url in databases]
    print(f"Webhook storm: each event delivered {DELIVERIES_PER_EVENT} times, shuffled")
    headers = [
        "database",
        "events x deliveries",
        "senders",
        "wall",
        "deliveries/s",
        "non-200",
        "objects (one row each)",
        "disputed charges",
        "wrong rows",
    ]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
