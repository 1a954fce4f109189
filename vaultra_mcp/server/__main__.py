"""``vaultra-mcp``: the MCP server over stdio (default) or Streamable HTTP."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

# No network at start: FastMCP only checks for updates when it shows its banner, which we never do.
os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")
os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")

from vaultra_mcp.errors import VaultraError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vaultra-mcp", description="Vaultra's MCP server.")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--stateless", action="store_true", help="For several replicas behind a load balancer."
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from vaultra_mcp.settings import load_settings

    try:
        settings = load_settings()
        if args.transport == "stdio":
            run_stdio(settings)
        else:
            run_http(settings, args.host, args.port, args.stateless)
    except VaultraError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        pass


def run_stdio(settings: object) -> None:
    from vaultra_mcp.server.app import build_server
    from vaultra_mcp.server.runtime import EnvironmentIdentity
    from vaultra_mcp.server.stdio import serve_stdio
    from vaultra_mcp.settings import Settings

    assert isinstance(settings, Settings)
    if settings.business_id is not None and settings.env == "production":
        sys.stderr.write("error: VAULTRA_BUSINESS_ID is for local demos only; use VAULTRA_TOKEN\n")
        sys.exit(2)
    token = settings.token.get_secret_value() if settings.token else None
    server = build_server(
        settings, EnvironmentIdentity(token=token, business_id=settings.business_id)
    )
    asyncio.run(serve_stdio(server))


def run_http(settings: object, host: str, port: int, stateless: bool) -> None:
    import uvicorn

    from vaultra_mcp.db import parse_database_url
    from vaultra_mcp.server.app import build_http_app
    from vaultra_mcp.settings import Settings

    assert isinstance(settings, Settings)
    parse_database_url(settings.database_url)  # a bad URL stops an HTTP server at start
    app = build_http_app(settings, stateless=stateless)
    sys.stderr.write(f"Vaultra MCP on http://{host}:{port}/mcp (Authorization: Bearer <token>)\n")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
