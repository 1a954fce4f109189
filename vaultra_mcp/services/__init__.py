"""The service layer: every adapter (MCP tool, HTTP route, job, CLI) calls these functions."""
