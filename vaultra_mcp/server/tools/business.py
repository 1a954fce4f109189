"""Business tools: who the business is, which businesses the caller has, and funding options."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fastmcp import Context
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel

from vaultra_mcp.core.business_profile import BusinessProfile
from vaultra_mcp.core.funding import PRODUCT_NAMES, FundingOption
from vaultra_mcp.core.money import format_money
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.caching import remembered
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import BusinessIdArg

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


OPTION_COLUMNS = ["product", "fit", "met", "not_met", "unknown", "low", "high", "basis", "doc"]
# One row per product, in OPTION_COLUMNS order. met / not_met / unknown are criterion keys,
# named for what they check (credit_score_650: a personal credit score of 650+); low and high
# are the indicative amount in minor units, null where nothing is published.
OptionRow = tuple[str, str, list[str], list[str], list[str], int | None, int | None, str, str]


class FundingOptionsOut(BaseModel):
    business_id: int
    business_name: str
    currency: str
    columns: list[str] = OPTION_COLUMNS
    options: list[OptionRow]
    note: str
    truncated: bool | None = None


def _keys(option: FundingOption, status: str) -> list[str]:
    return [c.key for c in option.criteria if c.status == status]


def _option(o: FundingOption) -> OptionRow:
    return (
        o.key,
        o.fit,
        _keys(o, "met"),
        _keys(o, "not_met"),
        _keys(o, "unknown"),
        o.amount.low,
        o.amount.high,
        o.amount.basis,
        o.doc,
    )


def options_of(result: FundingOptions) -> FundingOptionsOut:
    currencies = {o.amount.currency for o in result.options}
    return FundingOptionsOut(
        business_id=result.business_id,
        business_name=result.business_name,
        currency=currencies.pop() if len(currencies) == 1 else "usd",
        options=[_option(o) for o in result.options],
        note="Criteria are named for what they check (credit_score_650: a personal credit score "
        "of 650+). Amounts are indicative, in minor units; revenue criteria are judged on Stripe "
        "volume. 'unknown' criteria (credit scores, DSCR, collateral) cannot be seen in Stripe "
        "data and are not guessed. Each product's doc has its lenders' terms and sources. No "
        "approval is guaranteed.",
    )


def options_summary(out: FundingOptionsOut) -> str:
    counts = {
        fit: sum(o[1] == fit for o in out.options) for fit in ("likely", "possible", "unlikely")
    }
    likely = [PRODUCT_NAMES[o[0]] for o in out.options if o[1] == "likely"]
    named = f" ({', '.join(likely)})" if likely else ""
    return (
        f"{out.business_name}: {counts['likely']} likely{named}, {counts['possible']} possible, "
        f"{counts['unlikely']} unlikely funding options."
    )


def _shrink_options(out: FundingOptionsOut) -> FundingOptionsOut | None:
    if len(out.options) <= 1:
        return None
    return out.model_copy(update={"options": out.options[:-1], "truncated": True})


@domain_errors
async def get_funding_options(
    business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
) -> ToolResult:
    """Which financing products the business's data supports, and roughly how much.

    For "what funding can I get?", "am I eligible for an SBA loan / Stripe Capital / a line of
    credit?". For 14 products (SBA loans, bank and online lines of credit and term loans,
    Stripe Capital, revenue-based financing, cash advances, factoring, equipment, Clearco):
    fit, criteria met / not met / unknown, an indicative amount, and doc: its knowledge
    document (resource vaultra://knowledge/{doc}).
    """
    from vaultra_mcp.services.businesses import resolve_ref
    from vaultra_mcp.services.funding import funding_options_of

    runtime = runtime_of(ctx)
    deps, caller = runtime.services(), await runtime.caller()
    business = await resolve_ref(deps, caller, business_id)

    async def build() -> ToolResult:
        result = await funding_options_of(deps, business)
        return fit(options_of(result), options_summary, runtime.budget, _shrink_options)

    return await remembered(runtime, caller, business, (), build, tool="funding")


class Integration(BaseModel):
    provider: str
    account: str | None = None
    status: str
    last_synced_at: datetime | None = None


class ContextOut(BusinessProfile):
    years_in_business: float | None = None
    integrations: list[Integration]


def context_of(c: BusinessContext) -> ContextOut:
    integrations = [Integration.model_validate(i, from_attributes=True) for i in c.integrations]
    return ContextOut.of(c, years_in_business=c.years_in_business, integrations=integrations)


def context_summary(c: ContextOut) -> str:
    age = f", {c.years_in_business} years in business" if c.years_in_business is not None else ""
    goal = (
        f"; goal {format_money(c.funding_goal_amount, c.currency)} for "
        f"{c.funding_purpose or 'unspecified use'}"
        if c.funding_goal_amount
        else ""
    )
    stripe = "Stripe connected" if c.integrations else "no integrations connected"
    return f"{c.name} ({c.industry}, {c.country or 'country unknown'}{age}){goal}; {stripe}."


@domain_errors
async def get_business_context(
    business_id: BusinessIdArg = None, ctx: Context = CurrentContext()
) -> ToolResult:
    """Who the business is: name, industry, country, entity type, founding date, time in
    business, funding goal, and connected integrations with their last sync.

    Use it to tailor advice (industry norms, eligibility by country or entity type).
    """
    from vaultra_mcp.services.businesses import business_context

    runtime = runtime_of(ctx)
    result = await business_context(runtime.services(), await runtime.caller(), business_id)
    return fit(context_of(result), context_summary, runtime.budget)


@domain_errors
async def list_businesses(ctx: Context = CurrentContext()) -> ToolResult:
    """The businesses you can ask about, with their ids: pass one as business_id to the other
    tools when you have more than one."""
    from vaultra_mcp.services.businesses import list_businesses as listed

    runtime = runtime_of(ctx)
    found = await listed(runtime.services(), await runtime.caller())
    items = [BusinessItem.model_validate(b, from_attributes=True) for b in found]
    return fit(BusinessList(businesses=items), list_summary, runtime.budget)


def list_summary(out: BusinessList) -> str:
    if not out.businesses:
        return "You have no businesses yet."
    names = "; ".join(f"{b.id}: {b.name}" for b in out.businesses)
    return f"{len(out.businesses)} business{'es' if len(out.businesses) > 1 else ''}: {names}."
