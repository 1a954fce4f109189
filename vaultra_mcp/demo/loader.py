"""Writing the demo into a database: users, businesses, memberships, tokens and payment history.

Safe to run twice: users are found by email, businesses by their demo key, rows by Stripe id,
and a business whose history is already loaded is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.stripe_objects import charge_row, dispute_row, payout_row, refund_row
from vaultra_mcp.db import insert_ignoring_duplicates
from vaultra_mcp.demo.generator import founded_on, generate, scaled_variant
from vaultra_mcp.demo.profiles import OWNERS, PROFILES, Profile
from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.models import Business, Membership, PersonalAccessToken, User
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_password, demo_token, hash_token
from vaultra_mcp.services.passwords import hash_password, verify_password
from vaultra_mcp.services.payments import insert_payment_rows

MAX_BUSINESSES = 100_000
LOOKUP_CHUNK = 500


class DemoUser(BaseModel):
    email: str
    token: str
    password: str | None = Field(
        description="For signing in to the web app; null in production, where it is refused."
    )
    business_ids: list[int]


class DemoBusiness(BaseModel):
    id: int
    name: str
    profile: str


class DemoReport(BaseModel):
    users: list[DemoUser]
    businesses: list[DemoBusiness]
    created_businesses: int
    existing_businesses: int
    payment_rows: int


def demo_profiles(count: int, seed: int) -> list[Profile]:
    """The six named profiles first, then variations on them for scale-out."""
    if not 1 <= count <= MAX_BUSINESSES:
        raise InvalidInput(f"--businesses must be between 1 and {MAX_BUSINESSES:,}; got {count}")
    named = list(PROFILES[:count])
    extra = [
        scaled_variant(PROFILES[i % len(PROFILES)], i + 1, seed)
        for i in range(len(PROFILES), count)
    ]
    return named + extra


async def load_demo(
    deps: Deps,
    *,
    businesses: int = 6,
    seed: int = 7,
    on_rows: Callable[[int], None] | None = None,
) -> DemoReport:
    profiles = demo_profiles(businesses, seed)
    as_of = deps.clock.now()
    key = deps.settings.auth.hash_key.get_secret_value().encode()
    async with deps.db.transaction() as session:
        user_ids = await _ensure_users(session, list(dict.fromkeys(p.owner for p in profiles)))
        business_rows = await _ensure_businesses(session, profiles, as_of)
        await _ensure_memberships(session, deps.db.dialect, profiles, user_ids, business_rows)
        tokens = await _ensure_tokens(session, deps, seed, user_ids)
    passwords = await _ensure_passwords(deps, seed, user_ids)
    loaded = [p for p in profiles if business_rows[p.key].payments_version == 0]
    rows_written = 0
    for profile in loaded:
        business = business_rows[profile.key]
        assert business.id is not None
        rows = history_rows(business.id, generate(profile, as_of, seed, f"{business.id}x"), key)
        async with deps.db.transaction() as session:
            await insert_payment_rows(session, deps.db.dialect, rows, as_of)
        rows_written += len(rows)
        if on_rows is not None:
            on_rows(len(rows))
    owned: dict[str, list[int]] = {}
    for p in profiles:
        owned.setdefault(p.owner, []).append(business_rows[p.key].id or 0)
    return DemoReport(
        users=[
            DemoUser(email=e, token=tokens[e], password=passwords.get(e), business_ids=ids)
            for e, ids in owned.items()
        ],
        businesses=[
            DemoBusiness(id=business_rows[p.key].id or 0, name=p.name, profile=p.key)
            for p in profiles
        ],
        created_businesses=len(loaded),
        existing_businesses=len(profiles) - len(loaded),
        payment_rows=rows_written,
    )


def history_rows(business_id: int, history: PaymentSet, key: bytes) -> PaymentSet:
    """A generated history as rows, through the same mapping real Stripe objects take."""
    return PaymentSet(
        charges=[charge_row(business_id, c, key) for c in history.charges],
        refunds=[refund_row(business_id, r) for r in history.refunds],
        disputes=[dispute_row(business_id, d) for d in history.disputes],
        payouts=[payout_row(business_id, p) for p in history.payouts],
    )


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


async def _ensure_users(session: AsyncSession, emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(emails):
        rows = await session.execute(
            select(col(User.email), col(User.id)).where(col(User.email).in_(chunk))
        )
        found.update({email: uid for email, uid in rows if uid is not None})
    missing = [e for e in emails if e not in found]
    if missing:
        await session.execute(
            insert(User),
            [{"email": e, "full_name": OWNERS.get(e, e.split("@")[0].title())} for e in missing],
        )
        for chunk in _chunks(missing):
            rows = await session.execute(
                select(col(User.email), col(User.id)).where(col(User.email).in_(chunk))
            )
            found.update({email: uid for email, uid in rows if uid is not None})
    return found


async def _ensure_businesses(
    session: AsyncSession, profiles: list[Profile], as_of: Any
) -> dict[str, Business]:
    keys = [p.key for p in profiles]

    async def lookup() -> dict[str, Business]:
        found: dict[str, Business] = {}
        for chunk in _chunks(keys):
            rows = await session.execute(select(Business).where(col(Business.demo_key).in_(chunk)))
            found.update({b.demo_key or "": b for b in rows.scalars()})
        return found

    found = await lookup()
    missing = [p for p in profiles if p.key not in found]
    if missing:
        await session.execute(
            insert(Business),
            [
                {
                    "name": p.name,
                    "industry": p.industry,
                    "country": p.country,
                    "entity_type": p.entity_type,
                    "founded_on": founded_on(p, as_of),
                    "currency": "usd",
                    "funding_goal_amount": p.funding_goal * 100 if p.funding_goal else None,
                    "funding_purpose": p.funding_purpose,
                    "demo_key": p.key,
                    "created_at": as_of,
                    "updated_at": as_of,
                }
                for p in missing
            ],
        )
        found = await lookup()
    return found


async def _ensure_memberships(
    session: AsyncSession,
    dialect: str,
    profiles: list[Profile],
    user_ids: dict[str, int],
    businesses: dict[str, Business],
) -> None:
    statement = insert_ignoring_duplicates(dialect, Membership, ("user_id", "business_id"))
    await session.execute(
        statement,
        [
            {"user_id": user_ids[p.owner], "business_id": businesses[p.key].id, "role": "owner"}
            for p in profiles
        ],
    )


async def _ensure_tokens(
    session: AsyncSession, deps: Deps, seed: int, user_ids: dict[str, int]
) -> dict[str, str]:
    key = deps.settings.auth.hash_key.get_secret_value().encode()
    tokens = {email: demo_token(key, email, seed) for email in user_ids}
    statement = insert_ignoring_duplicates(deps.db.dialect, PersonalAccessToken, ("token_hash",))
    await session.execute(
        statement,
        [
            {
                "user_id": user_ids[email],
                "name": "demo",
                "token_hash": hash_token(token),
                "token_prefix": token[:12],
                "created_at": deps.clock.now(),
            }
            for email, token in tokens.items()
        ],
    )
    return tokens


async def _ensure_passwords(deps: Deps, seed: int, user_ids: dict[str, int]) -> dict[str, str]:
    """Each named demo owner's password, set (or reset) so the one printed is the one that
    works; scale-out owners get none (a hash costs tens of milliseconds). Never in production:
    a demo password there would be a standing way in."""
    if deps.settings.env == "production":
        return {}
    key = deps.settings.auth.hash_key.get_secret_value().encode()
    passwords = {e: demo_password(key, e, seed) for e in user_ids if e in OWNERS}
    if not passwords:
        return {}
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(col(User.email), col(User.password_hash)).where(
                col(User.email).in_(list(passwords))
            )
        )
        stored: dict[str, str | None] = {row[0]: row[1] for row in rows}
    for email, password in passwords.items():
        if not await verify_password(stored.get(email), password):
            async with deps.db.transaction() as session:
                await session.execute(
                    update(User)
                    .where(col(User.id) == user_ids[email])
                    .values(password_hash=await hash_password(password))
                )
    return passwords
