"""The MCP adapter: the only package that imports fastmcp or mcp."""

from vaultra_mcp.server.app import build_server

__all__ = ["build_server"]
