"""Vaultra: funding readiness for small businesses, served over MCP."""
