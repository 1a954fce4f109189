"""Browser sessions: what an HttpOnly cookie stands for, and how it ends.

A session is a random value the browser holds in a cookie; only its SHA-256 is stored. It ends
at sign-out (revoked, so a copied cookie stops working at once), after ``session_idle_minutes``
without a request, or ``session_ttl_minutes`` after sign-in, whichever comes first. Which cookie
carries it, and the same-origin check on unsafe requests, belong to the HTTP adapter.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import Unauthenticated
from vaultra_mcp.models import User, WebSession
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import hash_token

SESSION_PREFIX = "vss_"
MAX_SESSION_LENGTH = 100
# last_seen_at keeps the idle clock; writing it on every request would make reads write.
SEEN_RESOLUTION = timedelta(minutes=1)
EXPIRED = "Your session has ended; sign in again."


class OpenedSession(BaseModel):
    """A new session: ``token`` goes into the cookie and is never stored."""

    token: str
    user_id: int
    expires_at: datetime
    max_age_seconds: int


async def open_session(deps: Deps, user_id: int) -> OpenedSession:
    now = deps.clock.now()
    lifetime = timedelta(minutes=deps.settings.auth.session_ttl_minutes)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    async with deps.db.transaction() as session:
        session.add(
            WebSession(
                user_id=user_id,
                token_hash=hash_token(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
            )
        )
    return OpenedSession(
        token=token,
        user_id=user_id,
        expires_at=now + lifetime,
        max_age_seconds=int(lifetime.total_seconds()),
    )


async def authenticate_session(deps: Deps, token: str) -> Caller:
    """The caller a live session belongs to, or ``Unauthenticated``."""
    if not token.startswith(SESSION_PREFIX) or len(token) > MAX_SESSION_LENGTH:
        raise Unauthenticated(EXPIRED)
    now = deps.clock.now()
    idle = timedelta(minutes=deps.settings.auth.session_idle_minutes)
    async with deps.db.transaction() as session:
        row = (
            await session.execute(
                select(
                    col(WebSession.id),
                    col(WebSession.user_id),
                    col(WebSession.expires_at),
                    col(WebSession.last_seen_at),
                )
                .join(User, col(User.id) == col(WebSession.user_id))
                .where(
                    col(WebSession.token_hash) == hash_token(token),
                    col(WebSession.revoked_at).is_(None),
                    col(User.is_active).is_(True),
                )
            )
        ).one_or_none()
        if row is None or _aware(row.expires_at) <= now or _aware(row.last_seen_at) + idle <= now:
            raise Unauthenticated(EXPIRED, code="SESSION_EXPIRED")
        if now - _aware(row.last_seen_at) >= SEEN_RESOLUTION:
            await session.execute(
                update(WebSession).where(col(WebSession.id) == row.id).values(last_seen_at=now)
            )
    return Caller.user(row.user_id)


async def close_session(deps: Deps, token: str) -> None:
    """Revoke the session this cookie value names; an unknown or ended one is left as it is."""
    async with deps.db.transaction() as session:
        await session.execute(
            update(WebSession)
            .where(
                col(WebSession.token_hash) == hash_token(token),
                col(WebSession.revoked_at).is_(None),
            )
            .values(revoked_at=deps.clock.now())
        )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
