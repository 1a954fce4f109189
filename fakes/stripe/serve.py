"""Serving the fake on 127.0.0.1: in a background thread for tests, in the foreground for people."""

from __future__ import annotations

import socket

import uvicorn

from fakes.stripe.app import build_app
from fakes.stripe.state import FakeStripe
from vaultra_mcp.loopback import BackgroundServer


def serve_stripe_fake(state: FakeStripe) -> BackgroundServer:
    """Serve *state*'s fake in the background: ``with serve_stripe_fake(state) as url: ...``."""
    return BackgroundServer(build_app(state))


def serve_forever(state: FakeStripe, sock: socket.socket) -> None:
    """Serve *state*'s fake on *sock* until interrupted, logging each request."""
    config = uvicorn.Config(build_app(state), lifespan="off", log_level="info", ws="none")
    uvicorn.Server(config).run(sockets=[sock])
