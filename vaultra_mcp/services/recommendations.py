"""Recommendations: the ``generate_recommendations`` job, listing them, and the status a user sets.

One row per business and rule. Regenerating updates a row in place, so its id and the user's
status (accepted, dismissed, done) survive; a rule that stops firing marks its open row
``resolved``, and a resolved rule that fires again is reopened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.readiness import ScoreInputs
from vaultra_mcp.core.recommendations import Recommendation, recommend
from vaultra_mcp.errors import InvalidInput, NotFound
from vaultra_mcp.models import ReadinessScore, RecommendationRow
from vaultra_mcp.services.businesses import can_access, resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import JobOutcome
from vaultra_mcp.services.readiness import ensure_score
from vaultra_mcp.types import MAX_BIG_ID

USER_STATUSES = ("accepted", "dismissed", "done")
LIST_STATUSES = ("open", "accepted", "dismissed", "done", "resolved", "all")
ACTIVE = ("open", "accepted")
STICKY = ("dismissed", "done")


class RecommendationView(BaseModel):
    id: int
    business_id: int
    rule_key: str
    title: str
    category: str
    priority: str
    rank: int
    why: str
    evidence: dict[str, Any] | None
    steps: list[str]
    estimated_score_gain: int
    potential_score_gain: int
    status: str
    updated_at: datetime


class RecommendationPage(BaseModel):
    business_id: int
    business_name: str
    items: list[RecommendationView]
    total: int


class StatusChange(BaseModel):
    recommendation: RecommendationView
    changed: bool


def view_of(row: RecommendationRow) -> RecommendationView:
    return RecommendationView.model_validate(row, from_attributes=True)


async def run_generate_recommendations(
    deps: Deps, *, business_ids: Sequence[int] | None = None
) -> JobOutcome:
    """Regenerate for every business whose latest score has not produced recommendations."""
    latest = (
        select(col(ReadinessScore.business_id), func.max(col(ReadinessScore.id)).label("rid"))
        .group_by(col(ReadinessScore.business_id))
        .subquery()
    )
    generated = (
        select(col(RecommendationRow.id))
        .where(col(RecommendationRow.readiness_score_id) == col(ReadinessScore.id))
        .exists()
    )
    query = (
        select(col(ReadinessScore.id), col(ReadinessScore.business_id), col(ReadinessScore.payload))
        .join(latest, latest.c.rid == col(ReadinessScore.id))
        .where(~generated)
        .order_by(col(ReadinessScore.business_id))
    )
    if business_ids is not None:
        query = query.where(col(ReadinessScore.business_id).in_(list(business_ids)))
    async with deps.db.sessions() as session:
        pending = (await session.execute(query)).all()
    plans = {
        business_id: (score_id, recommend(ScoreInputs.model_validate(payload["inputs"])))
        for score_id, business_id, payload in pending
    }
    written = 0
    batch = deps.settings.jobs.recompute_batch
    ids = sorted(plans)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        async with deps.db.transaction() as session:
            written += await _reconcile(
                session, {bid: plans[bid] for bid in chunk}, deps.clock.now()
            )
    return JobOutcome(businesses=len(plans), rows=written)


async def _reconcile(
    session: AsyncSession,
    plans: dict[int, tuple[int, list[Recommendation]]],
    now: datetime,
) -> int:
    existing: dict[tuple[int, str], RecommendationRow] = {
        (row.business_id, row.rule_key): row
        for row in (
            await session.execute(
                select(RecommendationRow).where(col(RecommendationRow.business_id).in_(list(plans)))
            )
        ).scalars()
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for business_id, (score_id, recs) in plans.items():
        fired = set()
        for rank, rec in enumerate(recs, start=1):
            fired.add(rec.key)
            content = _content(rec, rank, score_id, now)
            row = existing.get((business_id, rec.key))
            if row is None:
                inserts.append(
                    {**content, "business_id": business_id, "rule_key": rec.key, "created_at": now}
                )
            else:
                reopened = (
                    {"status": "open", "status_changed_at": now} if row.status == "resolved" else {}
                )
                updates.append({"id": row.id, **content, **reopened})
        for (bid, key), row in existing.items():
            if bid == business_id and key not in fired:
                change: dict[str, Any] = {"id": row.id, "readiness_score_id": score_id}
                if row.status in ACTIVE:
                    change |= {"status": "resolved", "status_changed_at": now, "updated_at": now}
                updates.append(change)
    if inserts:
        await session.execute(insert(RecommendationRow), inserts)
    if updates:
        # ORM bulk UPDATE by primary key: one executemany per set of changed columns.
        await session.execute(update(RecommendationRow), updates)
    return len(inserts) + len(updates)


def _content(rec: Recommendation, rank: int, score_id: int, now: datetime) -> dict[str, Any]:
    return {
        "readiness_score_id": score_id,
        "title": rec.title,
        "category": rec.category,
        "priority": rec.priority,
        "rank": rank,
        "why": rec.why,
        "evidence": rec.evidence.model_dump(mode="json") if rec.evidence else None,
        "steps": rec.steps,
        "estimated_score_gain": rec.estimated_score_gain,
        "potential_score_gain": rec.potential_score_gain,
        "updated_at": now,
    }


VIEW_COLUMNS = tuple(RecommendationView.model_fields)


async def top_recommendations(
    deps: Deps, caller: Caller, business_id: int | None, limit: int = 3, status: str = "open"
) -> RecommendationPage:
    if not 1 <= limit <= 50:
        raise InvalidInput("limit must be between 1 and 50.")
    if status not in LIST_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(LIST_STATUSES)}; got {status!r}.")
    business = await resolve_ref(deps, caller, business_id)
    rows = await _page(deps, business.id, limit, status)
    if not rows and not await _any_generated(deps, business.id):
        await ensure_score(deps, business)
        await run_generate_recommendations(deps, business_ids=[business.id])
        rows = await _page(deps, business.id, limit, status)
    return RecommendationPage(
        business_id=business.id,
        business_name=business.name,
        items=[RecommendationView.model_validate(dict(r._mapping)) for r in rows],
        total=rows[0].total if rows else 0,
    )


@cache
def _page_query(every_status: bool) -> Select[Any]:
    """The first ``:limit`` by rank, each row carrying the total that matched (built once)."""
    where = [col(RecommendationRow.business_id) == bindparam("business_id")]
    if not every_status:
        where.append(col(RecommendationRow.status) == bindparam("status"))
    return (
        select(
            *(col(getattr(RecommendationRow, name)) for name in VIEW_COLUMNS),
            func.count().over().label("total"),
        )
        .where(*where)
        .order_by(col(RecommendationRow.rank))
        .limit(bindparam("limit"))
    )


async def _page(deps: Deps, business_id: int, limit: int, status: str) -> list[Any]:
    params = {"business_id": business_id, "status": status, "limit": limit}
    async with deps.db.engine.connect() as conn:
        return list((await conn.execute(_page_query(status == "all"), params)).all())


async def _any_generated(deps: Deps, business_id: int) -> bool:
    async with deps.db.engine.connect() as conn:
        found = await conn.execute(
            select(col(RecommendationRow.id))
            .where(col(RecommendationRow.business_id) == business_id)
            .limit(1)
        )
        return found.first() is not None


def _recommendation_not_found(recommendation_id: int) -> NotFound:
    return NotFound(
        f"Recommendation {recommendation_id} not found.",
        code="RECOMMENDATION_NOT_FOUND",
        next_step="Call get_top_recommendations to see current recommendation ids.",
    )


async def update_recommendation_status(
    deps: Deps, caller: Caller, recommendation_id: int, status: str
) -> StatusChange:
    """Set the user's status. Idempotent: the same status twice changes nothing the second time."""
    if status not in USER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(USER_STATUSES)}; got {status!r}.")
    if isinstance(recommendation_id, bool) or not 0 < recommendation_id <= MAX_BIG_ID:
        raise InvalidInput("recommendation_id must be a positive integer.")
    async with deps.db.transaction() as session:
        row = await session.get(RecommendationRow, recommendation_id, with_for_update=True)
        if row is None or not await can_access(session, caller, row.business_id):
            raise _recommendation_not_found(recommendation_id)
        if row.status == status:
            return StatusChange(recommendation=view_of(row), changed=False)
        now = deps.clock.now()
        row.status = status
        row.status_changed_at = now
        row.updated_at = now
        await session.flush()
        return StatusChange(recommendation=view_of(row), changed=True)
