"""Who: users, their access tokens, businesses, memberships and connected integrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import Json, Money, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    full_name: str | None = Field(default=None, max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    google_subject: str | None = Field(default=None, max_length=255, unique=True)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonalAccessToken(SQLModel, table=True):
    """A long-lived credential for MCP clients; only its SHA-256 is stored."""

    __tablename__ = "personal_access_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    token_prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A browser session behind an HttpOnly cookie: short-lived, revocable, and stored only as
    the SHA-256 of the cookie's value."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class OAuthState(SQLModel, table=True):
    """A pending OAuth redirect (Google sign-in or Stripe Connect): single-use, short-lived, and
    bound to the user who started it. Only the state's SHA-256 is stored."""

    __tablename__ = "oauth_states"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=20)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    business_id: int | None = Field(default=None, foreign_key="businesses.id", ondelete="CASCADE")
    code_verifier: str | None = Field(default=None, max_length=128)
    nonce: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Business(SQLModel, table=True):
    __tablename__ = "businesses"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    industry: str = Field(default="other", max_length=40)
    country: str | None = Field(default=None, max_length=2)
    entity_type: str | None = Field(default=None, max_length=20)
    founded_on: date | None = None
    currency: str = Field(default="usd", max_length=3)
    funding_goal_amount: int | None = Field(default=None, sa_type=Money)
    funding_purpose: str | None = Field(default=None, max_length=200)
    demo_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Incremented by every write of payment rows; a snapshot records the version it saw, so jobs
    # recompute exactly the businesses whose rows changed since (no clock comparisons).
    payments_version: int = 0


class Membership(SQLModel, table=True):
    __tablename__ = "user_business_memberships"
    __table_args__ = (UniqueConstraint("user_id", "business_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE", index=True)
    role: str = Field(default="owner", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class IntegrationAccount(SQLModel, table=True):
    """A connected payment account; its access token is Fernet-encrypted, never stored plain."""

    __tablename__ = "integration_accounts"
    __table_args__ = (UniqueConstraint("provider", "external_account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE", index=True)
    provider: str = Field(default="stripe", max_length=20)
    external_account_id: str = Field(max_length=255)
    access_token_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    scope: str | None = Field(default=None, max_length=50)
    livemode: bool = False
    status: str = Field(default="connected", max_length=20)
    connected_at: datetime = Field(default_factory=utcnow)
    disconnected_at: datetime | None = None
    last_synced_at: datetime | None = None
    sync_cursor: dict[str, Any] | None = Field(default=None, sa_type=Json)
    # A sync claims the account until then, so two processes never sync it at once; the holder
    # ("host:pid:token") lets an operator take over the lease of a process that is gone.
    sync_lease_until: datetime | None = None
    sync_lease_holder: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
