"""The offline assistant's answers, written only from what the tools returned.

Every figure comes from a tool result (money is the tool's minor units shown in dollars), and
every knowledge passage used is cited by title and url. The answer says it comes from the
offline assistant, and never promises that a lender will approve.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultra_mcp.core.funding import PRODUCT_NAMES
from vaultra_mcp.core.money import format_money

OFFLINE_LABEL = "Offline assistant (no language model; answers come straight from Vaultra's tools)."
NO_GUARANTEE = "Lenders make their own decisions: this is guidance, not a promise of funding."
OUT_OF_SCOPE = (
    "I can only help with your business's funding readiness, its Stripe metrics, what to do "
    "next, and financing questions from Vaultra's knowledge base. That question is outside it."
)
MAX_PASSAGES = 3


@dataclass(frozen=True)
class Result:
    """One tool's outcome as the planner reads it back from the conversation."""

    name: str
    arguments: dict[str, Any]
    is_error: bool
    summary: str
    data: dict[str, Any]


def table(d: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A result's table (a ``columns`` list and rows in that order) as one dict per row."""
    return [dict(zip(d["columns"], row, strict=True)) for row in d[name]]


def _label(key: str) -> str:
    """``dscr_1_15`` -> ``dscr 1.15``: keys as words, numbers kept whole."""
    return re.sub(r"(\d)_(\d)", r"\1.\2", key).replace("_", " ")


def readiness(r: Result) -> str:
    d = r.data
    components = table(d, "components")
    by_key = {c["key"]: c for c in components}
    lines = [f"{d['business_name']} scores {d['score']}/100 ({d['tier_label']})."]
    weakest = (
        d["hurts_most"]
        or [
            c["key"]
            for c in sorted(components, key=lambda c: c["points"] / max(1, c["max_points"]))
            if c["points"] < c["max_points"]
        ][:2]
    )
    if weakest:
        lines.append(
            "What hurts most:"
            if d["hurts_most"]
            else "Nothing hurts much; furthest from full points:"
        )
        for key in weakest:
            c = by_key[key]
            target = f" Target: {c['threshold']}." if c.get("threshold") else ""
            lines.append(
                f"- {_label(key)} ({c['points']}/{c['max_points']} points): {c['explanation']}"
                f"{target}"
            )
    if d["helps_most"]:
        lines.append("What helps most: " + ", ".join(_label(k) for k in d["helps_most"]) + ".")
    if d.get("cap"):
        lines.append(f"Note: {d['cap']}")
    lines.extend(d.get("notes") or [])
    return "\n".join(lines)


def recommendations(r: Result) -> str:
    d = r.data
    items = d["recommendations"]
    if not items:
        return f"{d['business_name']} has no {d['status']} recommendations right now."
    lines = [f"Recommended next steps for {d['business_name']}:"]
    for item in items:
        gain = item["estimated_score_gain"]
        worth = f", about +{gain} points" if gain else ""
        lines.append(
            f"- {item['title']} (#{item['id']}, {item['priority']} priority{worth}): "
            f"{item['why']} First step: {item['steps'][0]}"
        )
    return "\n".join(lines)


def metrics(r: Result) -> str:
    d = r.data
    m, benchmarks = d["metrics"], d["benchmarks"]
    window = {"90d": "the last 90 days", "6m": "the last 6 months", "12m": "the last 12 months"}
    lines = [
        f"{d['business_name']}, {window.get(d['period'], d['period'])}: "
        f"{format_money(m['gross_volume'])} gross volume over {m['charge_count']:,} payments "
        f"(average {format_money(m['average_ticket'])}), {format_money(m['net_volume'])} net.",
        f"- Disputes: {m['dispute_activity_pct']}% of payments ({m['dispute_count']} disputes); "
        f"benchmark: {benchmarks['dispute_activity_pct']}.",
        f"- Refunds: {m['refund_rate_pct']}% of volume; benchmark: "
        f"{benchmarks['refund_rate_pct']}.",
        f"- Growth: {m['growth_pct']}% vs the previous period; "
        f"{m['months_of_history']} months of history.",
        f"- Customers: {m['distinct_customers']:,} paying; the largest is "
        f"{m['top_customer_share_pct']}% of yearly volume.",
        f"- Failed payouts: {m['failed_payouts']}.",
    ]
    return "\n".join(lines)


def context(r: Result) -> str:
    d = r.data
    goal = (
        f" Funding goal: {format_money(d['funding_goal_amount'], d['currency'])} for "
        f"{d.get('funding_purpose') or 'an unspecified use'}."
        if d.get("funding_goal_amount")
        else ""
    )
    integrations = ", ".join(i.get("provider", "?") for i in d.get("integrations") or [])
    return (
        f"{d['name']}: {_label(d['industry'])}, {d['country']}, {d['entity_type']}, founded "
        f"{d['founded_on']} ({d['years_in_business']} years in business).{goal} "
        f"Connected: {integrations or 'no integrations yet'}."
    )


def funding(r: Result) -> str:
    d = r.data
    lines = [f"Funding options for {d['business_name']}:"]
    rows = table(d, "options")
    for fit in ("likely", "possible", "unlikely"):
        for o in [o for o in rows if o["fit"] == fit][:4]:
            low, high, cur = o["low"], o["high"], d["currency"]
            span = (
                f"{format_money(low, cur)}-{format_money(high, cur)}"
                if low is not None and high is not None
                else f"up to {format_money(high, cur)}"
                if high is not None
                else ""
            )
            size = f" {span} ({o['basis']})." if span else f" Amount: {o['basis']}."
            gaps, unknown = o["not_met"], o["unknown"]
            why = f" Not met: {', '.join(_label(g) for g in gaps)}." if gaps else ""
            check = f" To check: {', '.join(_label(u) for u in unknown)}." if unknown else ""
            name = PRODUCT_NAMES.get(o["product"], _label(o["product"]))
            lines.append(f"- {fit.capitalize()}: {name}.{size}{why}{check}")
    return "\n".join(lines)


def what_if(r: Result) -> str:
    d = r.data
    s = d["simulation"]
    applied = ", ".join(f"{_label(k)} = {v:g}" for k, v in s["applied"].items())
    moved = ", ".join(f"{_label(c['key'])} {c['delta']:+d} points" for c in s["components"])
    return (
        f"What-if for {d['business_name']} ({applied}): the score would go from "
        f"{s['score_before']} to {s['score_after']} ({s['delta']:+d}), tier {s['tier_before']} -> "
        f"{s['tier_after']}. {('Moved: ' + moved + '.') if moved else 'No component moved.'} "
        "Nothing was saved."
    )


def knowledge(r: Result) -> str:
    d = r.data
    passages = d["passages"]
    if not passages:
        return "Vaultra's knowledge base has nothing on that question."
    lines = []
    if d.get("low_confidence"):
        lines.append(
            "I could not find a confident answer in Vaultra's knowledge base; the closest passages:"
        )
    else:
        lines.append("From Vaultra's knowledge base:")
    documents = d["documents"]
    cited: list[str] = []
    for p in passages[:MAX_PASSAGES]:
        if p["doc_id"] not in cited:
            cited.append(p["doc_id"])
        lines.append(f"- {p['text']} [{documents[p['doc_id']]['title']}]")
    lines.append("Sources:")
    lines.extend(
        f"- {documents[doc]['title']} ({documents[doc]['url']}) [doc: {doc}]" for doc in cited
    )
    return "\n".join(lines)


def businesses(r: Result) -> str:
    items = r.data["businesses"]
    names = "; ".join(f"{b['name']} (business_id {b['id']})" for b in items)
    return f"Your businesses: {names}."


def status_change(r: Result) -> str:
    d = r.data
    return f'Recorded: recommendation #{d["id"]} "{d["title"]}" is now {d["status"]}.'


def error(r: Result) -> str:
    code = str(r.data.get("error", "TOOL_ERROR"))
    if code.endswith("NOT_FOUND"):
        return (
            "I can't find that among the businesses and records you have access to, so I can't "
            "answer about it."
        )
    if code == "NOT_READY":
        return f"{r.data.get('message', '')} {r.data.get('next_step', '')}".strip()
    return f"The {r.name} tool could not answer: {r.data.get('message', r.summary)}"


WRITERS: dict[str, Callable[[Result], str]] = {
    "get_readiness_breakdown": readiness,
    "get_top_recommendations": recommendations,
    "get_metric_summary": metrics,
    "get_business_context": context,
    "get_funding_options": funding,
    "simulate_readiness": what_if,
    "search_knowledge": knowledge,
    "list_businesses": businesses,
    "update_recommendation_status": status_change,
}
PROMISE_SENSITIVE = {"get_readiness_breakdown", "get_funding_options", "simulate_readiness"}


def compose(results: list[Result]) -> str:
    """The answer: one section per tool result, in the order the tools were called."""
    sections = [OFFLINE_LABEL]
    for r in results:
        writer = WRITERS.get(r.name)
        sections.append(error(r) if r.is_error or writer is None else writer(r))
    if any(r.name in PROMISE_SENSITIVE and not r.is_error for r in results):
        sections.append(NO_GUARANTEE)
    return "\n\n".join(sections)


def ask_which_business(listed: Result | None) -> str:
    if listed is None or listed.is_error:
        return f"{OFFLINE_LABEL}\n\nYou have several businesses; which one do you mean?"
    names = " or ".join(b["name"] for b in listed.data["businesses"])
    return f"{OFFLINE_LABEL}\n\nYou have several businesses. Which one do you mean: {names}?"


def out_of_scope() -> str:
    return f"{OFFLINE_LABEL}\n\n{OUT_OF_SCOPE}"
