"""The metric summary tool: the numbers behind the score, each with its benchmark."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from fastmcp import Context, FastMCP
from fastmcp.dependencies import CurrentContext
from fastmcp.tools.base import ToolResult
from pydantic import BaseModel, Field

from vaultra_mcp.core.metrics import PERIOD_DAYS
from vaultra_mcp.core.thresholds import benchmark
from vaultra_mcp.server.budget import fit
from vaultra_mcp.server.errors import domain_errors
from vaultra_mcp.server.runtime import runtime_of
from vaultra_mcp.server.tools.common import READ_ONLY, BusinessIdArg, money, output_schema

if TYPE_CHECKING:
    from vaultra_mcp.services.metrics import MetricSummary

PERIOD_MONTHS = {"90d": 3, "6m": 6, "12m": 12}
SERIES_COLUMNS = ["month", "gross", "net", "charges", "disputes", "refund_rate_pct"]


class MetricValue(BaseModel):
    value: float | int | None
    unit: str
    benchmark: str | None = None


class Series(BaseModel):
    columns: list[str]
    rows: list[list[str | int | float | None]]


class MetricSummaryOut(BaseModel):
    business_id: int
    business_name: str
    period: str
    window_days: int
    currency: str
    as_of: datetime
    metrics: dict[str, MetricValue]
    monthly: Series
    notes: list[str]


def summary_of(s: MetricSummary) -> MetricSummaryOut:
    m, w = s.metrics, s.window
    cur = m.currency
    notes = []
    if m.other_currency_charges:
        notes.append(f"{m.other_currency_charges} payments in other currencies are not counted.")
    if m.identified_volume_share_pct is not None and m.identified_volume_share_pct < 80:
        notes.append(
            f"Only {m.identified_volume_share_pct:.0f}% of volume is tied to a customer; "
            "concentration covers that part."
        )

    def v(name: str, value: float | int | None, unit: str) -> MetricValue:
        return MetricValue(value=value, unit=unit, benchmark=benchmark(name, s.industry))

    metrics = {
        "gross_volume": v("gross_volume", w.gross_volume, f"{cur} minor units"),
        "net_volume": v("net_volume", w.net_volume, f"{cur} minor units"),
        "charge_count": v("charge_count", w.charge_count, "payments"),
        "average_ticket": v("average_ticket", w.average_ticket, f"{cur} minor units"),
        "refund_rate_pct": v("refund_rate_pct", w.refund_rate_pct, "% of volume"),
        "dispute_activity_pct": v("dispute_activity_pct", w.dispute_activity_pct, "% of payments"),
        "dispute_count": v("dispute_count", w.dispute_count, "disputes"),
        "distinct_customers": v("distinct_customers", w.distinct_customers, "customers"),
        "failed_payouts": v("failed_payouts", w.failed_payouts, "payouts"),
        "growth_pct": v("growth_pct", s.growth_pct, f"% vs the previous {s.period}"),
        "months_of_history": v("months_of_history", m.months_of_history, "months"),
        "annual_volume_run_rate": v(
            "annual_volume_run_rate", m.annual_volume_run_rate, f"{cur} minor units"
        ),
        "volatility_cv": v("volatility_cv", m.volatility_cv, "CV of monthly volume, 12 months"),
        "low_volume_months": v("low_volume_months", m.low_volume_months, "months of the last 12"),
        "top_customer_share_pct": v(
            "top_customer_share_pct", m.top_customer_share_pct, "% of yearly volume"
        ),
        "top3_customer_share_pct": v(
            "top3_customer_share_pct", m.top3_customer_share_pct, "% of yearly volume"
        ),
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
    if months and not months[-1].complete:
        notes.append("* the current month so far.")
    return MetricSummaryOut(
        business_id=s.business_id,
        business_name=s.business_name,
        period=s.period,
        window_days=PERIOD_DAYS[s.period],
        currency=cur,
        as_of=m.as_of,
        metrics=metrics,
        monthly=Series(columns=SERIES_COLUMNS, rows=rows),
        notes=notes,
    )


def _summary(s: MetricSummaryOut) -> str:
    gross = s.metrics["gross_volume"].value
    disputes = s.metrics["dispute_activity_pct"].value
    refunds = s.metrics["refund_rate_pct"].value
    return (
        f"{s.business_name}, last {s.window_days} days: "
        f"{money(int(gross or 0), s.currency)} gross, "
        f"dispute activity {disputes if disputes is not None else 'n/a'}%, "
        f"refunds {refunds if refunds is not None else 'n/a'}% of volume."
    )


def _shrink(s: MetricSummaryOut) -> MetricSummaryOut | None:
    if len(s.monthly.rows) <= 3:
        return None
    return s.model_copy(
        update={"monthly": Series(columns=s.monthly.columns, rows=s.monthly.rows[1:])}
    )


def register(mcp: FastMCP, budget: int) -> None:
    @mcp.tool(annotations=READ_ONLY, output_schema=output_schema(MetricSummaryOut))
    @domain_errors
    async def get_metric_summary(
        business_id: BusinessIdArg = None,
        period: Annotated[
            Literal["90d", "6m", "12m"],
            Field(description="Trailing window: 90d (default), 6m or 12m."),
        ] = "90d",
        ctx: Context = CurrentContext(),
    ) -> ToolResult:
        """The business's payment metrics for a period, each with its benchmark.

        Use for questions about revenue, volume, growth, refunds, disputes or chargebacks,
        customers, volatility or payouts. Money is in integer minor units (cents) with the
        currency; rates are percentages. Includes a compact monthly series.
        """
        from vaultra_mcp.services.metrics import metric_summary

        runtime = runtime_of(ctx)
        result = await metric_summary(
            runtime.services(), await runtime.caller(), business_id, period
        )
        return fit(summary_of(result), _summary, budget, _shrink)
