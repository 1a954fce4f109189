"""The nine tools, by area. Names are the contract with clients and eval suites."""

from fastmcp import FastMCP

from vaultra_mcp.server.tools import business, knowledge, metrics, readiness, recommendations


def register_tools(mcp: FastMCP, budget: int) -> None:
    for area in (readiness, recommendations, metrics, business, knowledge):
        area.register(mcp, budget)
