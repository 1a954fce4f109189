"""The root command group and what every subcommand shares: settings, deps, an event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings
from vaultra_mcp.settings import load_settings as settings_from_environment

T = TypeVar("T")

database_url_option = click.option(
    "--database-url", default=None, help="Overrides DATABASE_URL for this command."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Vaultra: funding readiness from a business's own Stripe history."""


def load_settings(database_url: str | None = None) -> Settings:
    """Checked settings (see ``settings.load_settings``) with a well-formed database URL."""
    overrides = {} if database_url is None else {"database_url": database_url}
    settings = settings_from_environment(**overrides)
    parse_database_url(settings.database_url)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "running upgrade" lines are noise
    return settings


def run_with_deps(
    settings: Settings, work: Callable[[Deps], Awaitable[T]], migrate: bool = True
) -> T:
    """Build deps, make sure the database answers (and is migrated), run ``work``, clean up."""

    async def main() -> T:
        deps = Deps.build(settings)
        try:
            await deps.db.ping()
            if migrate:
                await upgrade(deps.db)
            return await work(deps)
        finally:
            await deps.close()

    return asyncio.run(main())


def where(settings: Settings) -> str:
    return describe(parse_database_url(settings.database_url))
