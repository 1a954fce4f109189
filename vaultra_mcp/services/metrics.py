"""Metric snapshots: computing them (the ``compute_metrics`` job) and reading them back.

The job recomputes only businesses whose payment rows changed since their last snapshot (or all
of them with ``full``), from the monthly rollups and the edge days of each window for the whole
set (``services.payment_aggregates``), and writes the
snapshots in batched transactions: a business's snapshot is always written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.metrics import PERIOD_DAYS, MetricSet, WindowMetrics, compute_metrics
from vaultra_mcp.core.thresholds import benchmarks
from vaultra_mcp.errors import InvalidInput, NotReady
from vaultra_mcp.models import Business, MetricSnapshot
from vaultra_mcp.services.businesses import BusinessRef, resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payment_aggregates import load_aggregates

Period = Literal["90d", "6m", "12m"]


class JobOutcome(BaseModel):
    """What a job did: businesses touched and rows written."""

    businesses: int = 0
    rows: int = 0


class MetricSummary(BaseModel):
    """A period's metrics with what each is judged against and what the numbers leave out:
    the same facts for the MCP tool and the HTTP route."""

    business_id: int
    business_name: str
    industry: str
    period: str
    metrics: MetricSet
    window: WindowMetrics
    growth_pct: float | None
    benchmarks: dict[str, str]
    notes: list[str]


class MetricHistoryPoint(BaseModel):
    as_of: datetime
    months_of_history: float
    gross_volume_30d: int
    gross_volume_90d: int
    gross_volume_365d: int
    net_volume_365d: int
    refund_rate_90d_pct: float | None
    dispute_activity_90d_pct: float | None


async def _targets(
    session: AsyncSession, full: bool, business_ids: Sequence[int] | None
) -> list[tuple[int, str, int]]:
    seen = (
        select(
            col(MetricSnapshot.business_id),
            func.max(col(MetricSnapshot.source_version)).label("seen"),
        )
        .group_by(col(MetricSnapshot.business_id))
        .subquery()
    )
    query = (
        select(col(Business.id), col(Business.currency), col(Business.payments_version))
        .outerjoin(seen, seen.c.business_id == col(Business.id))
        .where(col(Business.payments_version) > 0)
        .order_by(col(Business.id))
    )
    if not full:
        query = query.where(
            or_(seen.c.seen.is_(None), col(Business.payments_version) > seen.c.seen)
        )
    if business_ids is not None:
        query = query.where(col(Business.id).in_(list(business_ids)))
    return [(r.id, r.currency, r.payments_version) for r in await session.execute(query)]


async def run_compute_metrics(
    deps: Deps, *, full: bool = False, business_ids: Sequence[int] | None = None
) -> JobOutcome:
    as_of = deps.clock.now()
    async with deps.db.sessions() as session:
        targets = await _targets(session, full, business_ids)
    if not targets:
        return JobOutcome()
    aggregates = await load_aggregates(
        deps.db, {bid: currency for bid, currency, _ in targets}, as_of
    )
    rows = []
    for bid, _, version in targets:
        metrics = compute_metrics(aggregates[bid])
        year, quarter = metrics.window(365), metrics.window(90)
        rows.append(
            {
                "business_id": bid,
                "as_of": as_of,
                "computed_at": as_of,
                "currency": metrics.currency,
                "months_of_history": metrics.months_of_history,
                "gross_volume_30d": metrics.window(30).gross_volume,
                "gross_volume_90d": quarter.gross_volume,
                "gross_volume_365d": year.gross_volume,
                "net_volume_365d": year.net_volume,
                "refund_rate_90d_pct": quarter.refund_rate_pct,
                "dispute_activity_90d_pct": quarter.dispute_activity_pct,
                "source_version": version,
                "payload": metrics.model_dump(mode="json"),
            }
        )
    batch = deps.settings.jobs.recompute_batch
    for start in range(0, len(rows), batch):
        async with deps.db.transaction() as session:
            await session.execute(insert(MetricSnapshot), rows[start : start + batch])
    return JobOutcome(businesses=len(rows), rows=len(rows))


async def metrics_of(deps: Deps, snapshot_id: int) -> MetricSet:
    """The parsed metrics of a snapshot row; rows never change, so each is parsed once."""
    key = ("metrics", snapshot_id)
    cached = deps.memo.get(key)
    if cached is None:
        async with deps.db.engine.connect() as conn:
            payload = (
                await conn.execute(
                    select(col(MetricSnapshot.payload)).where(col(MetricSnapshot.id) == snapshot_id)
                )
            ).scalar_one()
        cached = deps.memo.put(key, MetricSet.model_validate(payload))
    assert isinstance(cached, MetricSet)
    return cached


async def ensure_snapshot(deps: Deps, business: BusinessRef) -> int:
    """The latest snapshot's id, computed now if the jobs have not produced one yet."""
    if business.snapshot_id is not None:
        return business.snapshot_id
    await run_compute_metrics(deps, business_ids=[business.id])
    async with deps.db.engine.connect() as conn:
        snapshot_id = (
            await conn.execute(
                select(col(MetricSnapshot.id))
                .where(col(MetricSnapshot.business_id) == business.id)
                .order_by(col(MetricSnapshot.as_of).desc(), col(MetricSnapshot.id).desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    if snapshot_id is None:
        raise no_data(business.name)
    return int(snapshot_id)


def no_data(name: str) -> NotReady:
    return NotReady(
        f"{name} has no payment history yet.",
        next_step="Connect Stripe (GET /api/v1/integrations/stripe/connect); metrics appear "
        "after the first sync.",
    )


def _check_period(period: str) -> None:
    if period not in PERIOD_DAYS:
        raise InvalidInput(f"period must be one of {', '.join(PERIOD_DAYS)}; got {period!r}.")


async def metric_summary(
    deps: Deps, caller: Caller, business_id: int | None, period: str
) -> MetricSummary:
    _check_period(period)
    return await metric_summary_of(deps, await resolve_ref(deps, caller, business_id), period)


async def metric_summary_of(deps: Deps, business: BusinessRef, period: str) -> MetricSummary:
    """The summary for a business ``resolve_ref`` has already let the caller reach."""
    _check_period(period)
    metrics = await metrics_of(deps, await ensure_snapshot(deps, business))
    growth = {
        "90d": metrics.growth_3m_pct,
        "6m": metrics.growth_6m_pct,
        "12m": metrics.growth_12m_pct,
    }[period]
    return MetricSummary(
        business_id=business.id,
        business_name=business.name,
        industry=business.industry,
        period=period,
        metrics=metrics,
        window=metrics.window(PERIOD_DAYS[period]),
        growth_pct=growth,
        benchmarks=benchmarks(business.industry),
        notes=coverage_notes(metrics),
    )


def coverage_notes(m: MetricSet) -> list[str]:
    """What the figures do not cover: other currencies, volume not tied to a customer."""
    notes = []
    if m.other_currency_charges:
        notes.append(f"{m.other_currency_charges} payments in other currencies are not counted.")
    if m.identified_volume_share_pct is not None and m.identified_volume_share_pct < 80:
        notes.append(
            f"Only {m.identified_volume_share_pct:.0f}% of volume is tied to a customer; "
            "concentration covers that part."
        )
    return notes


async def metric_history(
    deps: Deps, caller: Caller, business_id: int | None, limit: int = 30
) -> list[MetricHistoryPoint]:
    if not 1 <= limit <= 365:
        raise InvalidInput("limit must be between 1 and 365.")
    business = await resolve_ref(deps, caller, business_id)
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(MetricSnapshot)
            .where(col(MetricSnapshot.business_id) == business.id)
            .order_by(col(MetricSnapshot.as_of).desc(), col(MetricSnapshot.id).desc())
            .limit(limit)
        )
        return [MetricHistoryPoint.model_validate(r, from_attributes=True) for r in rows.scalars()]
