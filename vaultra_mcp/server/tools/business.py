"""Business tools: who the business is, which businesses the caller has, and funding options."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel

from vaultra_mcp.core.funding import FundingOption
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import READ_ONLY, BusinessIdArg, money, output_schema

if TYPE_CHECKING:
    from vaultra_mcp.services.businesses import BusinessContext
    from vaultra_mcp.services.funding import FundingOptions


class BusinessItem(BaseModel):
    id: int
    name: str
    industry: str
    role: str


class BusinessList(BaseModel):
    businesses: list[BusinessItem]


class Amount(BaseModel):
    low: int | None = None
    high: int | None = None
    basis: str


class FundingOptionOut(BaseModel):
    key: str
    fit: str
    met: list[str] = []
    not_met: list[str] = []
    unknown: list[str] = []
    amount: Amount


class FundingOptionsOut(BaseModel):
    business_id: int
    business_name: str
    currency: str
    options: list[FundingOptionOut]
    note: str
    truncated: bool = False


def _option(o: FundingOption) -> FundingOptionOut:
    return FundingOptionOut(
        key=o.key,
        fit=o.fit,
        met=[c.key for c in o.criteria if c.status == "met"],
        not_met=[c.key for c in o.criteria if c.status == "not_met"],
        unknown=[c.key for c in o.criteria if c.status == "unknown"],
        amount=Amount(low=o.amount.low, high=o.amount.high, basis=o.amount.basis),
    )


def options_of(result: FundingOptions) -> FundingOptionsOut:
    currencies = {o.amount.currency for o in result.options}
    return FundingOptionsOut(
        business_id=result.business_id,
        business_name=result.business_name,
        currency=currencies.pop() if len(currencies) == 1 else "usd",
        options=[_option(o) for o in result.options],
        note="Amounts are indicative, in minor units. 'unknown' criteria (credit scores, DSCR, "
        "collateral) cannot be seen in Stripe data and are not guessed. No approval is guaranteed.",
    )


def _options_summary(out: FundingOptionsOut) -> str:
    counts = {
        fit: sum(o.fit == fit for o in out.options) for fit in ("likely", "possible", "unlikely")
    }
    likely = [o.key for o in out.options if o.fit == "likely"]
    named = f" ({', '.join(likely)})" if likely else ""
    return (
        f"{out.business_name}: {counts['likely']} likely{named}, {counts['possible']} possible, "
        f"{counts['unlikely']} unlikely funding options."
    )


def _shrink_options(out: FundingOptionsOut) -> FundingOptionsOut | None:
    if len(out.options) > 1:
        return out.model_copy(update={"options": out.options[:-1], "truncated": True})
    return None


class ContextOut(BaseModel):
    id: int
    name: str
    industry: str
    country: str | None
    entity_type: str | None
    founded_on: date | None
    years_in_business: float | None
    currency: str
    funding_goal: str | None
    funding_goal_amount: int | None
    funding_purpose: str | None
    integrations: list[dict[str, str | None]]


def context_of(c: BusinessContext) -> ContextOut:
    return ContextOut(
        id=c.id,
        name=c.name,
        industry=c.industry,
        country=c.country,
        entity_type=c.entity_type,
        founded_on=c.founded_on,
        years_in_business=c.years_in_business,
        currency=c.currency,
        funding_goal=money(c.funding_goal_amount, c.currency) if c.funding_goal_amount else None,
        funding_goal_amount=c.funding_goal_amount,
        funding_purpose=c.funding_purpose,
        integrations=[
            {
                "provider": i.provider,
                "account": i.account,
                "status": i.status,
                "last_synced_at": i.last_synced_at.isoformat() if i.last_synced_at else None,
            }
            for i in c.integrations
        ],
    )


def _context_summary(c: ContextOut) -> str:
    age = f", {c.years_in_business} years in business" if c.years_in_business is not None else ""
    goal = (
        f"; goal {c.funding_goal} for {c.funding_purpose or 'unspecified use'}"
        if c.funding_goal
        else ""
    )
    stripe = "Stripe connected" if c.integrations else "no integrations connected"
    return f"{c.name} ({c.industry}, {c.country or 'country unknown'}{age}){goal}; {stripe}."


def register(mcp: FastMCP, budget: int) -> None:
    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(ContextOut))
    @domain_errors
    async def get_business_context(
        business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
    ) -> ToolResult:
        """Who the business is: name, industry, country, entity type, founding date and time in
        business, its funding goal if set, and connected integrations with their last sync.

        Use it to tailor advice (industry norms, eligibility by country or entity type).
        """

        from vaultra_mcp.services.businesses import business_context

        runtime = runtime_of(ctx)
        result = await business_context(runtime.services(), await runtime.caller(), business_id)
        return fit(context_of(result), _context_summary, budget)

    @mcp.tool(
        name="list_businesses", annotations=READ_ONLY, output_schema=output_schema(BusinessList)
    )
    @domain_errors
    async def list_businesses_tool(ctx: Context = CurrentContext()) -> ToolResult:
        """The businesses you can ask about, with their ids. Use an id as business_id in the other
        tools when you have more than one business."""

        from vaultra_mcp.services.businesses import list_businesses

        runtime = runtime_of(ctx)
        found = await list_businesses(runtime.services(), await runtime.caller())
        items = [BusinessItem.model_validate(b, from_attributes=True) for b in found]
        return fit(BusinessList(businesses=items), _list_summary, budget)

    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(FundingOptionsOut))
    @domain_errors
    async def get_funding_options(
        business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
    ) -> ToolResult:
        """Which financing products the business's data supports, and roughly how much.

        Use for "what funding can I get?", "am I eligible for an SBA loan / Stripe Capital / a
        merchant cash advance?". For each product (SBA 7(a), Small Loan, Express, microloan,
        bank and online lines of credit, term loans, Stripe Capital, revenue-based financing,
        merchant cash advance, invoice factoring, equipment financing, Clearco): fit (likely,
        possible, unlikely), criteria met / not met / unknown, and an indicative amount range.
        """

        from vaultra_mcp.services.funding import business_funding_options

        runtime = runtime_of(ctx)
        result = await business_funding_options(
            runtime.services(), await runtime.caller(), business_id
        )
        return fit(
            options_of(result), _options_summary, budget, _shrink_options, exclude_defaults=True
        )


def _list_summary(out: BusinessList) -> str:
    if not out.businesses:
        return "You have no businesses yet."
    names = "; ".join(f"{b.id}: {b.name}" for b in out.businesses)
    return f"{len(out.businesses)} business{'es' if len(out.businesses) > 1 else ''}: {names}."
