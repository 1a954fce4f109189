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

from vaultra_mcp.core.funding import PRODUCTS

OFFLINE_LABEL = "Offline assistant (no language model; answers come straight from Vaultra's tools)."
NO_GUARANTEE = "Lenders make their own decisions: this is guidance, not a promise of funding."
OUT_OF_SCOPE = (
    "I can only help with your business's funding readiness, its Stripe metrics, what to do "
    "next, and financing questions from Vaultra's knowledge base. That question is outside it."
)
PRODUCT_NAMES = {p.key: p.name for p in PRODUCTS}
MAX_PASSAGES = 3


@dataclass(frozen=True)
class Result:
    """One tool's outcome as the planner reads it back from the conversation."""

    name: str
    arguments: dict[str, Any]
    is_error: bool
    summary: str
    data: dict[str, Any]


def dollars(minor_units: int | float | None) -> str:
    if minor_units is None:
        return "unknown"
    value = minor_units / 100
    return f"${value:,.0f}" if abs(value) >= 1_000 or value == int(value) else f"${value:,.2f}"


def _label(key: str) -> str:
    """``dscr_1_15`` -> ``dscr 1.15``: keys as words, numbers kept whole."""
    return re.sub(r"(\d)_(\d)", r"\1.\2", key).replace("_", " ")


def readiness(r: Result) -> str:
    d = r.data
    by_key = {c["key"]: c for c in d["components"]}
    lines = [f"{d['business_name']} scores {d['score']}/100 ({d['tier_label']})."]
    weakest = (
        d["hurts_most"]
        or [
            c["key"]
            for c in sorted(d["components"], key=lambda c: c["points"] / max(1, c["max_points"]))
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
    m = {k: v["value"] for k, v in d["metrics"].items()}
    window = {"90d": "the last 90 days", "6m": "the last 6 months", "12m": "the last 12 months"}
    lines = [
        f"{d['business_name']}, {window.get(d['period'], d['period'])}: "
        f"{dollars(m['gross_volume'])} gross volume over {m['charge_count']:,} payments "
        f"(average {dollars(m['average_ticket'])}), {dollars(m['net_volume'])} net.",
        f"- Disputes: {m['dispute_activity_pct']}% of payments ({m['dispute_count']} disputes); "
        f"benchmark: {d['metrics']['dispute_activity_pct']['benchmark']}.",
        f"- Refunds: {m['refund_rate_pct']}% of volume; benchmark: "
        f"{d['metrics']['refund_rate_pct']['benchmark']}.",
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
        f" Funding goal: {d['funding_goal']} for {d['funding_purpose']}."
        if d.get("funding_goal")
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
    for fit in ("likely", "possible", "unlikely"):
        options = [o for o in d["options"] if o["fit"] == fit][:4]
        for o in options:
            amount = o["amount"]
            span = (
                f"{dollars(amount['low'])}-{dollars(amount['high'])}"
                if amount.get("low") is not None and amount.get("high") is not None
                else f"up to {dollars(amount['high'])}"
                if amount.get("high") is not None
                else ""
            )
            size = f" {span} ({amount['basis']})." if span else f" Amount: {amount['basis']}."
            gaps = o.get("not_met") or []
            unknown = o.get("unknown") or []
            why = f" Not met: {', '.join(_label(g) for g in gaps)}." if gaps else ""
            check = f" To check: {', '.join(_label(u) for u in unknown)}." if unknown else ""
            name = PRODUCT_NAMES.get(o["key"], _label(o["key"]))
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
    cited: dict[str, dict[str, Any]] = {}
    for p in passages[:MAX_PASSAGES]:
        citation = p["citation"]
        cited.setdefault(citation["doc_id"], citation)
        lines.append(f"- {p['text']} [{citation['title']}]")
    lines.append("Sources:")
    lines.extend(f"- {c['title']} ({c['url']}) [doc: {c['doc_id']}]" for c in cited.values())
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
