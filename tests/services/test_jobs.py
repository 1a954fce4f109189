import asyncio

import pytest
from sqlalchemy import func, select

from tests.factories import AS_OF
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.db import Database
from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.job_lock import job_lock
from vaultra_mcp.jobs import JOBS, build_scheduler, run_job
from vaultra_mcp.models import (
    Business,
    Charge,
    JobRun,
    MetricSnapshot,
    NotificationDigest,
    ReadinessScore,
)
from vaultra_mcp.services.payments import insert_payment_rows


async def count(deps, model, *where) -> int:
    async with deps.db.sessions() as session:
        return (
            await session.execute(select(func.count()).select_from(model).where(*where))
        ).scalar_one()


async def add_charge(deps, business_id: int, stripe_id: str) -> None:
    row = {
        "business_id": business_id,
        "stripe_id": stripe_id,
        "amount": 5_000,
        "currency": "usd",
        "status": "succeeded",
        "created": AS_OF,
    }
    async with deps.db.transaction() as session:
        await insert_payment_rows(session, deps.db.dialect, PaymentSet(charges=[row]), AS_OF)


async def test_metrics_recompute_only_businesses_with_new_rows(demo_deps):
    assert (await run_job(demo_deps, "compute_metrics")).businesses == 0
    await add_charge(demo_deps, 3, "ch_new_1")
    result = await run_job(demo_deps, "compute_metrics")
    assert (result.status, result.businesses) == ("succeeded", 1)
    assert (
        await count(demo_deps, MetricSnapshot, MetricSnapshot.business_id == 3) == 2
    )  # history kept


async def test_full_recompute_touches_every_business(demo_deps):
    assert (await run_job(demo_deps, "compute_metrics", full=True)).businesses == 6


async def test_readiness_follows_only_new_snapshots(demo_deps):
    assert (await run_job(demo_deps, "compute_readiness")).businesses == 0
    await add_charge(demo_deps, 2, "ch_new_2")
    await run_job(demo_deps, "compute_metrics")
    assert (await run_job(demo_deps, "compute_readiness")).businesses == 1
    assert await count(demo_deps, ReadinessScore, ReadinessScore.business_id == 2) == 2


async def test_every_run_is_recorded(demo_deps):
    before = await count(demo_deps, JobRun)
    result = await run_job(demo_deps, "stripe_sync", trigger="schedule")
    async with demo_deps.db.sessions() as session:
        run = await session.get(JobRun, result.id)
    assert await count(demo_deps, JobRun) == before + 1
    assert (run.job_name, run.status, run.trigger) == ("stripe_sync", "succeeded", "schedule")
    assert run.finished_at is not None and run.duration_ms is not None


async def test_an_unknown_job_is_rejected_before_anything_is_written(demo_deps):
    before = await count(demo_deps, JobRun)
    with pytest.raises(InvalidInput, match="unknown job 'compute_everything'"):
        await run_job(demo_deps, "compute_everything")
    assert await count(demo_deps, JobRun) == before


async def test_a_failing_job_is_recorded_with_its_reason(demo_deps, monkeypatch):
    async def broken(deps, full):
        raise RuntimeError("upstream exploded")

    monkeypatch.setitem(JOBS, "stripe_sync", broken)
    result = await run_job(demo_deps, "stripe_sync")
    assert (result.status, result.error) == ("failed", "RuntimeError: upstream exploded")


async def test_a_job_already_running_elsewhere_is_skipped_and_recorded(demo_deps):
    other = Database(demo_deps.db.url)
    try:
        async with job_lock(other, "compute_metrics") as held:
            assert held
            result = await run_job(demo_deps, "compute_metrics")
    finally:
        await other.dispose()
    assert result.status == "skipped"
    assert (await run_job(demo_deps, "compute_metrics")).status == "succeeded"


async def test_two_holders_never_hold_one_lock_at_once(demo_deps):
    first, second = Database(demo_deps.db.url), Database(demo_deps.db.url)
    try:
        async with job_lock(first, "daily") as a, job_lock(second, "daily") as b:
            assert (a, b) == (True, False)
        async with job_lock(second, "daily") as again:
            assert again
    finally:
        await asyncio.gather(first.dispose(), second.dispose())


async def test_the_digest_lists_new_recommendations_once(demo_deps):
    first = await run_job(demo_deps, "send_notification_digest")
    assert first.rows == 5  # five demo users
    again = await run_job(demo_deps, "send_notification_digest")
    assert again.rows == 0
    assert await count(demo_deps, NotificationDigest) == 5


def test_the_schedule_coalesces_and_never_overlaps(demo_database_url):
    from tests.factories import settings_for
    from vaultra_mcp.services.deps import Deps

    deps = Deps.build(settings_for(demo_database_url))
    scheduler = build_scheduler(deps)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"stripe_sync", "hourly_metrics", "daily_recommendations", "daily_digest"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == deps.settings.jobs.job_misfire_grace
    assert jobs["hourly_metrics"].args[1] == ("compute_metrics", "compute_readiness")
    asyncio.run(deps.close())


async def test_new_rows_mark_their_business_changed(demo_deps):
    await add_charge(demo_deps, 4, "ch_new_4")
    async with demo_deps.db.sessions() as session:
        before = (await session.get(Business, 4)).payments_version
    await add_charge(demo_deps, 4, "ch_new_4b")
    async with demo_deps.db.sessions() as session:
        assert (await session.get(Business, 4)).payments_version == before + 1
    assert await count(demo_deps, Charge, Charge.stripe_id == "ch_new_4") == 1
