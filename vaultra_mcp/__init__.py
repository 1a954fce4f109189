"""Vaultra: funding readiness for small businesses, served over MCP."""

__version__ = "0.1.0"
