"""Accounts: sign-up, sign-in, the profile, and the businesses a user owns.

Email addresses are compared lower-cased. A sign-in for an unknown email costs what a wrong
password costs and answers the same, so the API does not reveal who has an account (sign-up
necessarily does: an address can only be registered once).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.business_profile import BusinessProfile
from vaultra_mcp.core.thresholds import Industry
from vaultra_mcp.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from vaultra_mcp.models import Business, Membership, User
from vaultra_mcp.services import login_throttle
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.businesses import BusinessSummary, list_businesses, not_found
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from vaultra_mcp.types import INTEGRAL

OWNER_ROLES = frozenset({"owner", "admin"})


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user_id: int


class Account(BaseModel):
    id: int
    email: str
    full_name: str | None
    created_at: datetime


class Profile(Account):
    businesses: list[BusinessSummary]


EntityType = Literal[
    "sole_proprietorship", "partnership", "llc", "corporation", "s_corp", "nonprofit", "other"
]


BusinessName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]
NOT_NULL = ("name", "industry", "currency")  # a business always has these


def _no_default(schema: dict[str, Any]) -> None:
    """Omitted means unchanged; null is not a value these fields take, so no null default."""
    schema.pop("default", None)


class BusinessFields(BaseModel):
    """What an owner may change on a business: ids, owners and roles are not among them, and a
    field this model does not name is refused rather than ignored. Omitted means unchanged."""

    model_config = ConfigDict(extra="forbid")

    name: BusinessName | SkipJsonSchema[None] = Field(None, json_schema_extra=_no_default)
    industry: Industry | SkipJsonSchema[None] = Field(None, json_schema_extra=_no_default)
    country: Country | None = Field(None, description="ISO 3166-1 alpha-2, e.g. US")
    entity_type: EntityType | None = None
    founded_on: date | None = None
    currency: Currency | SkipJsonSchema[None] = Field(
        None, description="ISO 4217, lower case, e.g. usd", json_schema_extra=_no_default
    )
    funding_goal_amount: Annotated[int, Field(ge=0, le=10**13), INTEGRAL] | None = Field(
        None, description="In minor units of the currency (cents)."
    )
    funding_purpose: Annotated[str, StringConstraints(max_length=200)] | None = None

    @field_validator(*NOT_NULL)
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


class NewBusiness(BusinessFields):
    name: BusinessName


class BusinessView(BusinessProfile):
    role: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH or not password.strip():
        raise InvalidInput(
            f"The password must be {MIN_LENGTH}-{MAX_LENGTH} characters and not only spaces.",
            details={"field": "password"},
        )


def access_token_for(deps: Deps, user_id: int) -> AccessToken:
    now = int(deps.clock.now().timestamp())
    return AccessToken(
        access_token=mint_jwt(deps.settings, user_id, now),
        expires_in=deps.settings.auth.jwt_ttl_minutes * 60,
        user_id=user_id,
    )


async def sign_up(deps: Deps, email: str, password: str, full_name: str | None) -> AccessToken:
    check_password(password)
    email = normalize_email(email)
    password_hash = await hash_password(password)
    now = deps.clock.now()
    user = User(
        email=email,
        full_name=full_name,
        password_hash=password_hash,
        created_at=now,
        updated_at=now,
    )
    try:
        async with deps.db.transaction() as session:
            session.add(user)
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "An account with this email already exists.",
            code="EMAIL_TAKEN",
            next_step="Sign in instead, or use another email address.",
        ) from None
    assert user.id is not None
    return access_token_for(deps, user.id)


async def sign_in(deps: Deps, email: str, password: str, address: str) -> AccessToken:
    """A token for the right password; ``RateLimited`` after too many failures from this
    address, for this account or for any (see ``login_throttle``)."""
    email = normalize_email(email)
    attempt = await login_throttle.begin(deps, email, address)
    async with deps.db.sessions() as session:
        user = (
            await session.execute(
                select(User).where(col(User.email) == email, col(User.is_active).is_(True))
            )
        ).scalar_one_or_none()
    stored = user.password_hash if user is not None else None
    if not await verify_password(stored, password) or user is None or user.id is None:
        raise Unauthenticated("Wrong email or password.", code="INVALID_CREDENTIALS")
    async with deps.db.transaction() as session:
        await login_throttle.succeeded(session, attempt)
        if stored is not None and needs_rehash(stored):
            await session.execute(
                update(User)
                .where(col(User.id) == user.id)
                .values(password_hash=await hash_password(password))
            )
    return access_token_for(deps, user.id)


async def account(deps: Deps, caller: Caller) -> Account:
    user = await _user(deps, caller)
    assert user.id is not None
    return Account(
        id=user.id, email=user.email, full_name=user.full_name, created_at=user.created_at
    )


async def profile(deps: Deps, caller: Caller) -> Profile:
    return Profile(
        **(await account(deps, caller)).model_dump(),
        businesses=await list_businesses(deps, caller),
    )


async def update_profile(deps: Deps, caller: Caller, full_name: str | None) -> Profile:
    async with deps.db.transaction() as session:
        await session.execute(
            update(User)
            .where(col(User.id) == caller.user_id)
            .values(full_name=full_name, updated_at=deps.clock.now())
        )
    return await profile(deps, caller)


async def create_business(deps: Deps, caller: Caller, fields: NewBusiness) -> BusinessView:
    """A new business with the caller as its owner."""
    user = await _user(deps, caller)
    values = fields.model_dump(exclude_none=True)
    now = deps.clock.now()
    business = Business(**values, created_at=now, updated_at=now)
    async with deps.db.transaction() as session:
        session.add(business)
        await session.flush()
        assert business.id is not None and user.id is not None
        session.add(Membership(user_id=user.id, business_id=business.id, role="owner"))
    return _view(business, "owner")


async def update_business(
    deps: Deps, caller: Caller, business_id: int, fields: BusinessFields
) -> BusinessView:
    """Change the fields given; only the business's owners may, and others get "not found"."""
    values = fields.model_dump(exclude_unset=True)
    async with deps.db.transaction() as session:
        found = (
            await session.execute(
                select(Business, col(Membership.role))
                .join(Membership, col(Membership.business_id) == col(Business.id))
                .where(col(Business.id) == business_id, col(Membership.user_id) == caller.user_id)
                .with_for_update()
            )
        ).one_or_none()
        if found is None:
            raise not_found(business_id)
        business, role = found
        if role not in OWNER_ROLES:
            raise PermissionDenied("Only an owner of this business can change it.")
        for name, value in values.items():
            setattr(business, name, value)
        business.updated_at = deps.clock.now()
        session.add(business)
    return _view(business, role)


async def _user(deps: Deps, caller: Caller) -> User:
    if caller.user_id is None:
        raise PermissionDenied("This credential is not a user account.")
    async with deps.db.sessions() as session:
        user = await session.get(User, caller.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("This account no longer exists or is disabled.")
    return user


def _view(business: Business, role: str) -> BusinessView:
    assert business.id is not None
    return BusinessView.of(business, role=role)
