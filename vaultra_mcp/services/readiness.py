"""Readiness scores: the ``compute_readiness`` job, the breakdown, history and what-if.

A score is computed from one metric snapshot and stored beside its inputs, so a breakdown, a
simulation and the recommendations all re-score from exactly what the stored score saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, insert, select
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.metrics import MetricSet
from vaultra_mcp.core.readiness import Readiness, ScoreInputs, inputs_from_metrics, score_readiness
from vaultra_mcp.core.simulation import WhatIf, simulate
from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.models import Business, MetricSnapshot, ReadinessScore
from vaultra_mcp.services.businesses import BusinessRef, resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import JobOutcome, ensure_snapshot

STALE_AFTER = timedelta(hours=26)  # jobs run hourly; a day without a new score means they stopped


class ReadinessView(BaseModel):
    business_id: int
    business_name: str
    as_of: datetime
    readiness: Readiness
    inputs: ScoreInputs
    first_charge_at: datetime | None
    stale: bool


class ReadinessHistoryPoint(BaseModel):
    as_of: datetime
    score: int
    tier: str


async def run_compute_readiness(
    deps: Deps, *, business_ids: Sequence[int] | None = None
) -> JobOutcome:
    """Score every business whose latest metric snapshot has no score yet."""
    latest = (
        select(col(MetricSnapshot.business_id), func.max(col(MetricSnapshot.id)).label("sid"))
        .group_by(col(MetricSnapshot.business_id))
        .subquery()
    )
    query = (
        select(
            col(MetricSnapshot.id),
            col(MetricSnapshot.business_id),
            col(MetricSnapshot.as_of),
            col(MetricSnapshot.payload),
            col(Business.industry),
        )
        .join(latest, latest.c.sid == col(MetricSnapshot.id))
        .join(Business, col(Business.id) == col(MetricSnapshot.business_id))
        .outerjoin(ReadinessScore, col(ReadinessScore.metric_snapshot_id) == col(MetricSnapshot.id))
        .where(col(ReadinessScore.id).is_(None))
    )
    if business_ids is not None:
        query = query.where(col(MetricSnapshot.business_id).in_(list(business_ids)))
    async with deps.db.sessions() as session:
        pending = (await session.execute(query)).all()
    now = deps.clock.now()
    rows = []
    for snapshot_id, business_id, as_of, payload, industry in pending:
        inputs = inputs_from_metrics(MetricSet.model_validate(payload), industry)
        readiness = score_readiness(inputs)
        rows.append(
            {
                "business_id": business_id,
                "metric_snapshot_id": snapshot_id,
                "as_of": as_of,
                "computed_at": now,
                "score": readiness.score,
                "tier": readiness.tier,
                "payload": {
                    "inputs": inputs.model_dump(mode="json"),
                    "readiness": readiness.model_dump(mode="json"),
                    "first_charge_at": payload.get("first_charge_at"),
                },
            }
        )
    batch = deps.settings.jobs.recompute_batch
    for start in range(0, len(rows), batch):
        async with deps.db.transaction() as session:
            await session.execute(insert(ReadinessScore), rows[start : start + batch])
    return JobOutcome(businesses=len(rows), rows=len(rows))


@dataclass(frozen=True, slots=True)
class StoredScore:
    """A score row, parsed. Rows never change, so each is parsed once per process."""

    id: int
    metric_snapshot_id: int
    as_of: datetime
    readiness: Readiness
    inputs: ScoreInputs
    first_charge_at: datetime | None


async def score_of(deps: Deps, score_id: int) -> StoredScore:
    key = ("score", score_id)
    cached = deps.memo.get(key)
    if cached is None:
        async with deps.db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        col(ReadinessScore.metric_snapshot_id),
                        col(ReadinessScore.as_of),
                        col(ReadinessScore.payload),
                    ).where(col(ReadinessScore.id) == score_id)
                )
            ).one()
        first = row.payload.get("first_charge_at")
        cached = deps.memo.put(
            key,
            StoredScore(
                id=score_id,
                metric_snapshot_id=row.metric_snapshot_id,
                as_of=_aware(row.as_of),
                readiness=Readiness.model_validate(row.payload["readiness"]),
                inputs=ScoreInputs.model_validate(row.payload["inputs"]),
                first_charge_at=datetime.fromisoformat(first) if first else None,
            ),
        )
    assert isinstance(cached, StoredScore)
    return cached


def _aware(moment: datetime) -> datetime:
    """Core selects on SQLite return naive UTC; make it explicit."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def ensure_score(deps: Deps, business: BusinessRef) -> int:
    """The latest score's id, computed now (with its snapshot) if the jobs have not made one."""
    if business.score_id is not None:
        return business.score_id
    await ensure_snapshot(deps, business)
    await run_compute_readiness(deps, business_ids=[business.id])
    async with deps.db.engine.connect() as conn:
        score_id = (
            await conn.execute(
                select(col(ReadinessScore.id))
                .where(col(ReadinessScore.business_id) == business.id)
                .order_by(col(ReadinessScore.as_of).desc(), col(ReadinessScore.id).desc())
                .limit(1)
            )
        ).scalar_one()
    assert score_id is not None
    return score_id


def view_of(business: BusinessRef, score: StoredScore, now: datetime) -> ReadinessView:
    return ReadinessView(
        business_id=business.id,
        business_name=business.name,
        as_of=score.as_of,
        readiness=score.readiness,
        inputs=score.inputs,
        first_charge_at=score.first_charge_at,
        stale=now - score.as_of > STALE_AFTER,
    )


async def readiness_breakdown(deps: Deps, caller: Caller, business_id: int | None) -> ReadinessView:
    return await readiness_of(deps, await resolve_ref(deps, caller, business_id))


async def readiness_of(deps: Deps, business: BusinessRef) -> ReadinessView:
    """The readiness of a business ``resolve_ref`` has already let the caller reach."""
    score = await score_of(deps, await ensure_score(deps, business))
    return view_of(business, score, deps.clock.now())


async def readiness_history(
    deps: Deps, caller: Caller, business_id: int | None, limit: int = 30
) -> list[ReadinessHistoryPoint]:
    if not 1 <= limit <= 365:
        raise InvalidInput("limit must be between 1 and 365.")
    business = await resolve_ref(deps, caller, business_id)
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(col(ReadinessScore.as_of), col(ReadinessScore.score), col(ReadinessScore.tier))
            .where(col(ReadinessScore.business_id) == business.id)
            .order_by(col(ReadinessScore.as_of).desc(), col(ReadinessScore.id).desc())
            .limit(limit)
        )
        return [ReadinessHistoryPoint(as_of=r.as_of, score=r.score, tier=r.tier) for r in rows]


async def simulate_readiness(
    deps: Deps, caller: Caller, business_id: int | None, changes: Mapping[str, float]
) -> WhatIf:
    """Re-score with some metrics changed. Reads only; nothing is stored."""
    return await simulate_readiness_of(deps, await resolve_ref(deps, caller, business_id), changes)


async def simulate_readiness_of(
    deps: Deps, business: BusinessRef, changes: Mapping[str, float]
) -> WhatIf:
    """``simulate_readiness`` for a business ``resolve_ref`` has already let the caller reach."""
    view = await readiness_of(deps, business)
    return WhatIf(
        business_id=view.business_id,
        business_name=view.business_name,
        simulation=simulate(view.inputs, changes),
    )
