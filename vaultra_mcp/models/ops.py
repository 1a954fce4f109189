"""Operations: job runs, notification digests, failed sign-ins and rate counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import BigId, Json, utcnow


class JobRun(SQLModel, table=True):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_started", "job_name", "started_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    job_name: str = Field(max_length=50)
    status: str = Field(default="running", max_length=20)
    trigger: str = Field(default="manual", max_length=20)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    duration_ms: int | None = None
    businesses: int = 0
    rows: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text))
    host: str | None = Field(default=None, max_length=255)
    pid: int | None = None


class NotificationDigest(SQLModel, table=True):
    """New recommendations for one user since their last digest (no sender yet)."""

    __tablename__ = "notification_digests"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    recommendation_ids: list[int] = Field(sa_type=Json)
    count: int
    sent_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, keyed by account (``account:<email>``) and by client (``ip:<addr>``).

    Kept in the database so every replica counts the same failures."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    key: str = Field(max_length=400)
    at: datetime = Field(default_factory=utcnow)


class RateCounter(SQLModel, table=True):
    """How often one limited action (``chat:user:7``, ``tool:user:7``...) ran in one fixed
    window. Kept in the database so every replica counts against the same limit."""

    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(primary_key=True)
    count: int = 0
