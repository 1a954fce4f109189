"""What the jobs compute: metric snapshots, readiness scores and recommendations.

Snapshots and scores are append-only (history is kept); tools read the latest with an indexed
point query. Recommendations keep their id and the user's status across regenerations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import BigId, Json, Money, utcnow


class MetricSnapshot(SQLModel, table=True):
    __tablename__ = "financial_metric_snapshots"
    __table_args__ = (Index("ix_metric_snapshots_business_as_of", "business_id", "as_of"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    as_of: datetime
    computed_at: datetime = Field(default_factory=utcnow)
    currency: str = Field(max_length=3)
    months_of_history: float
    gross_volume_30d: int = Field(sa_type=Money)
    gross_volume_90d: int = Field(sa_type=Money)
    gross_volume_365d: int = Field(sa_type=Money)
    net_volume_365d: int = Field(sa_type=Money)
    refund_rate_90d_pct: float | None = None
    dispute_activity_90d_pct: float | None = None
    # The business's payments_version when computed: a higher version means new payment rows.
    source_version: int = 0
    payload: dict[str, Any] = Field(sa_type=Json)


class ReadinessScore(SQLModel, table=True):
    __tablename__ = "readiness_scores"
    __table_args__ = (Index("ix_readiness_scores_business_as_of", "business_id", "as_of"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    metric_snapshot_id: int = Field(
        foreign_key="financial_metric_snapshots.id", ondelete="CASCADE", unique=True, sa_type=BigId
    )
    as_of: datetime
    computed_at: datetime = Field(default_factory=utcnow)
    score: int
    tier: str = Field(max_length=30)
    payload: dict[str, Any] = Field(sa_type=Json)


class RecommendationRow(SQLModel, table=True):
    __tablename__ = "recommendations"
    __table_args__ = (
        Index("ix_recommendations_business_status_rank", "business_id", "status", "rank"),
        UniqueConstraint("business_id", "rule_key"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    readiness_score_id: int | None = Field(
        default=None,
        foreign_key="readiness_scores.id",
        ondelete="SET NULL",
        index=True,
        sa_type=BigId,
    )
    rule_key: str = Field(max_length=60)
    title: str = Field(max_length=200)
    category: str = Field(max_length=30)
    priority: str = Field(max_length=10)
    rank: int
    why: str = Field(sa_column=Column(Text, nullable=False))
    evidence: dict[str, Any] | None = Field(default=None, sa_type=Json)
    steps: list[str] = Field(sa_type=Json)
    estimated_score_gain: int
    potential_score_gain: int = 0
    status: str = Field(default="open", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    status_changed_at: datetime | None = None
