"""``vaultra-mcp``: the MCP server over stdio (default) or Streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys

# No network at start: FastMCP only checks for updates when it shows its banner, which we never do.
os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")
os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")

import click

from vaultra_mcp.errors import VaultraError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vaultra", prog_name="vaultra-mcp")
@click.option(
    "--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--stateless", is_flag=True, help="For several replicas behind a load balancer.")
def command(transport: str, host: str, port: int, stateless: bool) -> None:
    """Vaultra's MCP server: stdio for a client that launches it, or Streamable HTTP."""
    from vaultra_mcp.settings import load_settings

    settings = load_settings()
    if transport == "stdio":
        run_stdio(settings)
    else:
        run_http(settings, host, port, stateless)


def main(argv: list[str] | None = None) -> None:
    try:
        command.main(args=argv, prog_name="vaultra-mcp", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        sys.stderr.write(f"error: {exc.format_message()}\n")
        sys.exit(2)
    except VaultraError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        sys.exit(2)
    except (KeyboardInterrupt, click.Abort):
        pass


def run_stdio(settings: object) -> None:
    from vaultra_mcp.server.app import build_server
    from vaultra_mcp.server.runtime import EnvironmentIdentity
    from vaultra_mcp.server.stdio import serve_stdio
    from vaultra_mcp.settings import Settings

    assert isinstance(settings, Settings)
    if settings.mcp.business_id is not None and settings.env == "production":
        sys.stderr.write("error: VAULTRA_BUSINESS_ID is for local demos only; use VAULTRA_TOKEN\n")
        sys.exit(2)
    token = settings.mcp.token.get_secret_value() if settings.mcp.token else None
    server = build_server(
        settings, EnvironmentIdentity(token=token, business_id=settings.mcp.business_id)
    )
    asyncio.run(serve_stdio(server))


def run_http(settings: object, host: str, port: int, stateless: bool) -> None:
    import uvicorn

    from vaultra_mcp.db import parse_database_url
    from vaultra_mcp.server.app import build_http_app
    from vaultra_mcp.settings import Settings

    assert isinstance(settings, Settings)
    parse_database_url(settings.database.url)  # a bad URL stops an HTTP server at start
    app = build_http_app(settings, stateless=stateless)
    sys.stderr.write(f"Vaultra MCP on http://{host}:{port}/mcp (Authorization: Bearer <token>)\n")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
