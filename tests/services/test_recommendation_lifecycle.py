from sqlalchemy import select

from tests.services.test_jobs import add_charge
from vaultra_mcp.caller import Caller
from vaultra_mcp.jobs import run_job
from vaultra_mcp.models import RecommendationRow
from vaultra_mcp.services.recommendations import top_recommendations, update_recommendation_status

DEVON = Caller.user(2)


async def regenerate(deps, business_id: int, stripe_id: str) -> None:
    await add_charge(deps, business_id, stripe_id)
    for name in ("compute_metrics", "compute_readiness", "generate_recommendations"):
        await run_job(deps, name)


async def test_the_chargeback_shop_is_told_to_reduce_disputes_first(demo_deps):
    page = await top_recommendations(demo_deps, DEVON, None, limit=3)
    top = page.items[0]
    assert top.rule_key == "reduce_dispute_activity"
    assert top.priority == "high" and top.estimated_score_gain > 0
    assert page.total > 3


async def test_regenerating_keeps_ids_and_the_users_status(demo_deps):
    before = (await top_recommendations(demo_deps, DEVON, None, limit=10, status="all")).items
    await update_recommendation_status(demo_deps, DEVON, before[0].id, "dismissed")
    await regenerate(demo_deps, 3, "ch_regen_1")
    after = {
        r.rule_key: r
        for r in (await top_recommendations(demo_deps, DEVON, None, limit=10, status="all")).items
    }
    assert {r.rule_key: r.id for r in before} == {k: r.id for k, r in after.items()}
    assert after[before[0].rule_key].status == "dismissed"


async def test_status_filter_lists_only_that_status(demo_deps):
    rec = (await top_recommendations(demo_deps, DEVON, None)).items[0]
    await update_recommendation_status(demo_deps, DEVON, rec.id, "done")
    done = await top_recommendations(demo_deps, DEVON, None, status="done")
    assert [r.id for r in done.items] == [rec.id]
    assert rec.id not in [
        r.id for r in (await top_recommendations(demo_deps, DEVON, None, limit=10)).items
    ]


async def test_rows_are_one_per_business_and_rule(demo_deps):
    await regenerate(demo_deps, 3, "ch_regen_2")
    async with demo_deps.db.sessions() as session:
        keys = [
            r.rule_key
            for r in (
                await session.execute(
                    select(RecommendationRow).where(RecommendationRow.business_id == 3)
                )
            ).scalars()
        ]
    assert len(keys) == len(set(keys))
