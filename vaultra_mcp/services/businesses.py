"""Which businesses a caller may see, and what we know about each.

``resolve_business`` is the one gate between a caller and a business: an id that belongs to
someone else gets exactly the same ``NotFound`` as an id that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import InvalidInput, NeedsBusinessSelection, NotFound
from vaultra_mcp.models import Business, IntegrationAccount, Membership
from vaultra_mcp.services.deps import Deps

MAX_BUSINESS_ID = 2**63 - 1


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


class BusinessContext(BaseModel):
    id: int
    name: str
    industry: str
    country: str | None
    entity_type: str | None
    founded_on: date | None
    years_in_business: float | None
    currency: str
    funding_goal_amount: int | None
    funding_purpose: str | None
    integrations: list[IntegrationStatus]


def not_found(business_id: int | None = None) -> NotFound:
    label = f" {business_id}" if business_id is not None else ""
    return NotFound(
        f"Business{label} not found.",
        code="BUSINESS_NOT_FOUND",
        next_step="Call list_businesses to see the businesses you can access.",
    )


async def accessible_ids(session: AsyncSession, caller: Caller) -> list[int]:
    if caller.pinned_business_id is not None:
        exists = await session.get(Business, caller.pinned_business_id)
        return [caller.pinned_business_id] if exists else []
    rows = await session.execute(
        select(col(Membership.business_id))
        .where(col(Membership.user_id) == caller.user_id)
        .order_by(col(Membership.business_id))
    )
    return list(rows.scalars())


async def can_access(session: AsyncSession, caller: Caller, business_id: int) -> bool:
    if caller.pinned_business_id is not None:
        return caller.pinned_business_id == business_id
    found = await session.execute(
        select(col(Membership.id)).where(
            col(Membership.user_id) == caller.user_id, col(Membership.business_id) == business_id
        )
    )
    return found.first() is not None


async def resolve_in(session: AsyncSession, caller: Caller, business_id: int | None) -> Business:
    """The caller's business ``business_id``, or their only one when it is omitted."""
    if business_id is not None:
        if isinstance(business_id, bool) or not 0 < business_id <= MAX_BUSINESS_ID:
            raise InvalidInput("business_id must be a positive integer.")
        allowed = await can_access(session, caller, business_id)
        business = await session.get(Business, business_id) if allowed else None
        if business is None:
            raise not_found(business_id)
        return business
    ids = await accessible_ids(session, caller)
    if not ids:
        raise NotFound(
            "You have no businesses yet.",
            code="BUSINESS_NOT_FOUND",
            next_step="Create a business first (POST /api/v1/users/businesses).",
        )
    if len(ids) > 1:
        raise NeedsBusinessSelection(
            f"You have {len(ids)} businesses; say which one with business_id.",
            details={"business_ids": ids},
        )
    business = await session.get(Business, ids[0])
    assert business is not None
    return business


async def resolve_business(deps: Deps, caller: Caller, business_id: int | None) -> Business:
    async with deps.db.sessions() as session:
        return await resolve_in(session, caller, business_id)


async def list_businesses(deps: Deps, caller: Caller) -> list[BusinessSummary]:
    async with deps.db.sessions() as session:
        if caller.pinned_business_id is not None:
            business = await session.get(Business, caller.pinned_business_id)
            if business is None or business.id is None:
                return []
            return [
                BusinessSummary(
                    id=business.id, name=business.name, industry=business.industry, role="owner"
                )
            ]
        rows = await session.execute(
            select(
                col(Business.id), col(Business.name), col(Business.industry), col(Membership.role)
            )
            .join(Membership, col(Membership.business_id) == col(Business.id))
            .where(col(Membership.user_id) == caller.user_id)
            .order_by(col(Business.id))
        )
        return [
            BusinessSummary(id=r.id, name=r.name, industry=r.industry, role=r.role) for r in rows
        ]


async def business_context(deps: Deps, caller: Caller, business_id: int | None) -> BusinessContext:
    async with deps.db.sessions() as session:
        business = await resolve_in(session, caller, business_id)
        integrations = await session.execute(
            select(IntegrationAccount)
            .where(col(IntegrationAccount.business_id) == business.id)
            .order_by(col(IntegrationAccount.id))
        )
        accounts = [
            IntegrationStatus(
                provider=a.provider,
                account=a.external_account_id,
                status=a.status,
                connected_at=a.connected_at,
                last_synced_at=a.last_synced_at,
            )
            for a in integrations.scalars()
        ]
    today = deps.clock.now().date()
    years = round((today - business.founded_on).days / 365.25, 1) if business.founded_on else None
    assert business.id is not None
    return BusinessContext(
        id=business.id,
        name=business.name,
        industry=business.industry,
        country=business.country,
        entity_type=business.entity_type,
        founded_on=business.founded_on,
        years_in_business=years,
        currency=business.currency,
        funding_goal_amount=business.funding_goal_amount,
        funding_purpose=business.funding_purpose,
        integrations=accounts,
    )
