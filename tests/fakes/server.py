"""Serve an ASGI app on a free loopback port in a background thread.

The server runs its own event loop in a thread, so the same helper works in sync tests
(blocking clients) and async tests (clients on the test's loop) without either loop
starving the other.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

_START_TIMEOUT = 5.0
_STOP_TIMEOUT = 5.0


def loopback_socket() -> socket.socket:
    """A TCP socket bound to a free port on 127.0.0.1, for ``uvicorn.Server(sockets=...)``.

    It names IPPROTO_TCP because asyncio turns Nagle's algorithm off only on sockets that do;
    with it on, every response waits ~40 ms for the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


class serve:
    """Context manager yielding the base URL (``http://127.0.0.1:<port>``) of *app*.

    Use ``with serve(app) as url:`` or ``async with serve(app) as url:`` (hence the
    lowercase name); the async form starts and stops the server off the event loop.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
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
            lifespan="off",
            log_config=None,  # leave the process's logging configuration alone
            log_level="warning",
            access_log=False,
            ws="none",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._sock, self._server = sock, server
        self._thread = threading.Thread(target=self._run, name=f"fake-{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fake server did not start: {self._error!r}")
            time.sleep(0.005)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def _run(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # surfaced by start()/stop()
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
