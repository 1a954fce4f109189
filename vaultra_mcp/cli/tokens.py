"""``vaultra token``: personal access tokens for MCP clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import database_url_option, load_settings, run_with_deps

if TYPE_CHECKING:
    from vaultra_mcp.services.deps import Deps
    from vaultra_mcp.services.identity import IssuedToken


@click.group()
def token() -> None:
    """Personal access tokens (VAULTRA_TOKEN for stdio, a Bearer header for HTTP)."""


@token.command()
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="mcp", show_default=True, help="A label to recognize it by.")
@database_url_option
def create(email: str, name: str, database_url: str | None) -> None:
    """Create a token; it is shown once and only its hash is stored."""
    from vaultra_mcp.services.identity import issue_token

    settings = load_settings(database_url)

    async def work(deps: Deps) -> IssuedToken:
        return await issue_token(deps, email=email, name=name)

    issued = run_with_deps(settings, work)
    click.echo(issued.token)
