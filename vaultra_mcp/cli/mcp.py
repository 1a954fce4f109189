"""``vaultra mcp install CLIENT``: connect Claude Desktop, Cursor, VS Code or Claude Code at once.

Writes (or merges into) the client's own config file at its real location, keeping every other
server in it and a backup of the old file. Running it again changes nothing: the token already
in the file is kept while it still works.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from vaultra_mcp.cli.app import absolute_sqlite, database_url_option, load_settings, run_with_deps
from vaultra_mcp.mcp_clients import CLIENTS, merged, read_config, servers_of, write_config
from vaultra_mcp.paths import DATA_DIR_ENV

# Settings the server must see as this command saw them, when they were set explicitly.
PASSED_THROUGH = (DATA_DIR_ENV, "VAULTRA_KNOWLEDGE_DIR", "VAULTRA_KNOWLEDGE_INDEX", "VAULTRA_ENV")
NEW_TOKEN = "<a new personal access token>"


def server_command() -> str:
    """The ``vaultra-mcp`` installed beside the running interpreter, as an absolute path."""
    scripts = Path(sys.executable).parent
    name = "vaultra-mcp.exe" if sys.platform == "win32" else "vaultra-mcp"
    return str(scripts / name)


@click.group()
def mcp() -> None:
    """MCP clients."""


@mcp.command()
@click.argument("client", type=click.Choice(sorted(CLIENTS)))
@click.option("--email", default=None, help="The account the client acts as.")
@click.option("--token", default=None, help="Use this personal access token instead of a new one.")
@click.option("--name", "server_name", default="vaultra", show_default=True, help="Server name.")
@click.option(
    "--config-path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The client's config file (default: where the client keeps it on this OS).",
)
@click.option("--print", "dry_run", is_flag=True, help="Show the change; write nothing.")
@database_url_option
def install(
    client: str,
    email: str | None,
    token: str | None,
    server_name: str,
    config_path: Path | None,
    dry_run: bool,
    database_url: str | None,
) -> None:
    """Add Vaultra to CLIENT's MCP config (claude-desktop, cursor, vscode, claude-code)."""
    settings = load_settings(database_url)
    kind = CLIENTS[client]
    path = config_path or kind.config_path(sys.platform)
    config = read_config(path)  # a file that is not JSON stops here, untouched
    current = servers_of(config, kind, path).get(server_name, {})
    current_token = (
        (current.get("env") or {}).get("VAULTRA_TOKEN") if isinstance(current, dict) else None
    )
    token = token or _token(settings, email, current_token, client, dry_run)
    env = {"VAULTRA_TOKEN": token, "DATABASE_URL": absolute_sqlite(settings.database.url)}
    env |= {name: os.environ[name] for name in PASSED_THROUGH if os.environ.get(name)}
    entry = kind.entry(server_command(), env)
    if current == entry:
        click.echo(f"{kind.label} already has {server_name!r} as configured: {path} unchanged.")
        return
    if dry_run:
        click.echo(f"Would write {path}, setting {kind.servers_key}.{server_name} to:")
        click.echo(json.dumps(entry, indent=2))
        return
    backup = write_config(path, merged(config, kind, server_name, entry))
    kept = len(servers_of(config, kind, path)) - (
        1 if server_name in config.get(kind.servers_key, {}) else 0
    )
    click.echo(f"Added {server_name!r} to {path} ({kept} other server(s) kept).")
    if backup is not None:
        click.echo(f"The previous file is saved as {backup}.")
    click.echo(f"Restart {kind.label} to connect.")


def _token(
    settings: object, email: str | None, current: str | None, client: str, dry_run: bool
) -> str:
    from vaultra_mcp.services.deps import Deps
    from vaultra_mcp.services.identity import ClientToken, client_token
    from vaultra_mcp.settings import Settings

    assert isinstance(settings, Settings)
    if dry_run and not current:
        return NEW_TOKEN

    async def work(deps: Deps) -> ClientToken:
        return await client_token(deps, email=email, current=current, name=client)

    issued = run_with_deps(settings, work)
    if issued.created and not dry_run:
        click.echo(f"Created a personal access token for {issued.email} ({client}).")
    return issued.token
