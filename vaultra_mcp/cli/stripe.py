"""``vaultra stripe``: link a Stripe account without OAuth, and sync one business now."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps
    from vaultra_mcp.services.stripe_connect import ConnectionStatus
    from vaultra_mcp.services.stripe_sync import SyncReport


@click.group()
def stripe() -> None:
    """Connected Stripe accounts (for operators)."""


@stripe.command()
@click.option("--business-id", required=True, type=click.IntRange(1, 2**31 - 1))
@click.option("--account-id", required=True, help="The connected account, acct_...")
@click.option(
    "--access-token", required=True, help="The account's read-only key; stored encrypted."
)
@database_url_option
def link(business_id: int, account_id: str, access_token: str, database_url: str | None) -> None:
    """Link a Stripe account to a business without the OAuth dance; the next sync backfills it."""
    from vaultra_mcp.services.stripe_connect import link_account

    settings = load_settings(database_url)

    async def work(deps: Deps) -> ConnectionStatus:
        return await link_account(deps, business_id, account_id, access_token)

    status = run_with_deps(settings, work)
    click.echo(f"linked {status.account_id} to business {status.business_id}; backfill pending")


@stripe.command()
@click.option("--business-id", required=True, type=click.IntRange(1, 2**31 - 1))
@click.option("--full", is_flag=True, help="Backfill again instead of catching up.")
@click.option(
    "--force",
    is_flag=True,
    help="Take over the lease of a sync that was killed (its process on this host is gone).",
)
@database_url_option
def sync(business_id: int, full: bool, force: bool, database_url: str | None) -> None:
    """Sync one business's Stripe accounts now and print what came in."""
    from vaultra_mcp.progress import OPEN_ENDED, progress
    from vaultra_mcp.services.stripe_sync import sync_business

    settings = load_settings(database_url)

    async def work(deps: Deps) -> list[SyncReport]:
        with progress(*OPEN_ENDED) as bar:
            task = bar.add_task("syncing")

            def heard(r: SyncReport) -> None:
                done = f"{r.account_id} {r.phase}: {r.pages} pages, {r.rows:,} rows"
                bar.update(task, description=done)

            return await sync_business(deps, business_id, full=full, force=force, on_page=heard)

    reports = run_with_deps(settings, work)
    for r in reports:
        click.echo(
            f"{r.account_id}: {r.status} ({r.phase}), {r.pages} pages, {r.rows} rows written "
            f"(backfill and events), {r.events} events applied, {r.retries} retries"
            + (f": {r.error}" if r.error else "")
        )
    if any(r.status in ("failed", "disconnected") for r in reports):
        sys.exit(1)
