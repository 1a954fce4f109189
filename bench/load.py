"""MCP load with two tenants: concurrent Streamable HTTP sessions, half Devon's and half
Priya's, every session numbering its requests 1..N so JSON-RPC ids collide across sessions and
tenants. Each business carries a canary string in its name and funding purpose; a result of one
tenant that contains the other's canary is a leak. Beside it, a bare FastMCP server started the
same way takes the same sessions with its echo tool. Prints calls/s, p50/p99, errors and leaks:

    python -m bench.load [--sessions 50] [--calls 20] [--postgres URL]

The scenario is shared with ``tests/server/test_load.py``, which runs it small in ``make test``.
Without --postgres it uses VAULTRA_BENCH_POSTGRES_URL, or runs on SQLite only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from itertools import cycle, islice
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlmodel import col

from bench.common import median_ms, percentile_ms, table
from bench.mcp import BARE_TOKEN, BENCH, environment, free_port, start
from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.jobs import run_job
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import Business, Membership, User
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_token
from vaultra_mcp.settings import Settings

PROTOCOL = "2025-06-18"
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
# (demo owner's email, canary): two tenants of the demo, each business marked with its own.
TENANTS = (
    ("devon@voltline.example", "CANARY-VOLT-7F3A"),
    ("priya@brightside.example", "CANARY-BRIGHT-91C2"),
)
TOOL_CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_business_context", {}),
    ("list_businesses", {}),
    ("get_readiness_breakdown", {}),
    ("get_top_recommendations", {"status": "all"}),
    ("get_metric_summary", {}),
    ("get_funding_options", {}),
)
BARE_CALL = ("echo", {"text": "hello"})


async def plant_canaries(deps: Deps) -> None:
    """Each tenant's canary in the name and funding purpose of the businesses its owner has."""
    async with deps.db.transaction() as session:
        for email, canary in TENANTS:
            owned = (
                select(col(Membership.business_id))
                .join(User, col(User.id) == Membership.user_id)
                .where(col(User.email) == email)
            )
            await session.execute(
                update(Business)
                .where(col(Business.id).in_(owned))
                .values(name=f"{canary} Trading", funding_purpose=f"Expansion ({canary})")
            )


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    canary: str  # this tenant's; None of the others' may appear
    foreign: tuple[str, ...]
    calls: tuple[tuple[str, dict[str, Any]], ...]


