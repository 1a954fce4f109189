"""The root command group and what every subcommand shares: settings, deps, an event loop."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from vaultra_mcp.db import describe, parse_database_url
from vaultra_mcp.logs import configure_logging
from vaultra_mcp.settings import Settings
from vaultra_mcp.settings import load_settings as settings_from_environment

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps

T = TypeVar("T")

# Each command's module is imported when that command runs, so `vaultra stripe ...` does not
# pay for the scheduler, the knowledge index or the HTTP stack, nor they for Stripe.
COMMANDS = {
    "db": "vaultra_mcp.cli.db:db",
    "demo": "vaultra_mcp.cli.demo:demo",
    "doctor": "vaultra_mcp.cli.doctor:doctor",
    "eval": "vaultra_mcp.cli.evals:evaluation",
    "jobs": "vaultra_mcp.cli.jobs:jobs",
    "knowledge": "vaultra_mcp.cli.knowledge:knowledge",
    "mcp": "vaultra_mcp.cli.mcp:mcp",
    "run": "vaultra_mcp.cli.run:run",
    "serve": "vaultra_mcp.cli.serve:serve",
    "stripe": "vaultra_mcp.cli.stripe:stripe",
    "token": "vaultra_mcp.cli.tokens:token",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


database_url_option = click.option(
    "--database-url", default=None, help="Overrides DATABASE_URL for this command."
)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vaultra", prog_name="vaultra")
def cli() -> None:
    """Vaultra: funding readiness from a business's own Stripe history."""


def load_settings(database_url: str | None = None) -> Settings:
    """Checked settings (see ``settings.load_settings``) with a well-formed database URL."""
    overrides = {} if database_url is None else {"database_url": database_url}
    settings = settings_from_environment(**overrides)
    parse_database_url(settings.database_url)
    configure_logging(settings, "%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "running upgrade" lines are noise
    return settings


def run_with_deps(
    settings: Settings, work: Callable[[Deps], Awaitable[T]], migrate: bool = True
) -> T:
    """Build deps, make sure the database answers (and is migrated), run ``work``, clean up."""
    from vaultra_mcp.migrate import upgrade
    from vaultra_mcp.services.deps import Deps

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


def absolute_sqlite(url: str) -> str:
    """Clients start servers in another directory: give them an absolute SQLite path."""
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str((Path.cwd() / url[len(prefix) :]).resolve())
    return url


def where(settings: Settings) -> str:
    return describe(parse_database_url(settings.database_url))
