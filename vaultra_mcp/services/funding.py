"""Funding options for a business, from its latest score inputs and what it told us."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from vaultra_mcp.caller import Caller
from vaultra_mcp.core.funding import BusinessFacts, FundingInputs, FundingOption, funding_options
from vaultra_mcp.core.metrics import MetricSet
from vaultra_mcp.services.businesses import BusinessRef, resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import metrics_of
from vaultra_mcp.services.readiness import ensure_score, score_of

RECENT_MONTHS = 3


class FundingOptions(BaseModel):
    business_id: int
    business_name: str
    as_of: datetime
    options: list[FundingOption]


def average_recent_volume(metrics: MetricSet) -> int:
    """Mean gross volume of the last three complete months (fewer if that is all there is)."""
    recent = [m.gross_volume for m in metrics.monthly if m.complete][-RECENT_MONTHS:]
    return round(sum(recent) / len(recent)) if recent else 0


async def business_funding_options(
    deps: Deps, caller: Caller, business_id: int | None
) -> FundingOptions:
    return await funding_options_of(deps, await resolve_ref(deps, caller, business_id))


async def funding_options_of(deps: Deps, business: BusinessRef) -> FundingOptions:
    """The options for a business ``resolve_ref`` has already let the caller reach."""
    score = await score_of(deps, await ensure_score(deps, business))
    metrics = await metrics_of(deps, score.metric_snapshot_id)
    facts = BusinessFacts(
        country=business.country,
        entity_type=business.entity_type,
        founded_on=business.founded_on,
        as_of=score.as_of.date(),
    )
    inputs = FundingInputs(
        score=score.inputs, facts=facts, average_monthly_volume=average_recent_volume(metrics)
    )
    return FundingOptions(
        business_id=business.id,
        business_name=business.name,
        as_of=score.as_of,
        options=funding_options(inputs),
    )
