"""The chat agent: a language model (or the offline planner) driving Vaultra's MCP tools."""
