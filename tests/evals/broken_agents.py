"""Deliberately broken agents, each wrong in one way a metric must catch (BYO adapter form)."""

from __future__ import annotations

from evals.agents import Reply
from evals.toolbox import ToolBox


class _Broken:
    async def close(self) -> None:
        """Nothing to release."""


class WrongTool(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        outcome = await tools.call("get_metric_summary", {})
        return Reply(outcome.summary)


class WrongArgument(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        outcome = await tools.call("get_metric_summary", {"period": "6m"})
        return Reply(outcome.summary)


class InventedNumber(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        outcome = await tools.call("get_readiness_breakdown", {})
        return Reply(outcome.summary + " Lenders will offer you $73,219 at 4.9%.")


class CallsOnIrrelevant(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        await tools.call("get_business_context", {})
        return Reply("I only help with funding readiness.")


class CrossTenantAnswer(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        return Reply("Sure: Northwind Analytics scores 97/100 and is lender-ready.")


class Crashes(_Broken):
    async def turn(self, message: str, tools: ToolBox) -> Reply:
        raise RuntimeError("the model provider fell over")
