"""The API shell over real HTTP on 127.0.0.1: hostile bytes to the chat endpoint, an oversized
chunked body to /mcp, and /mcp while the database is down. One clear answer each."""

import logging
import time

import httpx
import pytest

from api_shell.app import create_app
from tests.api.conftest import API_SETTINGS, DEVON, bearer, count
from tests.factories import settings_for
from tests.support.raw_mcp import ACCEPT, HANG_GUARD_SECONDS, initialize, nested, valid_unicode
from tests.support.serving import served
from vaultra_mcp.models import AgentMessage
from vaultra_mcp.services.access import mint_jwt

CHAT_BODIES = {
    "lone-surrogate": b'{"message":"what about \\ud800 loans?"}',
    "nul": b'{"message":"loans\\u0000"}',
    "invalid-utf8": b'{"message":"loans \xff\xfe"}',
    "nested-200": b'{"message":"hi","business_id":' + nested(200) + b"}",
    "nested-5000": b'{"message":"hi","business_id":' + b"[" * 5000 + b"]" * 5000 + b"}",
    "integer-5000-digits": b'{"message":"hi","conversation_id":1' + b"0" * 5000 + b"}",
    "megabyte-message": b'{"message":"' + b"a" * 1_000_000 + b'"}',
}


@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
async def test_hostile_chat_bodies_get_one_clear_error_and_store_nothing(api_deps, accept):
    before = await count(api_deps, AgentMessage)
    headers = {**bearer(api_deps, DEVON), "Content-Type": "application/json", "Accept": accept}
    async with (
        served(create_app(api_deps.settings, api_deps)) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        for name, body in CHAT_BODIES.items():
            response = await http.post(f"{base}/api/v1/agent/chat", content=body, headers=headers)
            assert response.status_code in (400, 422), (name, response.status_code)
            error = response.json()
            assert valid_unicode(error) and error["error"] and error["request_id"], name
    assert await count(api_deps, AgentMessage) == before


async def chunks(size: int):
    for _ in range(size // 65_536 + 1):
        yield b" " * 65_536


async def test_an_oversized_chunked_body_to_mcp_is_the_documented_413(api_deps, caplog):
    caplog.set_level(logging.WARNING, logger="vaultra.api")
    async with (
        served(create_app(api_deps.settings, api_deps)) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        response = await http.post(
            f"{base}/mcp", content=chunks(1_100_000), headers={**ACCEPT, **bearer(api_deps, DEVON)}
        )
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "PAYLOAD_TOO_LARGE" and body["request_id"]
    assert "body over" in caplog.text


async def test_mcp_during_a_database_outage_is_a_retryable_503():
    settings = settings_for("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere", **API_SETTINGS)
    token = mint_jwt(settings, DEVON, int(time.time()))
    async with (
        served(create_app(settings)) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        response = await http.post(
            f"{base}/mcp", json=initialize(), headers={**ACCEPT, "Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "STORE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) > 0
