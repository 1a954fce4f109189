"""The yardstick: a bare FastMCP server with trivial tools, run exactly like Vaultra's.

python -m bench.bare_server                      # stdio
python -m bench.bare_server --http PORT TOKEN    # Streamable HTTP with a static bearer token
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")

from fastmcp import FastMCP
from fastmcp.server.auth.providers.jwt import StaticTokenVerifier


def build(token: str | None = None) -> FastMCP:
    auth = (
        StaticTokenVerifier(tokens={token: {"client_id": "bench", "scopes": []}}) if token else None
    )
    mcp = FastMCP("bare", auth=auth)

    @mcp.tool
    def echo(text: str) -> str:
        """Return the text."""
        return text

    @mcp.tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    return mcp


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--http":
        import uvicorn

        port, token = int(sys.argv[2]), sys.argv[3]
        app = build(token).http_app(path="/mcp", json_response=True, host_origin_protection=True)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    else:
        build().run(show_banner=False, log_level="WARNING")


if __name__ == "__main__":
    main()
