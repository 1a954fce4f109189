"""``vaultra jobs``: run a job now, or run the schedule."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps

if TYPE_CHECKING:
    from vaultra_mcp.jobs import JobResult, LastRun
    from vaultra_mcp.services.deps import Deps
    from vaultra_mcp.services.rollups import RebuildOutcome


@click.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("run")
@click.argument("name")
@database_url_option
@click.option("--full", is_flag=True, help="Recompute every business, not only changed ones.")
def run(name: str, database_url: str | None, full: bool) -> None:
    """Run one job now and record it in job_runs."""
    from vaultra_mcp.jobs import check_job_name, run_job

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


@jobs.command("rebuild-rollups")
@database_url_option
@click.option(
    "--business", "business_ids", type=int, multiple=True, help="Only this business (repeatable)."
)
def rebuild_rollups(database_url: str | None, business_ids: tuple[int, ...]) -> None:
    """Recompute the monthly rollups from the payment rows, repairing any that differ."""
    from vaultra_mcp.services.rollups import rebuild_rollups as rebuild

    settings = load_settings(database_url)

    async def work(deps: Deps) -> RebuildOutcome:
        return await rebuild(deps, list(business_ids) or None)

    outcome = run_with_deps(settings, work)
    click.echo(
        f"rebuild-rollups: {outcome.businesses:,} businesses, {outcome.month_rows:,} month rows "
        f"and {outcome.customer_rows:,} customer rows from the payment rows; "
        f"{outcome.repaired_rows:,} rows repaired"
    )


@jobs.command()
@database_url_option
def status(database_url: str | None) -> None:
    """Each job's last run: when, how long, how much, and any error."""
    from rich.console import Console
    from rich.table import Table

    from vaultra_mcp.jobs import last_runs

    settings = load_settings(database_url)

    async def work(deps: Deps) -> list[LastRun]:
        return await last_runs(deps)

    table = Table(
        "job", "last run (UTC)", "status", "trigger", "duration", "businesses", "rows", "error"
    )
    for run in run_with_deps(settings, work):
        table.add_row(
            run.job,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else "never",
            run.status or "-",
            run.trigger or "-",
            f"{run.duration_ms:,} ms" if run.duration_ms is not None else "-",
            str(run.businesses),
            f"{run.rows:,}",
            run.error or "",
        )
    Console(width=160).print(table)


@jobs.command()
@database_url_option
def schedule(database_url: str | None) -> None:
    """Run the schedule until interrupted: sync every 15 min, metrics hourly, the rest daily."""
    from vaultra_mcp.jobs import run_scheduler

    settings = load_settings(database_url)

    async def work(deps: Deps) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo("scheduler running; Ctrl-C to stop", err=True)
        await run_scheduler(deps, stop)

    run_with_deps(settings, work)
