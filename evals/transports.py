"""Sessions with the server the way users connect: in memory, a stdio subprocess, or HTTP.

Each session acts as one fixture user: in memory through the server's out-of-band identity,
over stdio through ``VAULTRA_TOKEN``, over HTTP through a bearer token. ``--url`` points at a
running server that must use the same database (and ``JWT_SECRET``) as the fixture.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Literal

from vaultra_mcp.agent.session import ToolSession, over_http, over_stdio
from vaultra_mcp.caller import Caller
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

if TYPE_CHECKING:
    from vaultra_mcp.agent.session import ServerPool

Transport = Literal["memory", "stdio", "http"]


def _stdio_command() -> list[str]:
    script = shutil.which("vaultra-mcp", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "vaultra_mcp.server"]


class Connector:
    """Opens sessions for users; keeps one in-process server (or HTTP app) for the run."""

    def __init__(self, settings: Settings, transport: Transport, url: str | None = None) -> None:
        self.settings = settings
        self.transport = transport
        self.url = url
        self._stack = AsyncExitStack()
        self._servers: ServerPool | None = None

    async def __aenter__(self) -> Connector:
        if self.transport == "http" and self.url is None:
            from vaultra_mcp.loopback import BackgroundServer
            from vaultra_mcp.server.app import build_http_app

            app = build_http_app(self.settings, stateless=True)
            base = await self._stack.enter_async_context(BackgroundServer(app, lifespan="on"))
            self.url = f"{base}/mcp"
        if self.transport == "memory":
            from vaultra_mcp.agent.session import ServerPool

            self._servers = ServerPool(_deps(self._stack, self.settings))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    @asynccontextmanager
    async def session(self, user_id: int) -> AsyncIterator[ToolSession]:
        if self.transport == "memory":
            from vaultra_mcp.agent.session import in_memory

            assert self._servers is not None
            async with in_memory(self._servers, Caller.user(user_id)) as session:
                yield session
            return
        token = mint_jwt(self.settings, user_id, int(time.time()))
        if self.transport == "stdio":
            env = {
                **os.environ,
                "DATABASE_URL": self.settings.database.url,
                "VAULTRA_TOKEN": token,
                "JWT_SECRET": self.settings.auth.jwt_secret.get_secret_value(),
                "VAULTRA_KNOWLEDGE_DIR": self.settings.knowledge.dir,
                "VAULTRA_KNOWLEDGE_INDEX": self.settings.knowledge.index,
                "VAULTRA_ENV": self.settings.env,
            }
            async with over_stdio(_stdio_command(), env) as session:
                yield session
            return
        assert self.url is not None
        async with over_http(self.url, token) as session:
            yield session


def _deps(stack: AsyncExitStack, settings: Settings) -> Deps:
    from evals.fixtures import AS_OF
    from vaultra_mcp.clock import FixedClock

    deps = Deps.build(settings, clock=FixedClock(AS_OF))
    stack.push_async_callback(deps.close)
    return deps
