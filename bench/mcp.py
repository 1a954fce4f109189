"""MCP benchmark: Vaultra beside a bare FastMCP server with trivial tools, started the same way.

    python -m bench.mcp [--calls 200] [--businesses 1000]

Interleaves the two servers throughout so both see the same machine conditions, and prints
medians and ratios for: stdio cold start (spawn -> initialize -> tools/list); warm per-call
latency over stdio for each Vaultra tool on a 1,000-business database against the bare echo
tool; and Streamable HTTP calls/s at concurrency 1, 8 and 32 with bearer auth on both.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastmcp import Client
from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

from bench.common import goal_table, median_ms, percentile_ms
from bench.recompute import ensure_demo
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_token
from vaultra_mcp.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"
BARE_TOKEN = "bench-bare-token"
TOOL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list_businesses", {}),
    ("get_business_context", {}),
    ("get_readiness_breakdown", {}),
    ("get_top_recommendations", {}),
    ("get_metric_summary", {}),
    ("get_funding_options", {}),
    ("simulate_readiness", {"changes": {"dispute_activity_pct": 0.2}}),
    ("search_knowledge", {"query": "Stripe Capital eligibility"}),
    ("update_recommendation_status", {"recommendation_id": 0, "status": "accepted"}),
]


def environment(database_url: str, token: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAULTRA_TOKEN": token,
        "VAULTRA_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "VAULTRA_KNOWLEDGE_INDEX": str(BENCH / "knowledge.sqlite"),
        "VAULTRA_LOG_LEVEL": "WARNING",
        # throughput is measured here, not the per-user limit (each call is still counted)
        "VAULTRA_TOOL_CALLS_PER_USER": str(10**9),
    }


def vaultra_stdio(env: dict[str, str]) -> StdioTransport:
    return StdioTransport(sys.executable, ["-m", "vaultra_mcp.server"], env=env, cwd=str(ROOT))


def bare_stdio() -> StdioTransport:
    return StdioTransport(
        sys.executable, ["-m", "bench.bare_server"], env=dict(os.environ), cwd=str(ROOT)
    )


async def cold_start(make: Callable[[], StdioTransport]) -> float:
    start = time.perf_counter()
    async with Client(make()) as client:
        await client.list_tools()
    return time.perf_counter() - start


async def timed_call(client: Client[Any], tool: str, args: dict[str, Any]) -> float:
    """One call through the MCP protocol result (``call_tool_mcp``): FastMCP's ``call_tool``
    would also turn every structured result into a dataclass, client-side work that grows with
    the output schema and says nothing about the server."""
    start = time.perf_counter()
    result = await client.call_tool_mcp(tool, args)
    elapsed = time.perf_counter() - start
    if result.is_error:
        raise SystemExit(f"{tool} failed during the benchmark: {result.content}")
    return elapsed


async def warm_latency(
    env: dict[str, str], calls: int
) -> dict[str, tuple[list[float], list[float]]]:
    """For each tool: (Vaultra samples, bare echo samples), interleaved call by call."""
    results: dict[str, tuple[list[float], list[float]]] = {}
    async with Client(vaultra_stdio(env)) as ours, Client(bare_stdio()) as bare:
        recs = await ours.call_tool("get_top_recommendations", {"status": "all"})
        rec_id = recs.structured_content["recommendations"][0]["id"]
        for tool, args in TOOL_CALLS:
            args = {**args, "recommendation_id": rec_id} if "recommendation_id" in args else args
            for _ in range(5):  # warm-up: first calls build the deps and caches
                await timed_call(ours, tool, args)
                await timed_call(bare, "echo", {"text": "hello"})
            mine, theirs = [], []
            for _ in range(calls):
                mine.append(await timed_call(ours, tool, args))
                theirs.append(await timed_call(bare, "echo", {"text": "hello"}))
            results[tool] = (mine, theirs)
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(args, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


async def throughput(
    url: str, token: str, tool: str, args: dict[str, Any], concurrency: int, seconds: float
) -> float:
    """Calls per second from ``concurrency`` client sessions calling back to back."""
    clients = [
        Client(StreamableHttpTransport(url, headers={"Authorization": f"Bearer {token}"}))
        for _ in range(concurrency)
    ]
    async with contextlib.AsyncExitStack() as stack:
        for c in clients:
            await stack.enter_async_context(c)
        for c in clients:
            await c.call_tool_mcp(tool, args)
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker(client: Client[Any]) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await client.call_tool_mcp(tool, args)
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        return done / (time.perf_counter() - started)


async def http_rates(
    env: dict[str, str], token: str, seconds: float
) -> list[tuple[int, float, list[tuple[str, float]]]]:
    ours_port, bare_port = free_port(), free_port()
    ours = start(
        [
            sys.executable,
            "-m",
            "vaultra_mcp.server",
            "--transport",
            "http",
            "--port",
            str(ours_port),
        ],
        env,
        ours_port,
    )
    bare = start(
        [sys.executable, "-m", "bench.bare_server", "--http", str(bare_port), BARE_TOKEN],
        env,
        bare_port,
    )
    rows = []
    try:
        for concurrency in (1, 8, 32):
            bare_rate = await throughput(
                f"http://127.0.0.1:{bare_port}/mcp",
                BARE_TOKEN,
                "echo",
                {"text": "hi"},
                concurrency,
                seconds,
            )
            light = await throughput(
                f"http://127.0.0.1:{ours_port}/mcp",
                token,
                "list_businesses",
                {},
                concurrency,
                seconds,
            )
            heavy = await throughput(
                f"http://127.0.0.1:{ours_port}/mcp",
                token,
                "get_readiness_breakdown",
                {},
                concurrency,
                seconds,
            )
            rows.append(
                (
                    concurrency,
                    bare_rate,
                    [("list_businesses", light), ("get_readiness_breakdown", heavy)],
                )
            )
    finally:
        for process in (ours, bare):
            process.terminate()
            process.wait(timeout=30)
    return rows


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    BENCH.mkdir(exist_ok=True)
    # Both servers start from bytecode, as an installed package would (pip compiles third-party
    # packages; our editable checkout is compiled here).
    for package in ("vaultra_mcp", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)
    database_url = f"sqlite+aiosqlite:///{BENCH / 'recompute.db'}"
    settings = Settings(database={"url": database_url})
    deps = Deps.build(settings)
    try:
        await ensure_demo(deps, args.businesses)
    finally:
        await deps.close()
    token = demo_token(
        settings.auth.hash_key.get_secret_value().encode(), "devon@voltline.example", 7
    )
    env = environment(database_url, token)

    colds: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.cold_runs):
        colds[1].append(await cold_start(bare_stdio))
        colds[0].append(await cold_start(lambda: vaultra_stdio(env)))
    warm = await warm_latency(env, args.calls)
    rates = await http_rates(env, token, args.seconds)

    cold_ratio = median_ms(colds[0]) / median_ms(colds[1])
    cold_row = [f"{median_ms(colds[1]):.0f}", f"{median_ms(colds[0]):.0f}", f"{cold_ratio:.2f}x"]
    p50_rows, p99_rows, warm_rows = [], [], []
    for tool, (mine, theirs) in warm.items():
        p50, p99 = median_ms(mine), percentile_ms(mine, 99)
        b50, b99 = median_ms(theirs), percentile_ms(theirs, 99)
        p50_rows.append(([tool, f"{b50:.2f}", f"{p50:.2f}", f"{p50 / b50:.2f}x"], p50 / b50 <= 1.5))
        p99_rows.append(([tool, f"{b99:.2f}", f"{p99:.2f}", f"{p99 / b99:.2f}x"], p99 / b99 <= 2.0))
        warm_rows.append([tool, f"{p50 / b50:.2f}x", f"{p99 / b99:.2f}x"])
    print(
        goal_table(
            f"stdio cold start, spawn -> initialize -> tools/list (median of {args.cold_runs}, ms)",
            "<= 1.2x",
            ["bare FastMCP", "Vaultra", "ratio"],
            [(cold_row, cold_ratio <= 1.2)],
        )
    )
    where = f"{args.businesses:,}-business database, {args.calls} interleaved calls each, ms"
    headers = ["tool", "bare echo", "Vaultra", "ratio"]
    print(f"\n{goal_table(f'warm stdio call p50 ({where})', '<= 1.5x', headers, p50_rows)}")
    print(f"\n{goal_table(f'warm stdio call p99 ({where})', '<= 2x', headers, p99_rows)}")
    http_rows = [
        ([str(c), f"{bare:.0f}", tool, f"{ours:.0f}", f"{ours / bare:.2f}x"], ours / bare >= 0.8)
        for c, bare, cells in rates
        for tool, ours in cells
    ]
    print(
        "\n"
        + goal_table(
            f"Streamable HTTP calls/s with bearer auth ({args.seconds:g} s per cell)",
            ">= 0.8x at 8 and 32",
            ["concurrency", "bare echo", "tool", "Vaultra", "ratio"],
            http_rows,
        )
    )
    return {"cold": cold_row, "warm": warm_rows, "http": [r[0] for r in http_rows]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--businesses", type=int, default=1_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    (BENCH / "mcp.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
