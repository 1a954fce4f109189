"""Which businesses a caller may see, and what we know about each.

``resolve_ref`` is the one gate between a caller and a business: an id that belongs to someone
else gets exactly the same ``NotFound`` as an id that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Executable, Select, and_, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.business_profile import PROFILE_FIELDS, BusinessProfile
from vaultra_mcp.errors import InvalidInput, NeedsBusinessSelection, NotFound
from vaultra_mcp.models import (
    Business,
    IntegrationAccount,
    Membership,
    MetricSnapshot,
    ReadinessScore,
)
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.types import MAX_SMALL_ID


class BusinessSummary(BaseModel):
    id: int
    name: str
    industry: str
    role: str


class IntegrationStatus(BaseModel):
    provider: str
    account: str
    status: str
    connected_at: datetime
    last_synced_at: datetime | None


class BusinessContext(BusinessProfile):
    years_in_business: float | None
    integrations: list[IntegrationStatus]


def not_found(business_id: int | None = None) -> NotFound:
    label = f" {business_id}" if business_id is not None else ""
    return NotFound(
        f"Business{label} not found.",
        code="BUSINESS_NOT_FOUND",
        next_step="Call list_businesses to see the businesses you can access.",
    )


class BusinessRef(BusinessProfile):
    """A business the caller may reach, with the ids of its latest score and snapshot."""

    model_config = ConfigDict(frozen=True)

    score_id: int | None
    snapshot_id: int | None


@cache
def _reachable(pinned: bool, one: bool) -> Select[Any]:
    """Businesses the caller may reach (only ``:business_id`` if ``one``), latest ids included.

    Built once per shape with bound parameters: constructing the expression costs more than
    running it.
    """
    latest_score = (
        select(col(ReadinessScore.id))
        .where(col(ReadinessScore.business_id) == col(Business.id))
        .order_by(col(ReadinessScore.as_of).desc(), col(ReadinessScore.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_snapshot = (
        select(col(MetricSnapshot.id))
        .where(col(MetricSnapshot.business_id) == col(Business.id))
        .order_by(col(MetricSnapshot.as_of).desc(), col(MetricSnapshot.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(
        *(col(getattr(Business, name)) for name in PROFILE_FIELDS),
        latest_score.label("score_id"),
        latest_snapshot.label("snapshot_id"),
    )
    if pinned:
        query = query.where(col(Business.id) == bindparam("pinned_id"))
    else:
        query = query.join(
            Membership,
            and_(
                col(Membership.business_id) == col(Business.id),
                col(Membership.user_id) == bindparam("user_id"),
            ),
        )
    if one:
        query = query.where(col(Business.id) == bindparam("business_id"))
    return query.order_by(col(Business.id))


async def resolve_ref(deps: Deps, caller: Caller, business_id: int | None) -> BusinessRef:
    """The caller's business ``business_id``, or their only one when it is omitted.

    One indexed query decides access and finds the latest score and snapshot.
    """
    if business_id is not None and (isinstance(business_id, bool) or business_id < 1):
        raise InvalidInput("business_id must be a positive integer.")
    if business_id is not None and business_id > MAX_SMALL_ID:
        raise not_found(business_id)
    pinned = caller.pinned_business_id is not None
    query = _reachable(pinned, business_id is not None)
    params = {
        "pinned_id": caller.pinned_business_id,
        "user_id": caller.user_id,
        "business_id": business_id,
    }
    async with deps.db.engine.connect() as conn:
        rows = (await conn.execute(query, params)).all()
    if business_id is not None and not rows:
        raise not_found(business_id)
    if not rows:
        raise NotFound(
            "You have no businesses yet.",
            code="BUSINESS_NOT_FOUND",
            next_step="Create a business first (POST /api/v1/users/businesses).",
        )
    if len(rows) > 1:
        raise NeedsBusinessSelection(
            f"You have {len(rows)} businesses; say which one with business_id.",
            details={"business_ids": [row.id for row in rows]},
        )
    return BusinessRef(**rows[0]._mapping)


async def can_access(session: AsyncSession, caller: Caller, business_id: int) -> bool:
    if caller.pinned_business_id is not None:
        return caller.pinned_business_id == business_id
    found = await session.execute(
        select(col(Membership.id)).where(
            col(Membership.user_id) == caller.user_id, col(Membership.business_id) == business_id
        )
    )
    return found.first() is not None


@cache
def _memberships(pinned: bool) -> Executable:
    columns = (col(Business.id), col(Business.name), col(Business.industry))
    if pinned:
        query = select(*columns, literal("owner").label("role"))
        return query.where(col(Business.id) == bindparam("pinned_id"))
    return (
        select(*columns, col(Membership.role))
        .join(Membership, col(Membership.business_id) == col(Business.id))
        .where(col(Membership.user_id) == bindparam("user_id"))
        .order_by(col(Business.id))
    )


async def list_businesses(deps: Deps, caller: Caller) -> list[BusinessSummary]:
    pinned = caller.pinned_business_id is not None
    params = {"pinned_id": caller.pinned_business_id, "user_id": caller.user_id}
    async with deps.db.engine.connect() as conn:
        rows = await conn.execute(_memberships(pinned), params)
        return [
            BusinessSummary(id=r.id, name=r.name, industry=r.industry, role=r.role) for r in rows
        ]


@cache
def _integrations() -> Executable:
    return (
        select(
            col(IntegrationAccount.provider),
            col(IntegrationAccount.external_account_id),
            col(IntegrationAccount.status),
            col(IntegrationAccount.connected_at),
            col(IntegrationAccount.last_synced_at),
        )
        .where(col(IntegrationAccount.business_id) == bindparam("business_id"))
        .order_by(col(IntegrationAccount.id))
    )


def _aware(moment: datetime) -> datetime:
    """Core selects on SQLite return naive UTC; make it explicit."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def business_context(deps: Deps, caller: Caller, business_id: int | None) -> BusinessContext:
    business = await resolve_ref(deps, caller, business_id)
    async with deps.db.engine.connect() as conn:
        integrations = await conn.execute(_integrations(), {"business_id": business.id})
        accounts = [
            IntegrationStatus(
                provider=a.provider,
                account=a.external_account_id,
                status=a.status,
                connected_at=_aware(a.connected_at),
                last_synced_at=_aware(a.last_synced_at) if a.last_synced_at else None,
            )
            for a in integrations
        ]
    today = deps.clock.now().date()
    years = round((today - business.founded_on).days / 365.25, 1) if business.founded_on else None
    return BusinessContext.of(business, years_in_business=years, integrations=accounts)
