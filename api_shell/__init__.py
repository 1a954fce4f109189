"""The HTTP shell around Vaultra: accounts, dashboard JSON, Stripe Connect and webhooks, and the
MCP server mounted at ``/mcp``. Routes are thin adapters over ``vaultra_mcp.services``."""
