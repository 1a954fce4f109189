"""The eval dataset: the six demo businesses, scored as of a fixed moment, and their users.

Besides the demo owners (Maya owns two businesses), every business gets a single-business user
``eval+<profile>@vaultra.dev``, so a case can act as "the owner of this business" without the
two-business question getting in the way. Built once per database file, deterministically.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from vaultra_mcp.clock import FixedClock
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.demo.profiles import PROFILES
from vaultra_mcp.jobs import run_job
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.models import Business, Membership, User
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

AS_OF = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SEED = 7


def eval_email(profile_key: str) -> str:
    return f"eval+{profile_key}@vaultra.dev"


def fixture_settings(database: Path, **overrides: object) -> Settings:
    root = Path(__file__).resolve().parents[1]
    base = Settings(
        env="test",
        database={"url": f"sqlite+aiosqlite:///{database}"},
        knowledge={
            "dir": str(root / "knowledge"),
            "index": str(database.parent / "knowledge.sqlite"),
        },
        # The fixture's clock stands still, so a whole run is one rate-limit window and one day:
        # the evals measure answers, not the limits.
        limits={
            "chat_turns_per_user": 10**9,
            "chat_turns_per_business": 10**9,
            "tool_calls_per_user": 10**9,
        },
        llm={"agent_daily_tokens": None},
    )
    return base.changed(**overrides)


async def build_fixture(settings: Settings) -> None:
    """Migrate; load the demo and compute it as of ``AS_OF`` unless it is there; add the
    single-business users that are missing. Safe to run on a database a server already uses."""
    deps = Deps.build(settings, clock=FixedClock(AS_OF))
    try:
        await upgrade(deps.db)
        keys = [p.key for p in PROFILES]
        if len(await _demo_businesses(deps, keys)) < len(keys):
            await load_demo(deps, businesses=len(PROFILES), seed=SEED)
            for job in ("compute_metrics", "compute_readiness", "generate_recommendations"):
                await run_job(deps, job)
        businesses = await _demo_businesses(deps, keys)
        async with deps.db.transaction() as session:
            existing = set((await session.execute(select(col(User.email)))).scalars())
            for profile in PROFILES:
                if eval_email(profile.key) in existing:
                    continue
                user = User(email=eval_email(profile.key), full_name=f"Eval {profile.name}")
                session.add(user)
                await session.flush()
                assert user.id is not None
                session.add(
                    Membership(user_id=user.id, business_id=businesses[profile.key], role="owner")
                )
    finally:
        await deps.close()


async def _demo_businesses(deps: Deps, keys: list[str]) -> dict[str, int]:
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(col(Business.demo_key), col(Business.id)).where(col(Business.demo_key).in_(keys))
        )
        return {str(key): int(id_ or 0) for key, id_ in rows.all()}


async def user_id(settings: Settings, email: str) -> int:
    deps = Deps.build(settings)
    try:
        async with deps.db.sessions() as session:
            found = (
                await session.execute(select(col(User.id)).where(col(User.email) == email))
            ).scalar_one_or_none()
    finally:
        await deps.close()
    if found is None:
        raise LookupError(f"no user {email} in the eval fixture")
    return int(found)
