"""Background jobs: the registry, a runner that records every run, and the schedule.

Every run is a ``job_runs`` row. The same job never runs twice at once: APScheduler's
``max_instances=1`` inside a process and ``job_lock`` across processes; a run that finds the
lock taken is recorded as ``skipped``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel
from sqlalchemy import func, insert, select, update
from sqlmodel import col

from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.job_lock import job_lock
from vaultra_mcp.models import JobRun
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import JobOutcome, run_compute_metrics
from vaultra_mcp.services.notifications import run_notification_digest
from vaultra_mcp.services.readiness import run_compute_readiness
from vaultra_mcp.services.recommendations import run_generate_recommendations
from vaultra_mcp.services.stripe_sync import run_stripe_sync

log = logging.getLogger("vaultra.jobs")

JobFn = Callable[[Deps, bool], Awaitable[JobOutcome]]


JOBS: dict[str, JobFn] = {
    "stripe_sync": lambda deps, full: run_stripe_sync(deps, full=full),
    "compute_metrics": lambda deps, full: run_compute_metrics(deps, full=full),
    "compute_readiness": lambda deps, full: run_compute_readiness(deps),
    "generate_recommendations": lambda deps, full: run_generate_recommendations(deps),
    "send_notification_digest": lambda deps, full: run_notification_digest(deps),
}


class JobResult(BaseModel):
    id: int
    job: str
    status: str
    duration_ms: int
    businesses: int
    rows: int
    error: str | None


class LastRun(BaseModel):
    job: str
    status: str | None
    trigger: str | None
    started_at: datetime | None
    duration_ms: int | None
    businesses: int
    rows: int
    error: str | None


async def last_runs(deps: Deps) -> list[LastRun]:
    """Each job's most recent run (or that it never ran), in the registry's order."""
    latest = (
        select(col(JobRun.job_name), func.max(col(JobRun.id)).label("id"))
        .group_by(col(JobRun.job_name))
        .subquery()
    )
    async with deps.db.sessions() as session:
        rows = await session.execute(select(JobRun).join(latest, latest.c.id == col(JobRun.id)))
        by_name = {run.job_name: run for run in rows.scalars()}
    return [
        LastRun(
            job=name,
            status=run.status if run else None,
            trigger=run.trigger if run else None,
            started_at=run.started_at if run else None,
            duration_ms=run.duration_ms if run else None,
            businesses=run.businesses if run else 0,
            rows=run.rows if run else 0,
            error=run.error if run else None,
        )
        for name in JOBS
        for run in [by_name.get(name)]
    ]


def check_job_name(name: str) -> JobFn:
    job = JOBS.get(name)
    if job is None:
        raise InvalidInput(f"unknown job {name!r}; jobs are: {', '.join(JOBS)}")
    return job


async def run_job(
    deps: Deps, name: str, *, trigger: str = "manual", full: bool = False
) -> JobResult:
    """Run one job now, under its lock, and record the run."""
    job = check_job_name(name)
    started = deps.clock.now()
    clock_start = time.perf_counter()
    async with job_lock(deps.db, name) as held:
        run_id = await _start(deps, name, trigger, started, "running" if held else "skipped")
        if not held:
            error = "another process is running this job"
            await _finish(deps, run_id, "skipped", clock_start, JobOutcome(), error)
            return JobResult(
                id=run_id,
                job=name,
                status="skipped",
                duration_ms=0,
                businesses=0,
                rows=0,
                error=error,
            )
        try:
            outcome = await job(deps, full)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            log.exception("job %s failed", name)
            duration = await _finish(deps, run_id, "failed", clock_start, JobOutcome(), error)
            return JobResult(
                id=run_id,
                job=name,
                status="failed",
                duration_ms=duration,
                businesses=0,
                rows=0,
                error=error,
            )
    duration = await _finish(deps, run_id, "succeeded", clock_start, outcome, None)
    log.info(
        "job %s: %d businesses, %d rows in %d ms", name, outcome.businesses, outcome.rows, duration
    )
    return JobResult(
        id=run_id,
        job=name,
        status="succeeded",
        duration_ms=duration,
        businesses=outcome.businesses,
        rows=outcome.rows,
        error=None,
    )


async def _start(deps: Deps, name: str, trigger: str, started: object, status: str) -> int:
    async with deps.db.transaction() as session:
        result = await session.execute(
            insert(JobRun).returning(col(JobRun.id)),
            {
                "job_name": name,
                "status": status,
                "trigger": trigger,
                "started_at": started,
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "businesses": 0,
                "rows": 0,
            },
        )
        run_id = result.scalar_one()
        assert run_id is not None
        return run_id


async def _finish(
    deps: Deps, run_id: int, status: str, clock_start: float, outcome: JobOutcome, error: str | None
) -> int:
    duration = round((time.perf_counter() - clock_start) * 1000)
    async with deps.db.transaction() as session:
        await session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id)
            .values(
                status=status,
                finished_at=deps.clock.now(),
                duration_ms=duration,
                businesses=outcome.businesses,
                rows=outcome.rows,
                error=error,
            )
        )
    return duration


async def run_pipeline(deps: Deps, names: tuple[str, ...], trigger: str = "schedule") -> None:
    """Run jobs in order; a later job runs even if an earlier one found nothing to do."""
    for name in names:
        await run_job(deps, name, trigger=trigger)


SCHEDULE: tuple[tuple[str, tuple[str, ...], IntervalTrigger | CronTrigger], ...] = (
    ("stripe_sync", ("stripe_sync",), IntervalTrigger(minutes=15, timezone=UTC)),
    (
        "hourly_metrics",
        ("compute_metrics", "compute_readiness"),
        CronTrigger(minute=0, timezone=UTC),
    ),
    (
        "daily_recommendations",
        ("generate_recommendations",),
        CronTrigger(hour=2, minute=10, timezone=UTC),
    ),
    ("daily_digest", ("send_notification_digest",), CronTrigger(hour=7, minute=0, timezone=UTC)),
)


def build_scheduler(deps: Deps) -> AsyncIOScheduler:
    """The seed's schedule: sync every 15 minutes; metrics then readiness hourly; the rest daily."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job_id, names, trigger in SCHEDULE:
        scheduler.add_job(
            run_pipeline,
            trigger,
            args=(deps, names),
            id=job_id,
            name=job_id,
            coalesce=True,  # a backlog of missed runs runs once
            max_instances=1,  # never overlaps itself in this process (job_lock covers others)
            misfire_grace_time=deps.settings.jobs.job_misfire_grace,
        )
    return scheduler


async def run_scheduler(deps: Deps, stop: asyncio.Event) -> None:
    scheduler = build_scheduler(deps)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
