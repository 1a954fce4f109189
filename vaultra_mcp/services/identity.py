"""Callers and their credentials: personal access tokens, and the users behind them.

Which businesses a caller may touch is decided by ``businesses.resolve_ref`` from the
database, never from anything a model writes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import InvalidInput, NotFound, Unauthenticated
from vaultra_mcp.models import PersonalAccessToken, User
from vaultra_mcp.services.deps import Deps

TOKEN_PREFIX = "vtk_"
MAX_TOKEN_DAYS = 3_650
MAX_TOKEN_LENGTH = 200
# last_used_at is informational; writing it on every request would make reads write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenSummary(BaseModel):
    """A personal access token as its owner sees it later: never the token itself."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class IssuedToken(BaseModel):
    id: int
    name: str
    token: str
    prefix: str
    user_id: int
    email: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def demo_token(hash_key: bytes, email: str, seed: int) -> str:
    """Deterministic for one secret, email and seed, so re-seeding prints the same token."""
    digest = hmac.new(hash_key, f"demo-token:{email}:{seed}".encode(), hashlib.sha256)
    return TOKEN_PREFIX + "demo_" + digest.hexdigest()[:40]


def demo_password(hash_key: bytes, email: str, seed: int) -> str:
    """A demo owner's password for local sign-in, deterministic like ``demo_token``."""
    digest = hmac.new(hash_key, f"demo-password:{email}:{seed}".encode(), hashlib.sha256)
    return "demo-" + digest.hexdigest()[:16]


async def issue_token(
    deps: Deps,
    *,
    email: str | None = None,
    user_id: int | None = None,
    name: str = "mcp",
    token: str | None = None,
    expires_in_days: int | None = None,
) -> IssuedToken:
    """A new personal access token for the user with ``email`` (operators) or ``user_id`` (the
    user themself); only its hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Token name must be 1-100 characters.")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"expires_in_days must be between 1 and {MAX_TOKEN_DAYS}.")
    now = deps.clock.now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    who = (
        col(User.id) == user_id
        if user_id is not None
        else col(User.email) == (email or "").strip().lower()
    )
    async with deps.db.transaction() as session:
        user = (await session.execute(select(User).where(who))).scalar_one_or_none()
        if user is None or user.id is None:
            who_text = f"with email {email}" if user_id is None else str(user_id)
            raise NotFound(f"No user {who_text}.", code="USER_NOT_FOUND")
        token = token or new_token()
        token_hash = hash_token(token)
        existing = (
            await session.execute(
                select(PersonalAccessToken).where(col(PersonalAccessToken.token_hash) == token_hash)
            )
        ).scalar_one_or_none()
        if existing is not None and existing.user_id != user.id:
            raise InvalidInput("That token value is already in use.")
        row = existing or PersonalAccessToken(
            user_id=user.id,
            name=name,
            token_hash=token_hash,
            token_prefix=token[:12],
            created_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return IssuedToken(
            id=row.id,
            name=row.name,
            token=token,
            prefix=row.token_prefix,
            user_id=user.id,
            email=user.email,
        )


async def list_tokens(deps: Deps, user_id: int) -> list[TokenSummary]:
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(PersonalAccessToken)
            .where(col(PersonalAccessToken.user_id) == user_id)
            .order_by(col(PersonalAccessToken.id))
        )
        return [
            TokenSummary(
                id=t.id,
                name=t.name,
                prefix=t.token_prefix,
                created_at=t.created_at,
                last_used_at=t.last_used_at,
                expires_at=t.expires_at,
                revoked_at=t.revoked_at,
            )
            for t in rows.scalars()
            if t.id is not None
        ]


async def revoke_token(deps: Deps, user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens; anyone else's id is "not found"."""
    async with deps.db.transaction() as session:
        revoked = await session.execute(
            update(PersonalAccessToken)
            .where(
                col(PersonalAccessToken.id) == token_id,
                col(PersonalAccessToken.user_id) == user_id,
            )
            .values(revoked_at=func.coalesce(col(PersonalAccessToken.revoked_at), deps.clock.now()))
        )
        if revoked.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"No access token {token_id}.", code="TOKEN_NOT_FOUND")


async def authenticate_token(deps: Deps, token: str) -> Caller:
    """The caller a personal access token belongs to, or ``Unauthenticated``."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated("Invalid access token.")
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        row = (
            await session.execute(
                select(
                    col(PersonalAccessToken.id),
                    col(PersonalAccessToken.user_id),
                    col(PersonalAccessToken.expires_at),
                    col(PersonalAccessToken.last_used_at),
                )
                .join(User, col(User.id) == col(PersonalAccessToken.user_id))
                .where(
                    col(PersonalAccessToken.token_hash) == hash_token(token),
                    col(PersonalAccessToken.revoked_at).is_(None),
                    col(User.is_active).is_(True),
                )
            )
        ).one_or_none()
        if row is None or _expired(row.expires_at, now):
            raise Unauthenticated("Invalid or revoked access token.")
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            await session.execute(
                update(PersonalAccessToken)
                .where(col(PersonalAccessToken.id) == row.id)
                .values(last_used_at=now)
            )
    return Caller.user(row.user_id)


async def active_user(deps: Deps, user_id: int) -> Caller:
    """The caller for ``user_id`` if that user exists and is active, else ``Unauthenticated``."""
    async with deps.db.sessions() as session:
        active = await session.execute(
            select(col(User.id)).where(col(User.id) == user_id, col(User.is_active).is_(True))
        )
        if active.first() is None:
            raise Unauthenticated("This account no longer exists or is disabled.")
    return Caller.user(user_id)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


class ClientToken(BaseModel):
    token: str
    email: str
    created: bool


async def client_token(
    deps: Deps, *, email: str | None, current: str | None, name: str
) -> ClientToken:
    """The token an MCP client config should carry: the one it has, while it still works and
    belongs to ``email`` (so installing twice changes nothing), else a new one for ``email``."""
    if current:
        try:
            caller = await authenticate_token(deps, current)
        except Unauthenticated:
            caller = None
        if caller is not None:
            async with deps.db.sessions() as session:
                owner = (
                    await session.execute(
                        select(col(User.email)).where(col(User.id) == caller.user_id)
                    )
                ).scalar_one()
            if email is None or owner == email.strip().lower():
                return ClientToken(token=current, email=owner, created=False)
    if not email:
        raise InvalidInput(
            "Which account should the client act as? Pass --email (or --token).",
            next_step="For the demo: --email devon@voltline.example",
        )
    issued = await issue_token(deps, email=email, name=name)
    return ClientToken(token=issued.token, email=issued.email, created=True)
