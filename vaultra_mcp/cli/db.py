"""``vaultra db``: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps, where

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@database_url_option
def upgrade(database_url: str | None) -> None:
    """Apply every migration (the same schema on SQLite and PostgreSQL)."""
    from vaultra_mcp.migrate import current_revision

    settings = load_settings(database_url)

    async def work(deps: Deps) -> str | None:
        return await current_revision(deps.db)

    revision = run_with_deps(settings, work)
    click.echo(f"{where(settings)} is at revision {revision}")
