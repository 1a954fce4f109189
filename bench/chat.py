"""Chat benchmark: an offline chat turn through the whole HTTP stack, beside a bare endpoint.

The API (``create_app``, demo data on SQLite, the offline assistant) and a bare Starlette
endpoint run side by side on uvicorn threads in this process; one client sends the same kind of
requests to both, one at a time, a bare request after each JSON turn. Reported: the JSON turn's
round trip (p50, p95), the time to the first Server-Sent Events byte and to the whole stream,
and the bare endpoint's round trip.

    python -m bench.chat [--turns 100]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from bench.bare_http import app as bare_app
from bench.common import goal_table, median_ms, percentile_ms, table
from bench.mcp import BENCH, ROOT
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.jobs import run_job
from vaultra_mcp.loopback import BackgroundServer
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

QUESTIONS = (
    "What's hurting my funding readiness?",
    "What should I do next?",
    "What is an SBA 7(a) loan?",
    "What funding options do I have?",
)
DEVON = 2  # owns Voltline Gadgets, one business


async def demo_settings() -> Settings:
    BENCH.mkdir(exist_ok=True)
    path = BENCH / "chat.db"
    path.unlink(missing_ok=True)
    settings = Settings(
        database={"url": f"sqlite+aiosqlite:///{path}"},
        knowledge={"dir": str(ROOT / "knowledge"), "index": str(BENCH / "knowledge.sqlite")},
        # throughput is measured here, not the per-caller limits (each turn is still counted)
        limits={
            "chat_turns_per_user": 10**9,
            "chat_turns_per_business": 10**9,
            "tool_calls_per_user": 10**9,
        },
        llm={"agent_daily_tokens": None},
    )
    deps = Deps.build(settings)
    try:
        await upgrade(deps.db)
        await load_demo(deps, businesses=6, seed=7)
        for job in ("compute_metrics", "compute_readiness", "generate_recommendations"):
            await run_job(deps, job)
    finally:
        await deps.close()
    return settings


async def bare_time(bare: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    (await bare.post("/api/v1/webhooks/stripe", content=b"{}")).raise_for_status()
    return time.perf_counter() - started


async def turn_times(
    client: httpx.AsyncClient, bare: httpx.AsyncClient, headers: dict[str, str], turns: int
) -> tuple[list[float], list[float]]:
    """JSON turns, each followed by one bare round trip: both see the same machine."""
    times, bare_times = [], []
    for n in range(turns):
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/agent/chat", json={"message": QUESTIONS[n % 4]}, headers=headers
        )
        times.append(time.perf_counter() - started)
        response.raise_for_status()
        bare_times.append(await bare_time(bare))
    return times, bare_times


async def stream_times(
    client: httpx.AsyncClient, headers: dict[str, str], turns: int
) -> tuple[list[float], list[float]]:
    first, whole = [], []
    sse = {**headers, "Accept": "text/event-stream"}
    for n in range(turns):
        started = time.perf_counter()
        async with client.stream(
            "POST", "/api/v1/agent/chat", json={"message": QUESTIONS[n % 4]}, headers=sse
        ) as response:
            chunks = response.aiter_raw()
            await anext(chunks)
            first.append(time.perf_counter() - started)
            async for _ in chunks:
                pass
        whole.append(time.perf_counter() - started)
    return first, whole


async def main(turns: int) -> None:
    from api_shell.app import create_app

    settings = await demo_settings()
    token = mint_jwt(settings, DEVON, int(time.time()))
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        BackgroundServer(create_app(settings), lifespan="on") as api_url,
        BackgroundServer(bare_app) as bare_url,
        httpx.AsyncClient(base_url=api_url, timeout=30) as client,
        httpx.AsyncClient(base_url=bare_url) as bare_client,
    ):
        await turn_times(client, bare_client, headers, 5)  # warm: imports, index, pools
        json_turns, bare = await turn_times(client, bare_client, headers, turns)
        first_byte, whole_stream = await stream_times(client, headers, turns)
    bare_p50 = median_ms(bare)
    rows = [
        ["chat turn, JSON", f"{median_ms(json_turns):.1f}", f"{percentile_ms(json_turns, 95):.1f}"],
        [
            "chat turn, SSE first byte",
            f"{median_ms(first_byte):.1f}",
            f"{percentile_ms(first_byte, 95):.1f}",
        ],
        [
            "chat turn, SSE whole stream",
            f"{median_ms(whole_stream):.1f}",
            f"{percentile_ms(whole_stream, 95):.1f}",
        ],
        ["bare endpoint (yardstick)", f"{bare_p50:.2f}", f"{percentile_ms(bare, 95):.2f}"],
    ]
    print(f"Offline chat over HTTP on 127.0.0.1, {turns} turns each, one at a time")
    print(table(["request", "p50 ms", "p95 ms"], rows))
    json_p50, first_p50 = median_ms(json_turns), median_ms(first_byte)
    print()
    print(
        goal_table(
            "JSON chat turn p50",
            "<= 25 ms",
            ["measure", "p50 ms", "vs bare"],
            [
                (
                    ["chat turn, JSON", f"{json_p50:.1f}", f"{json_p50 / bare_p50:.0f}x"],
                    json_p50 <= 25,
                )
            ],
        )
    )
    print()
    over = first_p50 - bare_p50
    print(
        goal_table(
            "first SSE byte, p50 over the bare round trip",
            "<= 5 ms over",
            ["measure", "p50 ms", "bare p50 ms", "over bare"],
            [
                (
                    ["SSE first byte", f"{first_p50:.1f}", f"{bare_p50:.2f}", f"{over:.1f} ms"],
                    over <= 5,
                )
            ],
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100)
    asyncio.run(main(parser.parse_args().turns))
