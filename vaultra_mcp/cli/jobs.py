"""``vaultra jobs``: run a job now, or run the schedule."""

from __future__ import annotations

import asyncio
import signal
import sys

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps
from vaultra_mcp.jobs import JobResult, check_job_name, run_job, run_scheduler
from vaultra_mcp.services.deps import Deps


@click.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("run")
@click.argument("name")
@database_url_option
@click.option("--full", is_flag=True, help="Recompute every business, not only changed ones.")
def run(name: str, database_url: str | None, full: bool) -> None:
    """Run one job now and record it in job_runs."""
    check_job_name(name)
    settings = load_settings(database_url)

    async def work(deps: Deps) -> JobResult:
        return await run_job(deps, name, full=full)

    result = run_with_deps(settings, work)
    click.echo(
        f"{result.job}: {result.status} in {result.duration_ms} ms, "
        f"{result.businesses} businesses, {result.rows} rows"
        + (f" ({result.error})" if result.error else "")
    )
    if result.status == "failed":
        sys.exit(1)


@jobs.command()
@database_url_option
def schedule(database_url: str | None) -> None:
    """Run the schedule until interrupted: sync every 15 min, metrics hourly, the rest daily."""
    settings = load_settings(database_url)

    async def work(deps: Deps) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo("scheduler running; Ctrl-C to stop", err=True)
        await run_scheduler(deps, stop)

    run_with_deps(settings, work)
