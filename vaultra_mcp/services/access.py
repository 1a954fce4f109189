"""Turning a bearer credential into a caller: personal access tokens and JWTs.

JWTs are HS256 by default with ``iss``, ``aud``, ``exp`` and ``iat`` required and the algorithm
pinned, so ``alg: none`` and algorithm confusion are rejected; an ``nbf`` (not before), when
present, must have passed. Personal access tokens (``vtk_...``)
are looked up by hash. Either way the result is a user; the businesses follow from memberships.
"""

from __future__ import annotations

from datetime import timedelta

import jwt

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import Unauthenticated
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import TOKEN_PREFIX, active_user, authenticate_token
from vaultra_mcp.settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]
MAX_BEARER_LENGTH = 4_096
CLOCK_SKEW_SECONDS = 60  # a token issued, or valid from, further in our future is refused


def mint_jwt(settings: Settings, user_id: int, now_epoch: int, ttl: timedelta | None = None) -> str:
    lifetime = ttl or timedelta(minutes=settings.auth.jwt_ttl_minutes)
    claims = {
        "iss": settings.auth.jwt_issuer,
        "aud": settings.auth.jwt_audience,
        "sub": str(user_id),
        "iat": now_epoch,
        "exp": now_epoch + int(lifetime.total_seconds()),
    }
    return jwt.encode(claims, settings.auth.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def user_from_jwt(settings: Settings, token: str, now_epoch: int) -> int:
    """The user id a valid JWT names; ``Unauthenticated`` for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.auth.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.auth.jwt_audience,
            issuer=settings.auth.jwt_issuer,
            # Times are checked below against our clock, not the library's.
            options={
                "require": REQUIRED_CLAIMS,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError:
        raise Unauthenticated("Invalid token.") from None
    issued, expires = claims["iat"], claims["exp"]
    not_before = claims.get("nbf", issued)
    if not all(_whole_seconds(t) for t in (issued, expires, not_before)):
        raise Unauthenticated("Invalid token.")
    if expires <= now_epoch:
        raise Unauthenticated("The token has expired; sign in again.")
    if max(issued, not_before) > now_epoch + CLOCK_SKEW_SECONDS:
        raise Unauthenticated("Invalid token.")
    subject = str(claims["sub"])
    if not subject.isdigit():
        raise Unauthenticated("Invalid token.")
    return int(subject)


def _whole_seconds(value: object) -> bool:
    """A NumericDate we accept: whole seconds (RFC 7519 allows fractions; we never issue them)."""
    return isinstance(value, int) and not isinstance(value, bool)


async def authenticate_bearer(deps: Deps, bearer: str) -> Caller:
    """A caller from an ``Authorization: Bearer`` value (a JWT or a personal access token)."""
    bearer = bearer.strip()
    if not bearer or len(bearer) > MAX_BEARER_LENGTH:
        raise Unauthenticated("Missing or malformed bearer token.")
    if bearer.startswith(TOKEN_PREFIX):
        return await authenticate_token(deps, bearer)
    now = int(deps.clock.now().timestamp())
    return await active_user(deps, user_from_jwt(deps.settings, bearer, now))
