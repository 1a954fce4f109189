"""``vaultra demo``: create the schema and load deterministic demo businesses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps, where
from vaultra_mcp.demo.profiles import PROFILES

if TYPE_CHECKING:
    from rich.console import Console

    from vaultra_mcp.demo.loader import DemoReport
    from vaultra_mcp.jobs import JobResult
    from vaultra_mcp.services.deps import Deps

PIPELINE = ("compute_metrics", "compute_readiness", "generate_recommendations")


@click.command()
@database_url_option
@click.option(
    "--businesses", default=len(PROFILES), show_default=True, type=int, help="How many businesses."
)
@click.option(
    "--seed", default=7, show_default=True, type=int, help="Random seed; same seed, same data."
)
@click.option("--json", "as_json", is_flag=True, help="Print users, tokens and businesses as JSON.")
def demo(database_url: str | None, businesses: int, seed: int, as_json: bool) -> None:
    """Load demo businesses with up to 24 months of Stripe-shaped history, then score them."""
    from rich.console import Console

    from vaultra_mcp.demo.loader import demo_profiles, load_demo
    from vaultra_mcp.jobs import run_job
    from vaultra_mcp.progress import progress

    demo_profiles(businesses, seed)  # validates --businesses before anything is touched
    settings = load_settings(database_url)
    expected = businesses * 1_100

    async def work(deps: Deps) -> tuple[DemoReport, list[JobResult]]:
        with progress() as bar:
            task = bar.add_task("loading payment rows", total=expected)
            report = await load_demo(
                deps, businesses=businesses, seed=seed, on_rows=lambda n: bar.advance(task, n)
            )
        results = [await run_job(deps, name) for name in PIPELINE]
        return report, results

    report, results = run_with_deps(settings, work)
    if as_json:
        click.echo(json.dumps(report.model_dump(include={"users", "businesses"}), indent=2))
        return
    _print_summary(Console(), report, results, where(settings))


def _print_summary(
    console: Console, report: DemoReport, results: list[JobResult], place: str
) -> None:
    console.print(
        f"Demo in {place}: {report.created_businesses} businesses loaded "
        f"({report.payment_rows:,} payment rows), {report.existing_businesses} already present."
    )
    for result in results:
        console.print(
            f"  job {result.job}: {result.status}, "
            f"{result.businesses} businesses in {result.duration_ms} ms"
        )
    if len(report.businesses) > len(PROFILES):
        return
    from rich.table import Table

    table = Table("id", "business", "profile", "owner", title="Demo businesses")
    owners = {bid: user.email for user in report.users for bid in user.business_ids}
    for business in report.businesses:
        table.add_row(str(business.id), business.name, business.profile, owners[business.id])
    console.print(table)
    console.print("Tokens (for VAULTRA_TOKEN or an Authorization: Bearer header):")
    for user in report.users:
        console.print(f"  {user.email}: {user.token}")
    if any(user.password is None for user in report.users):
        console.print("Web sign-in with demo passwords is refused when VAULTRA_ENV=production.")
        return
    console.print("Web app sign-in (email / password):")
    for user in report.users:
        console.print(f"  {user.email} / {user.password}")
