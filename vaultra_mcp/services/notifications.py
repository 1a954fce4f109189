"""The daily digest: for each user, the recommendations that appeared since their last digest.

No email sender exists yet; the digest rows are what a sender (or the dashboard) will read.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlmodel import col

from vaultra_mcp.models import Membership, NotificationDigest, RecommendationRow
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import JobOutcome


async def run_notification_digest(deps: Deps) -> JobOutcome:
    now = deps.clock.now()
    last_digest = (
        select(
            col(NotificationDigest.user_id),
            func.max(col(NotificationDigest.created_at)).label("since"),
        )
        .group_by(col(NotificationDigest.user_id))
        .subquery()
    )
    query = (
        select(col(Membership.user_id), col(RecommendationRow.id))
        .join(RecommendationRow, col(RecommendationRow.business_id) == col(Membership.business_id))
        .outerjoin(last_digest, last_digest.c.user_id == col(Membership.user_id))
        .where(
            col(RecommendationRow.status) == "open",
            (last_digest.c.since.is_(None))
            | (col(RecommendationRow.created_at) > last_digest.c.since),
        )
        .order_by(col(Membership.user_id), col(RecommendationRow.id))
    )
    async with deps.db.transaction() as session:
        per_user: dict[int, list[int]] = {}
        for user_id, rec_id in await session.execute(query):
            assert rec_id is not None  # a stored row always has its id
            per_user.setdefault(user_id, []).append(rec_id)
        rows = [
            {"user_id": uid, "created_at": now, "recommendation_ids": ids, "count": len(ids)}
            for uid, ids in per_user.items()
        ]
        if rows:
            await session.execute(insert(NotificationDigest), rows)
    return JobOutcome(businesses=len(rows), rows=len(rows))
