"""Serving an ASGI app on 127.0.0.1 from a background thread: fakes of external APIs in tests
and local runs, and the real app where a test needs it over real HTTP.

The server runs its own event loop on its own thread, so one helper serves sync tests
(blocking clients) and async tests (clients on the test's loop) without either loop starving
the other.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

_START_TIMEOUT = 5.0
_STOP_TIMEOUT = 5.0


def loopback_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to *port* (0: a free one) on 127.0.0.1, for ``uvicorn.Server.run``.

    It names IPPROTO_TCP because asyncio turns Nagle's algorithm off only on sockets that do;
    with it on, every response waits ~40 ms for the client's delayed ACK. SO_REUSEADDR lets a
    fixed port be reused right after a restart.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class BackgroundServer:
    """Context manager yielding the base URL (``http://127.0.0.1:<port>``) of *app*.

    Use ``with`` or ``async with``; the async form starts and stops the server off the event
    loop, so it never blocks it.
    """

    def __init__(self, app: ASGIApp, lifespan: Literal["on", "off"] = "off") -> None:
        self._app = app
        self._lifespan = lifespan
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.url = ""

    def start(self) -> str:
        """Bind a free port, start uvicorn and wait until it accepts connections."""
        sock = loopback_socket()
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            lifespan=self._lifespan,
            log_config=None,  # leave the process's logging configuration alone
            log_level="warning",
            access_log=False,
            ws="none",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._sock, self._server = sock, server
        self._thread = threading.Thread(target=self._run, name=f"loopback-{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {self._error!r}")
            time.sleep(0.005)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def _run(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # surfaced by start()
            self._error = exc

    def stop(self) -> None:
        """Ask uvicorn to exit, wait for the thread and release the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():
                assert self._server is not None
                self._server.force_exit = True
                self._thread.join(_STOP_TIMEOUT)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> str:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
