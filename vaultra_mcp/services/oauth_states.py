"""OAuth ``state`` values: random, single-use, short-lived, bound to who started the flow.

The browser carries the state to the provider and back; we keep only its SHA-256. Consuming it
is one conditional UPDATE, so two callbacks racing with the same state cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import col

from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.models import OAuthState
from vaultra_mcp.services.deps import Deps

STATE_LIFETIME = timedelta(minutes=10)
MAX_STATE_LENGTH = 200


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def create_state(
    deps: Deps,
    purpose: str,
    *,
    user_id: int | None = None,
    business_id: int | None = None,
    code_verifier: str | None = None,
    nonce: str | None = None,
) -> str:
    state = secrets.token_urlsafe(32)
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        session.add(
            OAuthState(
                state_hash=_digest(state),
                purpose=purpose,
                user_id=user_id,
                business_id=business_id,
                code_verifier=code_verifier,
                nonce=nonce,
                created_at=now,
                expires_at=now + STATE_LIFETIME,
            )
        )
    return state


async def consume_state(deps: Deps, purpose: str, state: str) -> OAuthState:
    """The pending flow for ``state``, marked used; ``InvalidInput`` if unknown, used or old."""
    if not state or len(state) > MAX_STATE_LENGTH:
        raise _invalid()
    now = deps.clock.now()
    digest = _digest(state)
    async with deps.db.transaction() as session:
        claimed = await session.execute(
            update(OAuthState)
            .where(
                col(OAuthState.state_hash) == digest,
                col(OAuthState.purpose) == purpose,
                col(OAuthState.used_at).is_(None),
                col(OAuthState.expires_at) > now,
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise _invalid()
        row = (
            await session.execute(select(OAuthState).where(col(OAuthState.state_hash) == digest))
        ).scalar_one()
    return row


def _invalid() -> InvalidInput:
    return InvalidInput(
        "This sign-in or connection link is invalid, expired or already used.",
        code="INVALID_STATE",
        next_step="Start again from the beginning.",
    )
