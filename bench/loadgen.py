"""A lean HTTP/1.1 load generator: keep-alive connections writing pre-built requests.

General-purpose clients cost more CPU per request than the servers measured here (httpx tops
out near 1,500 requests/s on this machine and falls further with more connections), which
would make a benchmark measure its own client. This one builds each request's bytes up front
and parses only the status line and ``Content-Length`` of each answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


def post_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def send_all(
    host: str, port: int, requests: Sequence[bytes], concurrency: int
) -> tuple[float, int]:
    """Send every request over ``concurrency`` connections: (requests per second, non-200s)."""
    pending = list(reversed(requests))
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while pending:
                failures += await _exchange(reader, writer, pending.pop()) != 200
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - started), failures
