"""Bearer authentication for Streamable HTTP: a JWT or a personal access token on every request.

FastMCP calls ``verify_token`` for each request and answers 401 with ``WWW-Authenticate`` when
it returns None. Verified tokens are cached briefly (by hash) so a busy client does not cost a
database lookup per request; a revoked token stops working within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import time

from fastmcp.server.auth import AccessToken, TokenVerifier

from vaultra_mcp.errors import VaultraError
from vaultra_mcp.server.runtime import Runtime

CACHE_SECONDS = 30.0
CACHE_SIZE = 10_000


class BearerVerifier(TokenVerifier):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self._cache: dict[str, tuple[int, float]] = {}

    async def verify_token(self, token: str) -> AccessToken | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return self._access(token, cached[0])
        from vaultra_mcp.services.access import authenticate_bearer

        try:
            caller = await authenticate_bearer(self.runtime.services(), token)
        except VaultraError:
            self._cache.pop(key, None)
            return None
        assert caller.user_id is not None
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (caller.user_id, now + CACHE_SECONDS)
        return self._access(token, caller.user_id)

    @staticmethod
    def _access(token: str, user_id: int) -> AccessToken:
        return AccessToken(
            token=token, client_id=f"user:{user_id}", scopes=[], claims={"uid": user_id}
        )
