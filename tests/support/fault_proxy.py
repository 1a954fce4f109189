"""A TCP proxy on 127.0.0.1 that a test puts in front of a service and breaks on purpose.

- ``cut()``: every open connection is closed and new ones are refused (accepted, then closed
  at once), as when a database host goes away.
- ``stall()``: connections stay open but no byte moves either way; held bytes wait.
- ``resume()``: back to normal; held bytes flow on.
- ``fault_after(n, fault)``: once a connection has sent ``n`` bytes back to the client, that
  connection stalls, or everything is cut as above: a fault in the middle of an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Fault = Literal["stall", "cut"]
CHUNK = 65_536


@dataclass(eq=False)
class _Link:
    """One proxied connection: both sockets' writers and the two pumps between them."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    pumps: list[asyncio.Task[None]] = field(default_factory=list)
    downstream_bytes: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)  # a ``fault_after`` stall

    def close(self) -> None:
        for task in self.pumps:
            task.cancel()
        for writer in (self.client, self.upstream):
            writer.close()


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream`` until told otherwise."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._refusing = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._after: tuple[int, Fault] | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    def cut(self) -> None:
        self._refusing = True
        for link in list(self._links):
            link.close()
        self._links.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._refusing = False
        self._after = None
        self._flowing.set()
        for link in self._links:
            link.released.set()

    def fault_after(self, downstream_bytes: int, fault: Fault) -> None:
        self._after = (downstream_bytes, fault)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._refusing:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        link.pumps = [
            asyncio.create_task(self._pump(reader, up_writer, link, downstream=False)),
            asyncio.create_task(self._pump(up_reader, writer, link, downstream=True)),
        ]
        for task in link.pumps:
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(
        self,
        source: asyncio.StreamReader,
        target: asyncio.StreamWriter,
        link: _Link,
        *,
        downstream: bool,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(CHUNK):
                await self._flowing.wait()
                if downstream:
                    data = await self._downstream(link, data)
                    if not data:
                        return
                target.write(data)
                await target.drain()
        if link in self._links:
            self._links.discard(link)
            link.close()

    async def _downstream(self, link: _Link, data: bytes) -> bytes:
        """``data`` as far as a ``fault_after`` lets it go (stalling here if told to)."""
        if self._after is None:
            return data
        limit, fault = self._after
        allowed = max(0, limit - link.downstream_bytes)
        link.downstream_bytes += len(data)
        if allowed >= len(data):
            return data
        link.client.write(data[:allowed])
        if fault == "cut":
            await link.client.drain()
            self.cut()
            return b""
        await link.released.wait()
        return data[allowed:]


@asynccontextmanager
async def fault_proxy(url: str) -> AsyncIterator[FaultProxy]:
    """A proxy in front of the host and port of ``url`` (scheme irrelevant)."""
    parts = urlsplit(url)
    proxy = FaultProxy(parts.hostname or "127.0.0.1", parts.port or 80)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def through(url: str, proxy: FaultProxy) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    return parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}").geturl()
