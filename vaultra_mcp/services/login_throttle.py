"""Sign-in rate limiting per account and per client address, shared by every replica.

Failures are rows (``login_failures``); a sign-in is refused while the account or the address
has too many failures inside the window, with the seconds until the oldest one ages out. A
successful sign-in clears the account's failures, not the address's.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.errors import RateLimited
from vaultra_mcp.models import LoginFailure
from vaultra_mcp.services.deps import Deps


def account_key(email: str) -> str:
    return f"account:{email}"


def address_key(address: str) -> str:
    return f"ip:{address}"


async def check_allowed(deps: Deps, email: str, address: str) -> None:
    """``RateLimited`` (with ``retry_after``) if the account or the address is locked out."""
    settings, now = deps.settings, deps.clock.now()
    since = now - timedelta(seconds=settings.login_failure_window_seconds)
    limits = {
        account_key(email): settings.login_failures_per_account,
        address_key(address): settings.login_failures_per_ip,
    }
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(col(LoginFailure.key), func.count(), func.min(col(LoginFailure.at)))
            .where(col(LoginFailure.key).in_(list(limits)), col(LoginFailure.at) > since)
            .group_by(col(LoginFailure.key))
        )
        waits = [
            _seconds_until(oldest, since)
            for key, count, oldest in rows.all()
            if count >= limits[key]
        ]
    if waits:
        raise RateLimited(
            "Too many failed sign-ins; wait before trying again.", retry_after=max(waits)
        )


def _seconds_until(oldest: datetime, since: datetime) -> int:
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=since.tzinfo)
    return max(1, math.ceil((oldest - since).total_seconds()))


async def record_failure(deps: Deps, email: str, address: str) -> None:
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        session.add_all(
            [
                LoginFailure(key=account_key(email), at=now),
                LoginFailure(key=address_key(address), at=now),
            ]
        )


async def clear_account(session: AsyncSession, email: str) -> None:
    await session.execute(delete(LoginFailure).where(col(LoginFailure.key) == account_key(email)))
