"""Webhook benchmark: signed Stripe events ingested per second, beside a bare 200 endpoint.

Each event is a distinct ``charge.succeeded`` for a connected account, so every delivery is
verified, stored once and applied (a charge row, the business marked for recompute). Both
servers run as their own processes (``vaultra serve`` and ``bench.bare_http``) and receive the
same requests from 8, then 32, concurrent senders (``bench.loadgen``: keep-alive connections,
requests built ahead), as Stripe delivers in parallel. Usage:

    python -m bench.webhooks [--events 3000] [--concurrency 8 32] [--postgres URL]

Without --postgres it uses VAULTRA_BENCH_POSTGRES_URL, or skips PostgreSQL when none is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

import httpx
import stripe
from sqlalchemy import select
from sqlmodel import col

from bench.common import table
from bench.loadgen import post_request, send_all
from bench.mcp import BENCH, ROOT, free_port
from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import Business, IntegrationAccount
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

SECRET = "whsec_bench_webhooks"
ACCOUNT = "acct_benchwebhooks"
GOAL = 1_000
PATH = "/api/v1/webhooks/stripe"


async def prepare(database_url: str) -> None:
    """Migrated, with the bench's own business and its Stripe account connected."""
    deps = Deps.build(Settings(database={"url": database_url}))
    try:
        await upgrade(deps.db)
        async with deps.db.transaction() as session:
            linked = await session.execute(
                select(IntegrationAccount).where(
                    col(IntegrationAccount.external_account_id) == ACCOUNT
                )
            )
            if linked.first() is None:
                business = Business(name="Webhook Bench", demo_key="bench-webhooks")
                session.add(business)
                await session.flush()
                assert business.id is not None
                session.add(
                    IntegrationAccount(business_id=business.id, external_account_id=ACCOUNT)
                )
    finally:
        await deps.close()


def signed_events(count: int) -> list[tuple[bytes, str]]:
    run = uuid.uuid4().hex[:10]
    now = int(time.time())
    deliveries = []
    for n in range(count):
        charge = {
            "id": f"ch_{run}{n:07d}",
            "object": "charge",
            "amount": 1_000 + n,
            "currency": "usd",
            "status": "succeeded",
            "amount_refunded": 0,
            "disputed": False,
            "customer": f"cus_{n % 500}",
            "created": now - 60,
        }
        event = {
            "id": f"evt_{run}{n:07d}",
            "object": "event",
            "type": "charge.succeeded",
            "created": now - 60,
            "livemode": False,
            "account": ACCOUNT,
            "data": {"object": charge},
        }
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET, now)
        deliveries.append((payload.encode(), header))
    return deliveries


async def rate(port: int, deliveries: list[tuple[bytes, str]], concurrency: int) -> float:
    requests = [
        post_request(
            "127.0.0.1",
            port,
            PATH,
            payload,
            {"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        for payload, header in deliveries
    ]
    per_second, failures = await send_all("127.0.0.1", port, requests, concurrency)
    if failures:
        raise SystemExit(f"{failures} deliveries to port {port} failed")
    return per_second


def spawn(args: list[str], port: int, env: dict[str, str]) -> object:
    import subprocess

    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(400):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.terminate()
    raise SystemExit(f"server on port {port} did not start")


async def measure(database_url: str, events: int, concurrency: int) -> list[str]:
    """One row: this database at this many concurrent senders."""
    await prepare(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    ours_port, bare_port = free_port(), free_port()
    ours = spawn(
        [sys.executable, "-m", "vaultra_mcp.cli", "serve", "--port", str(ours_port)], ours_port, env
    )
    bare = spawn([sys.executable, "-m", "bench.bare_http", str(bare_port)], bare_port, env)
    try:
        warm = signed_events(200)
        await rate(ours_port, warm, concurrency)
        await rate(bare_port, warm, concurrency)
        bare_rate = await rate(bare_port, signed_events(events), concurrency)
        ours_rate = await rate(ours_port, signed_events(events), concurrency)
    finally:
        for process in (ours, bare):
            process.terminate()  # type: ignore[attr-defined]
            process.wait(timeout=30)  # type: ignore[attr-defined]
    verdict = "met" if ours_rate >= GOAL else "missed"
    return [
        describe(parse_database_url(database_url)),
        str(concurrency),
        f"{bare_rate:,.0f}",
        f"{ours_rate:,.0f}",
        f"{ours_rate / bare_rate:.2f}x",
        f">= {GOAL:,}/s {verdict}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3_000)
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[8, 32], help="senders; one row each"
    )
    parser.add_argument("--postgres", default=os.environ.get("VAULTRA_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    BENCH.mkdir(exist_ok=True)
    sqlite_file = Path(BENCH / "webhooks.db")
    databases = [f"sqlite+aiosqlite:///{sqlite_file}"] + ([args.postgres] if args.postgres else [])
    rows = [
        asyncio.run(measure(url, args.events, concurrency))
        for url in databases
        for concurrency in args.concurrency
    ]
    print(f"Webhook ingest, {args.events:,} signed events per run")
    headers = ["database", "senders", "bare 200 (events/s)", "Vaultra (events/s)", "ratio", "goal"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
