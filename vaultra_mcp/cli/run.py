"""``vaultra run``: everything a first-time user needs, then the server.

Seeds the demo if it is not there, builds the knowledge index, prints the URLs, a demo token and
the snippet to paste into Claude Desktop, then becomes ``vaultra serve`` (the API and MCP).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaultra_mcp.cli.app import absolute_sqlite, database_url_option, load_settings, run_with_deps
from vaultra_mcp.cli.mcp import server_command

if TYPE_CHECKING:
    from vaultra_mcp.demo.loader import DemoReport
    from vaultra_mcp.services.deps import Deps

PIPELINE = ("compute_metrics", "compute_readiness", "generate_recommendations")


def claude_desktop_config(token: str, database_url: str, port: int) -> dict[str, object]:
    """The same entries ``vaultra mcp install`` writes, for pasting by hand."""
    return {
        "mcpServers": {
            "vaultra": {
                "command": server_command(),
                "args": [],
                "env": {"DATABASE_URL": database_url, "VAULTRA_TOKEN": token},
            },
            "vaultra-http": {
                "type": "http",
                "url": f"http://127.0.0.1:{port}/mcp",
                "headers": {"Authorization": f"Bearer {token}"},
            },
        }
    }


@click.command()
@database_url_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def run(database_url: str | None, host: str, port: int) -> None:
    """Seed the demo if needed, print how to connect, and serve the API and MCP over HTTP."""
    from vaultra_mcp.demo.loader import load_demo
    from vaultra_mcp.jobs import run_job

    settings = load_settings(database_url)

    async def prepare(deps: Deps) -> DemoReport:
        report = await load_demo(deps)
        for name in PIPELINE:
            await run_job(deps, name)
        deps.knowledge.store()  # build or refresh the knowledge index now, not on first search
        return report

    report = run_with_deps(settings, prepare)
    user = report.users[0]
    url = absolute_sqlite(settings.database.url)
    click.echo(
        f"Demo ready: {len(report.businesses)} businesses ({report.created_businesses} new)."
    )
    from api_shell.web import built_site  # run serves the API shell, like serve

    if built_site(settings) is not None:
        click.echo(f"Web app: http://{host}:{port}/")
        if user.password:
            click.echo(f"  sign in as {user.email} with password {user.password}")
    else:
        click.echo(
            f"Web app: not built (needs Node.js 20.3+: `make run` builds it); "
            f"http://{host}:{port}/ says so, and the API and MCP run as usual."
        )
    click.echo(f"API: http://{host}:{port}/api/v1 (OpenAPI at /api/v1/openapi.json)")
    click.echo(f"MCP endpoint: http://{host}:{port}/mcp")
    click.echo(f"Demo token ({user.email}, businesses {user.business_ids}): {user.token}")
    vaultra = Path(sys.executable).parent / "vaultra"
    click.echo(f"Connect Claude Desktop: {vaultra} mcp install claude-desktop --email {user.email}")
    click.echo("  (also cursor, vscode, claude-code; --print shows the change first). By hand:")
    click.echo(json.dumps(claude_desktop_config(user.token, url, port), indent=2))
    sys.stdout.flush()
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "vaultra_mcp.cli",
            "serve",
            "--scheduler",
            "--host",
            host,
            "--port",
            str(port),
        ],
    )
