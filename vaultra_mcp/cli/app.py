"""The root command group and what every subcommand shares: settings, deps, an event loop.

Importing this module costs only click: ``vaultra --help`` and ``--version`` answer before
SQLAlchemy, pydantic-settings or any service is imported (``tests/cli/test_startup.py``), and
each command imports what it uses when it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from vaultra_mcp import __version__

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps
    from vaultra_mcp.settings import Settings

T = TypeVar("T")

# Each command's module is imported when that command runs, so `vaultra stripe ...` does not
# pay for the scheduler, the knowledge index or the HTTP stack, nor they for Stripe. The short
# help is written here too, so `vaultra --help` lists the commands without importing any of them
# (a test holds each line equal to its command's docstring).
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("vaultra_mcp.cli.db:db", "Database schema."),
    "demo": (
        "vaultra_mcp.cli.demo:demo",
        "Load demo businesses with up to 24 months of Stripe-shaped history, then score them.",
    ),
    "doctor": (
        "vaultra_mcp.cli.doctor:doctor",
        "Show the configuration in force, where each value comes from, and check each one.",
    ),
    "eval": (
        "vaultra_mcp.cli.evals:evaluation",
        "Run agent eval cases and score them (see evals/README.md and EVALS.md).",
    ),
    "jobs": ("vaultra_mcp.cli.jobs:jobs", "Background jobs."),
    "knowledge": ("vaultra_mcp.cli.knowledge:knowledge", "The financing knowledge base."),
    "mcp": ("vaultra_mcp.cli.mcp:mcp", "MCP clients."),
    "run": (
        "vaultra_mcp.cli.run:run",
        "Seed the demo if needed, print how to connect, and serve the API and MCP over HTTP.",
    ),
    "serve": ("vaultra_mcp.cli.serve:serve", "Serve /api/v1 and /mcp over HTTP."),
    "stripe": ("vaultra_mcp.cli.stripe:stripe", "Connected Stripe accounts (for operators)."),
    "token": (
        "vaultra_mcp.cli.tokens:token",
        "Personal access tokens (VAULTRA_TOKEN for stdio, a Bearer header for HTTP).",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own layout, from the table: listing a command must not import it."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


database_url_option = click.option(
    "--database-url", default=None, help="Overrides DATABASE_URL for this command."
)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultra")
def cli() -> None:
    """Vaultra: funding readiness from a business's own Stripe history."""


def load_settings(database_url: str | None = None) -> Settings:
    """Checked settings (see ``settings.load_settings``) with a well-formed database URL."""
    import logging

    from vaultra_mcp.db import parse_database_url
    from vaultra_mcp.logs import configure_logging
    from vaultra_mcp.settings import load_settings as settings_from_environment

    overrides = {} if database_url is None else {"database": {"url": database_url}}
    settings = settings_from_environment(**overrides)
    parse_database_url(settings.database.url)
    configure_logging(settings, "%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "running upgrade" lines are noise
    return settings


def run_with_deps(
    settings: Settings, work: Callable[[Deps], Awaitable[T]], migrate: bool = True
) -> T:
    """Build deps, make sure the database answers (and is migrated), run ``work``, clean up."""
    import asyncio

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
    from vaultra_mcp.db import describe, parse_database_url

    return describe(parse_database_url(settings.database.url))
