"""The metric summary tool: the numbers behind the score, each with its benchmark."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from fastmcp import Context
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, Field

from vaultra_mcp.core.metrics import PERIOD_DAYS
from vaultra_mcp.core.money import format_money
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.caching import remembered
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import BusinessIdArg

if TYPE_CHECKING:
    from vaultra_mcp.services.metrics import MetricSummary

PERIOD_MONTHS = {"90d": 3, "6m": 6, "12m": 12}
SERIES_COLUMNS = ["month", "gross", "net", "charges", "disputes", "refund_rate_pct"]


class Series(BaseModel):
    columns: list[str]
    rows: list[list[str | int | float | None]]


class MetricSummaryOut(BaseModel):
    business_id: int
    business_name: str
    period: str
    window_days: int
    as_of: datetime
    currency: str
    metrics: dict[str, float | int | None] = Field(
        description="Money in minor units of currency; null where it cannot be measured."
    )
    units: dict[str, str]
    benchmarks: dict[str, str]
    monthly: Series
    notes: list[str] = []


def summary_of(s: MetricSummary) -> MetricSummaryOut:
    m, w = s.metrics, s.window
    values: dict[str, float | int | None] = {
        "gross_volume": w.gross_volume,
        "net_volume": w.net_volume,
        "charge_count": w.charge_count,
        "average_ticket": w.average_ticket,
        "refund_rate_pct": w.refund_rate_pct,
        "dispute_activity_pct": w.dispute_activity_pct,
        "dispute_count": w.dispute_count,
        "distinct_customers": w.distinct_customers,
        "failed_payouts": w.failed_payouts,
        "growth_pct": s.growth_pct,
        "months_of_history": m.months_of_history,
        "annual_volume_run_rate": m.annual_volume_run_rate,
        "volatility_cv": m.volatility_cv,
        "low_volume_months": m.low_volume_months,
        "top_customer_share_pct": m.top_customer_share_pct,
        "top3_customer_share_pct": m.top3_customer_share_pct,
    }
    # Only where the name does not already say it.
    units = {
        "refund_rate_pct": "% of volume",
        "dispute_activity_pct": "% of payments",
        "growth_pct": f"% vs the previous {s.period}",
        "volatility_cv": "CV of monthly volume, 12 months",
        "low_volume_months": "of the last 12",
        "top_customer_share_pct": "% of yearly volume",
        "top3_customer_share_pct": "% of yearly volume",
    }
    months = m.monthly[-(PERIOD_MONTHS[s.period] + 1) :]
    rows: list[list[str | int | float | None]] = [
        [
            x.month + ("" if x.complete else "*"),
            x.gross_volume,
            x.net_volume,
            x.charge_count,
            x.dispute_count,
            x.refund_rate_pct,
        ]
        for x in months
    ]
    notes = list(s.notes)
    if months and not months[-1].complete:
        notes.append("* the current month so far.")
    return MetricSummaryOut(
        business_id=s.business_id,
        business_name=s.business_name,
        period=s.period,
        window_days=PERIOD_DAYS[s.period],
        as_of=m.as_of,
        currency=m.currency,
        metrics=values,
        units=units,
        benchmarks=s.benchmarks,
        monthly=Series(columns=SERIES_COLUMNS, rows=rows),
        notes=notes,
    )


def summary_line(s: MetricSummaryOut) -> str:
    gross = s.metrics["gross_volume"]
    disputes = s.metrics["dispute_activity_pct"]
    refunds = s.metrics["refund_rate_pct"]
    return (
        f"{s.business_name}, last {s.window_days} days: "
        f"{format_money(gross, s.currency)} gross, "
        f"dispute activity {disputes if disputes is not None else 'n/a'}%, "
        f"refunds {refunds if refunds is not None else 'n/a'}% of volume."
    )


def _shrink(s: MetricSummaryOut) -> MetricSummaryOut | None:
    if len(s.monthly.rows) <= 3:
        return None
    return s.model_copy(
        update={"monthly": Series(columns=s.monthly.columns, rows=s.monthly.rows[1:])}
    )


@domain_errors
async def get_metric_summary(
    business_id: BusinessIdArg = None,
    period: Annotated[
        Literal["90d", "6m", "12m"], Field(description="Trailing window (default 90d).")
    ] = "90d",
    ctx: Context = CurrentContext(),
) -> ToolResult:
    """The business's payment metrics for a period, each with its benchmark.

    For revenue, volume, growth, refunds, disputes or chargebacks, customers, volatility or
    payouts. Money is integer minor units (cents); rates are percentages. Includes a monthly
    series.
    """
    from vaultra_mcp.services.businesses import resolve_ref
    from vaultra_mcp.services.metrics import metric_summary_of

    runtime = runtime_of(ctx)
    deps, caller = runtime.services(), await runtime.caller()
    business = await resolve_ref(deps, caller, business_id)

    async def build() -> ToolResult:
        result = await metric_summary_of(deps, business, period)
        return fit(summary_of(result), summary_line, runtime.budget, _shrink)

    return await remembered(runtime, caller, business, period, build, tool="metrics")
