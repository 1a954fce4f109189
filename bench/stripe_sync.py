"""Backfill benchmark: rows per second from the fake Stripe API into the database.

The fake runs in its own process with connected demo accounts. The yardstick reads every page of
the same lists with the official client and writes nothing (the fake's raw list throughput);
the backfill reads the same pages through ``StripeApiGateway`` and commits each one with its
cursor. Usage:

    python -m bench.stripe_sync [--profiles chargeback_shop,steady_saas] [--postgres URL]

Without --postgres it uses VAULTRA_BENCH_POSTGRES_URL, or skips PostgreSQL when none is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr
from sqlalchemy import delete
from sqlmodel import col

from bench.common import table
from bench.mcp import BENCH, ROOT, free_port
from fakes.stripe import FakeStripe
from fakes.stripe.serve import serve_forever
from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.integrations.stripe_gateway import (
    ConnectedAccount,
    StripeApiGateway,
)
from vaultra_mcp.loopback import loopback_socket
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import Business, IntegrationAccount
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.stripe_connect import link_account
from vaultra_mcp.services.stripe_sync import BACKFILLED, sync_integration
from vaultra_mcp.settings import Settings

SECRET = FakeStripe.secret_key


def account_id(profile: str) -> str:
    return "acct_bench" + profile.replace("_", "")


def serve_fake(port: int, profiles: list[str]) -> None:
    """The child process: the fake with every profile's account connected."""
    state = FakeStripe()
    for profile in profiles:
        state.add_account(account_id(profile), profile, as_of=datetime.now(UTC))
    serve_forever(state, loopback_socket(port))


def start_fake(profiles: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.stripe_sync", "--serve-fake", str(port), ",".join(profiles)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.terminate()
    raise SystemExit("the Stripe fake did not start")


def settings_for(database_url: str, url: str) -> Settings:
    return Settings(
        database={"url": database_url},
        stripe={"api_base": url, "secret_key": SecretStr(SECRET), "backfill_months": 36},
        log_level="WARNING",
    )


async def raw_rate(url: str, profiles: list[str]) -> tuple[int, float]:
    """Every page of every list, read and discarded: (rows, seconds)."""
    gateway = StripeApiGateway(settings_for("sqlite+aiosqlite:///unused.db", url))
    rows, started = 0, time.perf_counter()
    try:
        for profile in profiles:
            account = ConnectedAccount(account_id(profile), None)
            for resource in BACKFILLED:
                after = None
                while True:
                    page = await gateway.page(
                        account, resource, starting_after=after, created_gte=0
                    )
                    rows += len(page.items)
                    if not page.has_more or not page.items:
                        break
                    after = page.items[-1]["id"]
    finally:
        await gateway.close()
    return rows, time.perf_counter() - started


async def backfill_rate(database_url: str, url: str, profiles: list[str]) -> tuple[int, float]:
    deps = Deps.build(settings_for(database_url, url))
    try:
        await upgrade(deps.db)
        async with deps.db.transaction() as session:  # a clean slate for the bench's accounts
            accounts = [account_id(p) for p in profiles]
            await session.execute(
                delete(IntegrationAccount).where(
                    col(IntegrationAccount.external_account_id).in_(accounts)
                )
            )
            await session.execute(
                delete(Business).where(col(Business.demo_key).like("bench-sync-%"))
            )
        ids = []
        for profile in profiles:
            async with deps.db.transaction() as session:
                business = Business(name=f"Backfill {profile}", demo_key=f"bench-sync-{profile}")
                session.add(business)
                await session.flush()
                assert business.id is not None
            await link_account(deps, business.id, account_id(profile), "sk_test_bench")
            async with deps.db.sessions() as session:
                ids.append(
                    (
                        await session.execute(
                            IntegrationAccount.__table__.select().where(  # type: ignore[attr-defined]
                                IntegrationAccount.business_id == business.id
                            )
                        )
                    )
                    .one()
                    .id
                )
        started, rows = time.perf_counter(), 0
        for integration_id in ids:
            report = await sync_integration(deps, integration_id)
            if report.status != "synced":
                raise SystemExit(f"backfill failed: {report.error}")
            rows += report.rows
        return rows, time.perf_counter() - started
    finally:
        await deps.close()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-fake":
        serve_fake(int(sys.argv[2]), sys.argv[3].split(","))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="chargeback_shop,steady_saas")
    parser.add_argument("--postgres", default=os.environ.get("VAULTRA_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    BENCH.mkdir(exist_ok=True)
    databases = [f"sqlite+aiosqlite:///{BENCH / 'stripe_sync.db'}"]
    databases += [args.postgres] if args.postgres else []
    process, url = start_fake(profiles)
    try:
        raw_rows, raw_seconds = asyncio.run(raw_rate(url, profiles))
        rows = []
        for database_url in databases:
            synced, seconds = asyncio.run(backfill_rate(database_url, url, profiles))
            rows.append(
                [
                    describe(parse_database_url(database_url)),
                    f"{synced:,}",
                    f"{raw_rows / raw_seconds:,.0f}",
                    f"{synced / seconds:,.0f}",
                    f"{(synced / seconds) / (raw_rows / raw_seconds):.2f}x",
                ]
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"Stripe backfill through the fake API ({', '.join(profiles)}), pages of 100")
    print(table(["database", "rows", "raw list (rows/s)", "backfill (rows/s)", "ratio"], rows))


if __name__ == "__main__":
    main()
