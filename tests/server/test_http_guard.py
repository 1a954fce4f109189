"""Streamable HTTP on 127.0.0.1: every POST gets exactly one clear answer, whatever its bytes,
its size, its id, or the state of the database."""

import asyncio
import logging

import httpx
import pytest

from tests.factories import HASH_KEY, settings_for
from tests.server.http_server import serving
from tests.support.raw_mcp import (
    ACCEPT,
    HANG_GUARD_SECONDS,
    HOSTILE,
    call,
    decode_answer,
    http_session,
    initialize,
    is_refusal,
)
from vaultra_mcp.services.identity import demo_token

DEVON = demo_token(HASH_KEY, "devon@voltline.example", 7)
SERVED = {"nul-in-query"}  # valid text; every other hostile body is refused
DOWN = "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"  # nothing listens on port 9


@pytest.mark.parametrize("stateless", [False, True], ids=["stateful", "stateless"])
async def test_every_hostile_body_gets_exactly_one_answer(demo_deps, stateless):
    async with (
        serving(demo_deps.settings, stateless=stateless) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        headers = await http_session(http, f"{base}/mcp", DEVON)
        for request_id, (name, tool, arguments) in enumerate(HOSTILE, start=10):
            response = await http.post(
                f"{base}/mcp", content=call(request_id, tool, arguments), headers=headers
            )
            answer = decode_answer(response.content)
            assert response.status_code in (200, 400), (name, response.status_code)
            assert answer.get("id") in (request_id, None), name
            assert is_refusal(answer) == (name not in SERVED), (name, answer)
        alive = await http.post(
            f"{base}/mcp",
            json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"},
            headers=headers,
        )
    assert len(alive.json()["result"]["tools"]) == 9


async def chunks(size: int):
    for _ in range(size // 65_536 + 1):
        yield b" " * 65_536


async def test_an_oversized_chunked_body_is_a_logged_413(demo_deps, caplog):
    caplog.set_level(logging.WARNING, logger="vaultra.mcp")
    async with serving(demo_deps.settings) as base, httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/mcp",
            content=chunks(1_100_000),
            headers={**ACCEPT, "Authorization": f"Bearer {DEVON}"},
        )
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"
    assert "refused (413)" in caplog.text


async def test_a_reused_in_flight_id_is_answered_never_left_waiting(demo_deps):
    async with (
        serving(demo_deps.settings) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        headers = await http_session(http, f"{base}/mcp", DEVON)
        request = call(2, "get_readiness_breakdown", b"{}")
        responses = await asyncio.gather(
            *(http.post(f"{base}/mcp", content=request, headers=headers) for _ in range(10))
        )
    answers = [decode_answer(r.content) for r in responses]
    served = [a for a in answers if "result" in a]
    refused = [a for a in answers if "error" in a]
    assert len(served) + len(refused) == 10
    assert served and all(a["id"] == 2 for a in answers)
    assert all(a["error"]["code"] == -32600 for a in refused)
    assert all(
        a["result"]["structuredContent"]["business_name"] == "Voltline Gadgets" for a in served
    )


async def test_a_database_outage_while_checking_a_token_is_a_retryable_503():
    async with (
        serving(settings_for(DOWN)) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        response = await http.post(
            f"{base}/mcp", json=initialize(), headers={**ACCEPT, "Authorization": f"Bearer {DEVON}"}
        )
    assert response.status_code == 503
    assert response.json()["error"] == "STORE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) > 0
