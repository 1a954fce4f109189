"""Concurrent MCP HTTP sessions of two tenants whose JSON-RPC ids collide (every session counts
1..N), small (``bench/load.py`` runs 50 sessions): every call answered, none an error, and no
result of one tenant carrying the other's canary string."""

from __future__ import annotations

from bench.load import plant_canaries, run_load, sessions_for, tenant_tokens
from tests.server.http_server import serving

SESSIONS, CALLS = 10, 5


async def test_two_tenants_with_colliding_ids_get_only_their_own_answers(demo_deps):
    await plant_canaries(demo_deps)
    sessions = sessions_for(tenant_tokens(demo_deps.settings), SESSIONS, CALLS)
    async with serving(demo_deps.settings) as base:
        outcome = await run_load(f"{base}/mcp", sessions)

    assert len(outcome.latencies) == SESSIONS * CALLS
    assert outcome.errors == []
    assert outcome.leaks == []
    assert outcome.own_canary_seen == SESSIONS  # the canaries are in what each tenant reads
