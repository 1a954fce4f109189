"""Every tool, fuzzed over the wire: calls generated from each tool's input schema (as the
server lists it) mixed with hostile values, over a real stdio subprocess and over Streamable
HTTP. Every request gets exactly one answer; none is an internal error or carries a traceback;
every successful structured result is valid against the tool's output schema; the server
still lists its tools afterwards. ``make fuzz`` runs 10,000 calls (``VAULTRA_FUZZ_CALLS``)
and prints the figures."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import seed_demo
from tests.databases import SqliteTemplates
from tests.factories import HASH_KEY
from tests.server.http_server import serving
from tests.server.test_stdio import server_env
from tests.support.mcp_fuzz import Judge, Tally, call_count, draw_calls
from tests.support.raw_mcp import (
    HANG_GUARD_SECONDS,
    RawStdio,
    decode_answer,
    http_session,
    raw_stdio,
)
from vaultra_mcp.services.identity import demo_token

DEVON = demo_token(HASH_KEY, "devon@voltline.example", 7)
FIRST_ID = 100
PARSE_ERROR = -32700


@pytest.fixture
def sqlite_demo_url(sqlite_templates: SqliteTemplates, tmp_path: Path) -> str:
    return sqlite_templates.copy("demo", seed_demo, tmp_path / "demo.db")


async def listed_tools(raw: RawStdio, request_id: int) -> list[dict[str, Any]]:
    await raw.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/list"})
    await raw.until(request_id)
    return list(raw.answers(request_id)[-1]["result"]["tools"])


async def answer_of(raw: RawStdio, request_id: int) -> bytes | None:
    """The raw line answering ``request_id`` (other lines are kept for the count), or None if
    none comes within the hang guard."""
    assert raw.process.stdout is not None
    while True:
        try:
            line = await asyncio.wait_for(raw.process.stdout.readline(), HANG_GUARD_SECONDS)
        except TimeoutError:
            return None
        assert line, "the server closed stdout"
        message = decode_answer(line)
        raw.seen.setdefault(message.get("id"), []).append(message)
        if message.get("id") == request_id:
            return line


async def test_fuzzed_tool_calls_over_stdio_each_get_one_clean_answer(sqlite_demo_url, capsys):
    tally = Tally("stdio")
    env = server_env(sqlite_demo_url, VAULTRA_BUSINESS_ID="3")
    async with raw_stdio(env) as raw:
        tools = await listed_tools(raw, 2)
        judge = Judge(tools, tally)
        calls = draw_calls(tools, call_count() // 2)
        for request_id, call in enumerate(calls, start=FIRST_ID):
            started = time.perf_counter()
            await raw.send(call.line(request_id))
            line = await answer_of(raw, request_id)
            tally.latencies.append(time.perf_counter() - started)
            if line is None:
                tally.hangs += 1
                continue
            judge.answer(call, line, raw.answers(request_id)[0])
        after = await listed_tools(raw, 3)
    with capsys.disabled():
        print(f"\nMCP fuzz {tally.figures()}")  # noqa: T201 (figures for make fuzz)
    duplicated = [i for i in range(FIRST_ID, FIRST_ID + len(calls)) if len(raw.answers(i)) != 1]
    assert tally.problems == []
    assert tally.hangs == 0 and duplicated == []
    assert len(after) == len(tools) == 9


async def test_fuzzed_tool_calls_over_http_each_get_one_clean_answer(demo_deps, capsys):
    tally = Tally(f"http ({demo_deps.db.dialect})")
    async with (
        serving(demo_deps.settings) as base,
        httpx.AsyncClient(timeout=HANG_GUARD_SECONDS) as http,
    ):
        url = f"{base}/mcp"
        headers = await http_session(http, url, DEVON)
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        tools = (await http.post(url, json=listing, headers=headers)).json()["result"]["tools"]
        judge = Judge(tools, tally)
        for request_id, call in enumerate(draw_calls(tools, call_count() // 2), start=FIRST_ID):
            started = time.perf_counter()
            response = await http.post(url, content=call.line(request_id), headers=headers)
            tally.latencies.append(time.perf_counter() - started)
            message = decode_answer(response.content)
            if "jsonrpc" not in message:
                judge.refused(call, response.status_code, message)
                continue
            # A body past the parser's nesting limit has no readable id: a null-id parse error.
            parse_error = message.get("error", {}).get("code") == PARSE_ERROR
            assert message.get("id") == (None if parse_error else request_id), message
            judge.answer(call, response.content, message)
        after = await http.post(url, json={**listing, "id": 3}, headers=headers)
    with capsys.disabled():
        print(f"\nMCP fuzz {tally.figures()}")  # noqa: T201 (figures for make fuzz)
    assert tally.problems == []
    assert len(after.json()["result"]["tools"]) == len(tools) == 9
