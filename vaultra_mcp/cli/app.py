"""The root command group and what every subcommand shares: settings, deps, an event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from pydantic import ValidationError

from vaultra_mcp.clock import SystemClock
from vaultra_mcp.db import Database, describe, parse_database_url
from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import Settings

T = TypeVar("T")

database_url_option = click.option(
    "--database-url", default=None, help="Overrides DATABASE_URL for this command."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Vaultra: funding readiness from a business's own Stripe history."""


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the environment, checked: one clear line for anything wrong."""
    try:
        settings = Settings() if database_url is None else Settings(database_url=database_url)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        raise ConfigurationError(f"invalid setting {where}: {error['msg']}") from None
    parse_database_url(settings.database_url)
    missing = settings.missing_production_secrets()
    if missing:
        raise ConfigurationError(
            f"VAULTRA_ENV=production needs real values for: {', '.join(missing)}"
        )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "running upgrade" lines are noise here
    return settings


def run_with_deps(
    settings: Settings, work: Callable[[Deps], Awaitable[T]], migrate: bool = True
) -> T:
    """Build deps, make sure the database answers (and is migrated), run ``work``, clean up."""

    async def main() -> T:
        deps = Deps(
            settings=settings,
            db=Database(parse_database_url(settings.database_url)),
            clock=SystemClock(),
        )
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
