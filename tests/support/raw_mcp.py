"""Raw JSON-RPC over a real stdio subprocess and over HTTP: bytes as a hostile client sends them.

``HOSTILE`` is the table of requests that once went unanswered or are worth proving: lone
surrogate escapes, nesting past the SDK parser's limit, huge numbers, NUL, invalid UTF-8.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "2025-06-18"
HANG_GUARD_SECONDS = 30  # never an assert on time: only how long to wait before calling it a hang


def initialize(request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }


def call(request_id: int, tool: str, arguments: bytes) -> bytes:
    """A ``tools/call`` line with ``arguments`` spliced in as raw bytes."""
    return (
        b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":'
        % (request_id, tool.encode())
        + arguments
        + b"}}"
    )


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


HOSTILE: list[tuple[str, str, bytes]] = [
    ("lone-high-surrogate-id", "get_readiness_breakdown", b'{"business_id":"\\ud902"}'),
    ("lone-low-surrogate-query", "search_knowledge", b'{"query":"loan \\udc00"}'),
    ("surrogate-in-tool-name", "search_knowledge\\ud800", b'{"query":"loan"}'),
    ("changes-200-deep", "simulate_readiness", b'{"changes":' + nested(200) + b"}"),
    ("arrays-5000-deep", "simulate_readiness", b'{"changes":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("integer-5000-digits", "get_top_recommendations", b'{"limit":1' + b"0" * 5000 + b"}"),
    ("float-overflow", "simulate_readiness", b'{"changes":{"refund_rate_pct":1e400}}'),
    ("nan", "simulate_readiness", b'{"changes":{"refund_rate_pct":NaN}}'),
    ("nul-in-query", "search_knowledge", b'{"query":"loan \\u0000 terms"}'),
    ("invalid-utf8", "search_knowledge", b'{"query":"loan \xff\xfe terms"}'),
    ("overlong-utf8", "search_knowledge", b'{"query":"\xc0\xaf"}'),
    ("encoded-surrogate-bytes", "search_knowledge", b'{"query":"\xed\xa0\x80"}'),
    ("extra-key", "list_businesses", b'{"unexpected":"x"}'),
    ("megabyte-query", "search_knowledge", b'{"query":"' + b"a" * 1_000_000 + b'"}'),
]


def valid_unicode(value: Any) -> bool:
    """True when every string in a parsed JSON value is encodable text (no lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(valid_unicode(k) and valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(valid_unicode(v) for v in value)
    return True


def decode_answer(raw: bytes) -> dict[str, Any]:
    """One answer as a client must be able to read it: strict UTF-8, JSON, valid text."""
    message = json.loads(raw.decode("utf-8", errors="strict"))
    assert isinstance(message, dict) and valid_unicode(message), raw[:300]
    return message


def is_refusal(message: dict[str, Any]) -> bool:
    """A JSON-RPC error, or a tool error naming a bad argument."""
    if "error" in message:
        return isinstance(message["error"].get("code"), int) and bool(message["error"]["message"])
    result = message.get("result", {})
    return bool(result.get("isError")) and (
        result.get("structuredContent", {}).get("error") == "INVALID_ARGUMENT"
    )


class RawStdio:
    """``vaultra-mcp`` as a subprocess, spoken to in raw lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: dict[Any, list[dict[str, Any]]] = {}

    async def send(self, line: bytes | dict[str, Any]) -> None:
        data = line if isinstance(line, bytes) else json.dumps(line).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(data + b"\n")
        await self.process.stdin.drain()

    async def until(self, *ids: Any) -> None:
        """Read answers until every id in ``ids`` has one (a hang fails the test)."""
        assert self.process.stdout is not None
        while not all(i in self.seen for i in ids):
            raw = await asyncio.wait_for(self.process.stdout.readline(), HANG_GUARD_SECONDS)
            assert raw, "the server closed stdout"
            message = decode_answer(raw)
            if "id" in message:
                self.seen.setdefault(message["id"], []).append(message)

    def answers(self, request_id: Any) -> list[dict[str, Any]]:
        return self.seen.get(request_id, [])


@asynccontextmanager
async def raw_stdio(env: dict[str, str]) -> AsyncIterator[RawStdio]:
    """An initialized stdio session; on exit stdin closes and the server must exit cleanly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vaultra_mcp.server",
        env=env,
        cwd=str(ROOT),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=8 * 1024 * 1024,
    )
    raw = RawStdio(process)
    try:
        await raw.send(initialize())
        await raw.until(1)
        await raw.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        yield raw
    finally:
        if process.stdin is not None:
            process.stdin.close()
        await asyncio.wait_for(process.wait(), HANG_GUARD_SECONDS)


async def stderr_of(raw: RawStdio) -> str:
    assert raw.process.stderr is not None
    return (await raw.process.stderr.read()).decode(errors="replace")


ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def http_session(http: Any, url: str, token: str) -> dict[str, str]:
    """Headers for raw POSTs to ``url`` in an initialized session (stateful servers hand out
    a session id; stateless ones do not, and the same headers work)."""
    headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
    opened = await http.post(url, json=initialize(), headers=headers)
    assert opened.status_code == 200, opened.text
    session = opened.headers.get("mcp-session-id")
    if session:
        headers["mcp-session-id"] = session
    headers["mcp-protocol-version"] = PROTOCOL
    done = await http.post(
        url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
    )
    assert done.status_code == 202, done.text
    return headers