@dataclass
class Outcome:
    """Every call of a run: latencies, and what went wrong."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    own_canary_seen: int = 0  # sessions that saw their own canary (the check can fire)
    seconds: float = 0.0


def sessions_for(tokens: dict[str, str], count: int, calls: int) -> list[Session]:
    """``count`` sessions alternating between the tenants, each with ``calls`` tool calls."""
    canaries = [canary for _, canary in TENANTS]
    out = []
    for n in range(count):
        email, canary = TENANTS[n % len(TENANTS)]
        script = tuple(islice(cycle(TOOL_CALLS), n, n + calls))  # each session starts elsewhere
        foreign = tuple(c for c in canaries if c != canary)
        out.append(Session(tokens[email], canary, foreign, script))
    return out


def bare_sessions(count: int, calls: int) -> list[Session]:
    return [Session(BARE_TOKEN, "", (), (BARE_CALL,) * calls) for _ in range(count)]


async def _open(http: httpx.AsyncClient, url: str, token: str) -> dict[str, str]:
    headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "load", "version": "0"},
        },
    }
    opened = await http.post(url, json=initialize, headers=headers)
    opened.raise_for_status()
    if session_id := opened.headers.get("mcp-session-id"):
        headers["mcp-session-id"] = session_id
    headers["mcp-protocol-version"] = PROTOCOL
    await http.post(
        url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
    )
    return headers


async def _run_session(
    http: httpx.AsyncClient, url: str, session: Session, ready: asyncio.Barrier, outcome: Outcome
) -> None:
    headers = await _open(http, url, session.token)
    await ready.wait()  # every session open before any calls: they all overlap
    seen_own = False
    for request_id, (tool, arguments) in enumerate(session.calls, start=1):
        body = {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": tool, "arguments": arguments},
        }
        started = time.perf_counter()
        response = await http.post(url, json=body, headers=headers)
        outcome.latencies.append(time.perf_counter() - started)
        text = response.text
        answer = response.json() if response.status_code == 200 else {}
        if answer.get("id") != request_id or "result" not in answer or answer["result"]["isError"]:
            outcome.errors.append(f"{tool} #{request_id}: {response.status_code} {text[:200]}")
        outcome.leaks += [f"{tool} #{request_id} shows {c}" for c in session.foreign if c in text]
        seen_own = seen_own or (bool(session.canary) and session.canary in text)
    outcome.own_canary_seen += seen_own


async def run_load(url: str, sessions: list[Session]) -> Outcome:
    """All ``sessions`` at once against the MCP endpoint at ``url``."""
    outcome = Outcome()
    limits = httpx.Limits(max_connections=len(sessions), max_keepalive_connections=len(sessions))
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        ready = asyncio.Barrier(len(sessions))
        started = time.perf_counter()
        await asyncio.gather(*(_run_session(http, url, s, ready, outcome) for s in sessions))
        outcome.seconds = time.perf_counter() - started
    return outcome


def tenant_tokens(settings: Settings) -> dict[str, str]:
    key = settings.auth.hash_key.get_secret_value().encode()
    return {email: demo_token(key, email, 7) for email, _ in TENANTS}


async def _prepare(database_url: str) -> Settings:
    """The six-business demo, scored (once per database), with the canaries planted."""
    settings = Settings(database={"url": database_url})
    deps = Deps.build(settings)
    try:
        await upgrade(deps.db)
        async with deps.db.sessions() as session:
            present = (
                await session.execute(select(func.count()).select_from(Business))
            ).scalar_one()
        if not present:
            await load_demo(deps, businesses=6, seed=7)
            for job in ("compute_metrics", "compute_readiness", "generate_recommendations"):
                await run_job(deps, job)
        await plant_canaries(deps)
    finally:
        await deps.close()
    return settings


def _row(name: str, outcome: Outcome, calls: int, leaks: str) -> list[str]:
    return [
        name,
        str(calls),
        f"{calls / outcome.seconds:.0f}",
        f"{median_ms(outcome.latencies):.1f}",
        f"{percentile_ms(outcome.latencies, 99):.1f}",
        str(len(outcome.errors)),
        leaks,
    ]


async def measure(database_url: str, sessions: int, calls: int) -> list[list[str]]:
    settings = await _prepare(database_url)
    env = {k: v for k, v in environment(database_url, "").items() if k != "VAULTRA_TOKEN"}
    ours_port, bare_port = free_port(), free_port()
    command = [sys.executable, "-m", "vaultra_mcp.server", "--transport", "http", "--port"]
    ours = start([*command, str(ours_port)], env, ours_port)
    bare = start(
        [sys.executable, "-m", "bench.bare_server", "--http", str(bare_port), BARE_TOKEN],
        env,
        bare_port,
    )
    try:
        bare_run = await run_load(
            f"http://127.0.0.1:{bare_port}/mcp", bare_sessions(sessions, calls)
        )
        ours_run = await run_load(
            f"http://127.0.0.1:{ours_port}/mcp",
            sessions_for(tenant_tokens(settings), sessions, calls),
        )
    finally:
        for process in (ours, bare):
            process.terminate()
            process.wait(timeout=30)
    total = sessions * calls
    where = describe(parse_database_url(database_url))
    for problem in (ours_run.errors + ours_run.leaks + bare_run.errors)[:5]:
        print(f"  {problem}")
    checked = f"{len(ours_run.leaks)} ({ours_run.own_canary_seen}/{sessions} saw their own)"
    return [
        _row("bare FastMCP (echo)", bare_run, total, "n/a"),
        _row(f"Vaultra, 2 tenants ({where})", ours_run, total, checked),
    ]


async def main_async(args: argparse.Namespace) -> list[list[str]]:
    BENCH.mkdir(exist_ok=True)
    rows = await measure(f"sqlite+aiosqlite:///{BENCH / 'load.db'}", args.sessions, args.calls)
    postgres = args.postgres or os.environ.get("VAULTRA_BENCH_POSTGRES_URL")
    if postgres:
        rows += (await measure(postgres, args.sessions, args.calls))[1:]
    headers = ["server", "calls", "calls/s", "p50 ms", "p99 ms", "errors", "leaks"]
    title = (
        f"MCP load: {args.sessions} concurrent HTTP sessions, {args.calls} calls each, "
        "ids 1..N in every session"
    )
    print(f"{title}\n{table(headers, rows)}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    rows = asyncio.run(main_async(args))
    (BENCH / "load.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
