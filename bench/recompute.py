"""Recompute benchmark: the metrics/readiness/recommendations pipeline on a 1,000-business demo.

Prints, per database, the full recompute beside one bare ``GROUP BY`` over the same charges (the
yardstick: the cheapest query that reads every payment row once), and the incremental recompute
after new rows arrive for 10 businesses. Usage:

    python -m bench.recompute [--businesses 1000] [--sqlite PATH] [--postgres URL]

Without --postgres it uses VAULTRA_BENCH_POSTGRES_URL, or skips PostgreSQL when none is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from bench.common import median_ms, table, timed
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.db import describe
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import Business, Charge, Dispute, Payout, Refund
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import run_compute_metrics
from vaultra_mcp.services.payments import insert_payment_rows
from vaultra_mcp.services.readiness import run_compute_readiness
from vaultra_mcp.services.recommendations import run_generate_recommendations
from vaultra_mcp.settings import Settings

YARDSTICK = "SELECT business_id, COUNT(*), SUM(amount) FROM charges GROUP BY business_id"


async def pipeline(deps: Deps, full: bool, business_ids: list[int] | None = None) -> None:
    await run_compute_metrics(deps, full=full, business_ids=business_ids)
    await run_compute_readiness(deps)
    await run_generate_recommendations(deps)


async def payment_rows(deps: Deps) -> int:
    total = 0
    async with deps.db.sessions() as session:
        for model in (Charge, Refund, Dispute, Payout):
            total += (await session.execute(select(func.count()).select_from(model))).scalar_one()
    return total


async def ensure_demo(deps: Deps, businesses: int) -> None:
    await upgrade(deps.db)
    async with deps.db.sessions() as session:
        present = (await session.execute(select(func.count()).select_from(Business))).scalar_one()
    if present < businesses:
        print(f"  loading a {businesses:,}-business demo (once)...", file=sys.stderr)
        await load_demo(deps, businesses=businesses, seed=7)


async def add_rows(deps: Deps, round_: int) -> list[int]:
    ids = list(range(1, 11))
    now = deps.clock.now()
    rows = PaymentSet(
        charges=[
            {
                "business_id": bid,
                "stripe_id": f"ch_bench_{round_}_{bid}",
                "amount": 4_200,
                "currency": "usd",
                "status": "succeeded",
                "created": now,
            }
            for bid in ids
        ]
    )
    async with deps.db.transaction() as session:
        await insert_payment_rows(session, deps.db.dialect, rows, now)
    return ids


async def measure(url: str, businesses: int) -> list[str]:
    settings = Settings(database={"url": url}, env="development")
    deps = Deps.build(settings)
    try:
        await ensure_demo(deps, businesses)
        rows = await payment_rows(deps)

        async def yardstick() -> None:
            async with deps.db.sessions() as session:
                (await session.execute(text(YARDSTICK))).all()

        await yardstick()  # warm the cache the same way for both
        bare = median_ms(await timed(yardstick, 5))
        full = median_ms(await timed(lambda: pipeline(deps, full=True), 3))
        metrics_only = median_ms(await timed(lambda: run_compute_metrics(deps, full=True), 3))
        rounds = iter(range(1_000))

        async def incremental() -> None:
            await add_rows(deps, next(rounds))
            await pipeline(deps, full=False)

        incr = median_ms(await timed(incremental, 3))
        return [
            describe(deps.db.url).split(" ")[0],
            f"{rows:,}",
            f"{bare:.0f}",
            f"{metrics_only:.0f}",
            f"{full:.0f}",
            f"{full / bare:.1f}x",
            f"{incr:.0f}",
        ]
    finally:
        await deps.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--businesses", type=int, default=1_000)
    parser.add_argument("--sqlite", default=".bench/recompute.db")
    parser.add_argument("--postgres", default=os.environ.get("VAULTRA_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    targets = [f"sqlite+aiosqlite:///{args.sqlite}"] + ([args.postgres] if args.postgres else [])
    results = [asyncio.run(measure(url, args.businesses)) for url in targets]
    print(f"Recompute, {args.businesses:,} businesses (medians; ms)")
    print(
        table(
            [
                "database",
                "payment rows",
                "bare GROUP BY",
                "metrics (full)",
                "full pipeline",
                "ratio",
                "incremental (10 businesses)",
            ],
            results,
        )
    )


if __name__ == "__main__":
    main()
