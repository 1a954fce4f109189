"""Sign-in throttling per (account, client address) pair and per address, shared by every replica.

Keying on the pair, not the account alone, is what keeps a stranger from locking an owner out:
failures from the stranger's address slow down only the stranger (OWASP Authentication Cheat
Sheet, "Account lockout": https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html).
The per-address count stops one address guessing at many accounts. A key may fail its limit
freely inside the window; past that each further try waits ``login_backoff_seconds`` after the
last one, doubling per failure up to the window.

Every attempt is written as a failure *before* the password is checked and removed if it turns
out right, and an attempt counts only the rows written before its own, so a burst of concurrent
guesses gets exactly the limit, not one each. The answer never depends on whether the email has
an account: the keys are the address as typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.errors import RateLimited
from vaultra_mcp.models import LoginFailure
from vaultra_mcp.services.deps import Deps


def pair_key(email: str, address: str) -> str:
    return f"pair:{address}|{email}"


def address_key(address: str) -> str:
    return f"ip:{address}"


@dataclass(frozen=True)
class Attempt:
    """The rows an attempt wrote: its failure records, unless it succeeds."""

    email: str
    address: str
    row_ids: tuple[int, ...]


async def begin(deps: Deps, email: str, address: str) -> Attempt:
    """Record an attempt; ``RateLimited`` (with ``retry_after``, and the record withdrawn) if
    the pair or the address must wait first."""
    settings, now = deps.settings, deps.clock.now()
    limits = {
        pair_key(email, address): settings.auth.login_failures_per_account_address,
        address_key(address): settings.auth.login_failures_per_ip,
    }
    async with deps.db.transaction() as session:
        rows = [LoginFailure(key=key, at=now) for key in limits]
        session.add_all(rows)
        await session.flush()
        mine = {row.key: int(row.id or 0) for row in rows}
    since = now - timedelta(seconds=settings.auth.login_failure_window)
    async with deps.db.sessions() as session:
        earlier = await session.execute(
            select(col(LoginFailure.key), func.count(), func.max(col(LoginFailure.at)))
            .where(
                col(LoginFailure.at) > since,
                or_(
                    *(
                        and_(col(LoginFailure.key) == key, col(LoginFailure.id) < row_id)
                        for key, row_id in mine.items()
                    )
                ),
            )
            .group_by(col(LoginFailure.key))
        )
        waits = [
            _wait(deps, count - limits[key], last, now)
            for key, count, last in earlier.all()
            if count >= limits[key]
        ]
    attempt = Attempt(email, address, tuple(mine.values()))
    if any(wait > 0 for wait in waits):
        async with deps.db.transaction() as session:
            await _forget(session, attempt)
        raise RateLimited(
            "Too many failed sign-ins; wait before trying again.",
            retry_after=max(1, math.ceil(max(waits))),
        )
    return attempt


def _wait(deps: Deps, beyond_limit: int, last: datetime, now: datetime) -> float:
    """Seconds still to wait after the last failure: the base, doubled per failure past the
    limit, at most the window."""
    settings = deps.settings
    pause = min(
        float(settings.auth.login_failure_window),
        settings.auth.login_backoff * float(2 ** min(beyond_limit, 32)),
    )
    if last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    return pause - (now - last).total_seconds()


async def succeeded(session: AsyncSession, attempt: Attempt) -> None:
    """The password was right: this attempt was no failure, and the pair starts afresh (the
    address keeps its count: other accounts' failures from it still stand)."""
    await _forget(session, attempt)
    await session.execute(
        delete(LoginFailure).where(
            col(LoginFailure.key) == pair_key(attempt.email, attempt.address)
        )
    )


async def _forget(session: AsyncSession, attempt: Attempt) -> None:
    await session.execute(delete(LoginFailure).where(col(LoginFailure.id).in_(attempt.row_ids)))
