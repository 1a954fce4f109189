"""Who is calling, and the service dependencies: what every tool needs.

The caller is decided out of band, never from a tool argument: over HTTP by the verified bearer
token, over stdio by ``VAULTRA_TOKEN`` (or, for local demos only, ``VAULTRA_BUSINESS_ID``), and
in process by whoever built the server.

The services (SQLAlchemy and all) are imported and built on the first tool call, inside the
lifespan's scope, so spawning the server costs little more than importing FastMCP.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from fastmcp.server.context import Context
from fastmcp.server.dependencies import get_access_token

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import Unauthenticated
from vaultra_mcp.memo import ExpiringMemo
from vaultra_mcp.settings import Settings

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps

IDENTITY_TTL_SECONDS = 60.0  # a revoked stdio token stops working within a minute


class Identity(Protocol):
    async def caller(self, deps: Deps) -> Caller: ...


@dataclass(frozen=True)
class FixedIdentity:
    """A caller known when the server is built (in-process clients: the chat agent, tests)."""

    fixed: Caller

    async def caller(self, deps: Deps) -> Caller:
        return self.fixed


def _callers() -> ExpiringMemo:
    return ExpiringMemo(IDENTITY_TTL_SECONDS, size=64)


@dataclass
class EnvironmentIdentity:
    """The stdio caller: ``VAULTRA_TOKEN``, or ``VAULTRA_BUSINESS_ID`` for local demo use.

    The caller a token names is kept by the token's hash for ``IDENTITY_TTL_SECONDS``, so a warm
    call costs no token lookup; a revoked token stops working when its entry expires. A token
    that fails is never kept.
    """

    token: str | None
    business_id: int | None
    callers: ExpiringMemo = field(default_factory=_callers, repr=False)

    async def caller(self, deps: Deps) -> Caller:
        if self.token:
            key = hashlib.sha256(self.token.encode()).digest()
            cached = self.callers.get(key)
            if cached is None:
                from vaultra_mcp.services.access import authenticate_bearer

                cached = self.callers.put(key, await authenticate_bearer(deps, self.token))
            assert isinstance(cached, Caller)
            return cached
        if self.business_id is not None:
            return Caller.pinned(self.business_id)
        raise Unauthenticated(
            "No identity configured for this MCP server.",
            next_step="Set VAULTRA_TOKEN in the client's MCP config "
            "(create one with `vaultra token create --email you@example.com`).",
        )


@dataclass
class Runtime:
    """Opened and closed by the server's lifespan; read by every tool."""

    settings: Settings
    identity: Identity | None
    shared: Deps | None = None  # an in-process host's deps, used as they are
    _deps: Deps | None = field(default=None, repr=False)

    @property
    def budget(self) -> int:
        """Most tokens in one tool result, as a content-reading model receives it."""
        return self.settings.mcp.tool_token_budget

    def services(self) -> Deps:
        if self._deps is None:
            from vaultra_mcp.services.deps import Deps

            self._deps = self.shared or Deps.build(self.settings)
        return self._deps

    async def close(self) -> None:
        if self._deps is not None and self.shared is None:
            await self._deps.close()
        self._deps = None

    async def caller(self) -> Caller:
        """The verified HTTP caller if there is one, else this server's configured identity."""
        token = get_access_token()
        if token is not None:
            return Caller.user(int(token.claims["uid"]))
        if self.identity is None:
            raise Unauthenticated(
                "Missing credentials.", next_step="Send Authorization: Bearer <token>."
            )
        return await self.identity.caller(self.services())


def runtime_of(ctx: Context) -> Runtime:
    runtime = ctx.lifespan_context["runtime"]
    assert isinstance(runtime, Runtime)
    return runtime
