"""The agent's connection to Vaultra's MCP server: in memory, over stdio, or over HTTP.

Whoever opens the session decides the caller (a pinned business in the shell, a token for
stdio and HTTP); nothing the model writes can change it. ``call`` never raises for a tool's
own failure: the error comes back as an outcome the model can read and act on.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vaultra_mcp.agent.messages import ToolSpec
from vaultra_mcp.caller import Caller

if TYPE_CHECKING:
    from fastmcp import Client, FastMCP

    from vaultra_mcp.services.deps import Deps


@dataclass(frozen=True)
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    is_error: bool
    text: str  # the result's text content: a summary line, then the whole result as JSON
    structured: dict[str, Any] | None
    latency_ms: float

    @property
    def summary(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def error_code(self) -> str | None:
        if not self.is_error:
            return None
        return str((self.structured or {}).get("error") or "TOOL_ERROR")

    def for_model(self) -> str:
        """What the model reads: exactly what Claude Desktop's model would, the text content."""
        return self.text


class ToolSession:
    """An MCP client session as the agent uses it. The client library is imported when a
    session opens, not when the API starts: it costs about two seconds of imports."""

    def __init__(self, client: Client[Any]) -> None:
        self.client = client
        self._tools: list[ToolSpec] | None = None

    async def tools(self) -> list[ToolSpec]:
        if self._tools is None:
            listed = await self.client.list_tools()
            self._tools = [
                ToolSpec(name=t.name, description=t.description or "", input_schema=t.input_schema)
                for t in listed
            ]
        return self._tools

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        started = time.perf_counter()
        result = await self.client.call_tool(name, arguments, raise_on_error=False)
        text = "".join(getattr(block, "text", "") for block in result.content)
        return ToolOutcome(
            name=name,
            arguments=arguments,
            is_error=result.is_error,
            text=text,
            structured=result.structured_content,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


class ServerPool:
    """In-process servers, one per caller, built on first use and kept (least recently used
    first out): building one costs ~100 ms of schema work, and a server bound to its caller
    at build time cannot be confused with another's, whatever tasks share it."""

    def __init__(self, deps: Deps, size: int = 128) -> None:
        self.deps = deps
        self.size = size
        self._servers: OrderedDict[Caller, FastMCP] = OrderedDict()

    def server(self, caller: Caller) -> FastMCP:
        from vaultra_mcp.server.app import build_server
        from vaultra_mcp.server.runtime import FixedIdentity

        if caller in self._servers:
            self._servers.move_to_end(caller)
        else:
            self._servers[caller] = build_server(
                self.deps.settings, FixedIdentity(caller), deps=self.deps
            )
            while len(self._servers) > self.size:
                self._servers.popitem(last=False)
        return self._servers[caller]


class SessionPool:
    """Open in-memory client sessions, one per caller (least recently used first out), so a chat
    turn costs its tool calls and not an MCP handshake, a ``tools/list`` and a schema compile.

    A session holds no credential: its server is bound to the caller at build time (a pinned
    business in the shell), and every turn is authorized before it reaches the pool (the
    shell's bearer check, then ``start_turn``'s membership check), so a revoked token or a lost
    membership is refused before any pooled session is used. The app's lifespan closes them all.
    """

    def __init__(self, servers: ServerPool, size: int = 64) -> None:
        import asyncio

        self.servers = servers
        self.size = size
        self._sessions: OrderedDict[Caller, ToolSession] = OrderedDict()
        self._lock = asyncio.Lock()

    async def session(self, caller: Caller) -> ToolSession:
        async with self._lock:
            held = self._sessions.get(caller)
            if held is not None and held.client.is_connected():
                self._sessions.move_to_end(caller)
                return held
            if held is not None:
                await self._close(self._sessions.pop(caller))
            from fastmcp import Client

            client: Client[Any] = Client(self.servers.server(caller))
            await client.__aenter__()  # type: ignore[no-untyped-call]
            self._sessions[caller] = opened = ToolSession(client)
            while len(self._sessions) > self.size:
                await self._close(self._sessions.popitem(last=False)[1])
            return opened

    async def close(self) -> None:
        async with self._lock:
            while self._sessions:
                await self._close(self._sessions.popitem(last=False)[1])

    @staticmethod
    async def _close(session: ToolSession) -> None:
        await session.client.close()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def in_memory(pool: ServerPool, caller: Caller) -> AsyncIterator[ToolSession]:
    """The shell's way: the server in this process, sharing its services, bound to ``caller``."""
    from fastmcp import Client

    async with Client(pool.server(caller)) as client:
        yield ToolSession(client)


@asynccontextmanager
async def over_stdio(command: list[str], env: dict[str, str]) -> AsyncIterator[ToolSession]:
    """A ``vaultra-mcp`` subprocess whose identity is in its environment (``VAULTRA_TOKEN``)."""
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    transport = StdioTransport(command=command[0], args=command[1:], env=env)
    async with Client(transport) as client:
        yield ToolSession(client)


@asynccontextmanager
async def over_http(url: str, token: str) -> AsyncIterator[ToolSession]:
    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport

    transport = StreamableHttpTransport(url, headers={"Authorization": f"Bearer {token}"})
    async with Client(transport) as client:
        yield ToolSession(client)
