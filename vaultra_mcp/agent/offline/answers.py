"""The offline assistant's answers, written only from what the tools returned.

An answer leads with the direct answer to what was asked, then the figures behind it, then the
next step, then the sources (public titles and urls) it used. Every figure comes from a tool
result (money is the tool's minor units shown in dollars). The answer says it comes from the
offline assistant, is in the question's language, and never promises that a lender will approve.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vaultra_mcp.agent.offline import funding
from vaultra_mcp.agent.offline.classifier import Language
from vaultra_mcp.agent.offline.phrases import STATUS_ES, TIER_ES, component, say
from vaultra_mcp.agent.offline.planner import Plan, Step
from vaultra_mcp.agent.offline.results import Result, Section, Source, label, table
from vaultra_mcp.core.money import format_money

MAX_PASSAGES = 3
PROMISE_SENSITIVE = {"readiness", "funding", "what_if"}
# The one next step an answer ends on: the most concrete action among its parts.
NEXT_STEP_RANK = {"recommendations": 0, "funding": 1, "what_if": 2, "readiness": 3}


def tier(key: str, english: str, language: Language) -> str:
    return TIER_ES.get(key, english) if language == "es" else english


def readiness(plan: Plan, results: list[Result]) -> Section:
    lang, d = plan.language, results[0].data
    components = {c["key"]: c for c in table(d, "components")}
    weakest = (
        d["hurts_most"]
        or [
            c["key"]
            for c in sorted(
                components.values(), key=lambda c: c["points"] / max(1, c["max_points"])
            )
            if c["points"] < c["max_points"]
        ][:2]
    )
    lines = [
        say(
            lang,
            "score",
            name=d["business_name"],
            score=d["score"],
            tier=tier(d["tier"], d["tier_label"], lang),
        )
    ]
    if weakest:
        lines.append(say(lang, "hurts_most" if d["hurts_most"] else "nothing_hurts"))
    for key in weakest:
        c = components[key]
        target = say(lang, "target", target=c["threshold"]) if c.get("threshold") else ""
        lines.append(
            f"- {component(key, lang)} ({c['points']}/{c['max_points']} "
            f"{say(lang, 'points')}): {c['explanation']}{target}"
        )
    if d["helps_most"]:
        helps = ", ".join(component(k, lang) for k in d["helps_most"])
        lines.append(say(lang, "helps_most", items=helps))
    if d.get("cap"):
        lines.append(say(lang, "note", note=d["cap"]))
    lines.extend(d.get("notes") or [])
    first = components[weakest[0]] if weakest else None
    step = (
        say(
            lang,
            "readiness_next",
            component=component(first["key"], lang),
            target=first["threshold"],
        )
        if first is not None and first.get("threshold")
        else say(lang, "readiness_next_none")
    )
    used = {components[k]["source"] for k in weakest}
    sources = [Source(s["title"], s["url"]) for s in d.get("sources", []) if s["id"] in used]
    return Section(lines, step, sources)


def recommendations(plan: Plan, results: list[Result]) -> Section:
    lang = plan.language
    recs = next(r for r in results if r.name == "get_top_recommendations")
    d = recs.data
    items = d["recommendations"]
    lines: list[str] = []
    breakdown = next((r for r in results if r.name == "get_readiness_breakdown"), None)
    if not items:
        status = STATUS_ES.get(d["status"], d["status"]) if lang == "es" else d["status"]
        return Section([say(lang, "recs_none", name=d["business_name"], status=status)])

    def worth(item: dict[str, Any]) -> str:
        gain = item["estimated_score_gain"]
        return say(lang, "worth", gain=gain) if gain else ""

    lines.append(say(lang, "recs_lead", title=items[0]["title"], worth=worth(items[0])))
    if breakdown is not None and not breakdown.is_error:
        b = breakdown.data
        lines.append(
            say(
                lang,
                "score",
                name=b["business_name"],
                score=b["score"],
                tier=tier(b["tier"], b["tier_label"], lang),
            )
        )
    lines.append(say(lang, "recs_header", name=d["business_name"]))
    for item in items:
        lines.append(
            say(
                lang,
                "rec_line",
                title=item["title"],
                id=item["id"],
                priority=item["priority"],
                worth=worth(item),
                why=item["why"],
            )
        )
        lines.extend(f"  - {s}" for s in item["steps"])
    docs = [Source(i["title"], f"vaultra://knowledge/{i['doc']}") for i in items if i.get("doc")]
    return Section(lines, items[0]["steps"][0], docs[:1])


def _window(period: str, language: Language) -> str:
    return say(language, f"window_{period}") if period in ("90d", "6m", "12m") else period


BENCHMARK_BAR = re.compile(r"(\d+(?:\.\d+)?)%")


def _verdict(value: float, benchmark: str, language: Language) -> str:
    """Within or above a benchmark whose first figure is the bar ("under 0.3% best
    practice; ...", "8% (electronics 8-10%)"); nothing when it has no figure."""
    bar = BENCHMARK_BAR.search(benchmark)
    if bar is None:
        return ""
    return say(language, "m_within" if value <= float(bar.group(1)) else "m_above")


def metrics(plan: Plan, results: list[Result]) -> Section:
    lang, d = plan.language, results[0].data
    m, bench = d["metrics"], d["benchmarks"]
    window = _window(d["period"], lang)
    cur = d.get("currency", "usd")
    growth = (
        say(lang, "m_growth", growth=m["growth_pct"], months=m["months_of_history"])
        if m.get("growth_pct") is not None
        else say(lang, "m_no_growth", months=m["months_of_history"])
    )
    disputes, refunds = m["dispute_activity_pct"], m["refund_rate_pct"]
    lines = {
        "volume": say(
            lang,
            "m_volume",
            window=window,
            gross=format_money(m["gross_volume"], cur),
            count=f"{m['charge_count']:,}",
            ticket=format_money(m["average_ticket"], cur),
            net=format_money(m["net_volume"], cur),
        ),
        "disputes": say(
            lang,
            "m_disputes",
            pct=disputes,
            window=window,
            count=m["dispute_count"],
            benchmark=bench["dispute_activity_pct"],
            verdict=_verdict(disputes, bench["dispute_activity_pct"], lang),
        ),
        "refunds": say(
            lang,
            "m_refunds",
            pct=refunds,
            window=window,
            benchmark=bench["refund_rate_pct"],
            verdict=_verdict(refunds, bench["refund_rate_pct"], lang),
        ),
        "customers": say(
            lang,
            "m_customers",
            count=f"{m['distinct_customers']:,}",
            window=window,
            share=m["top_customer_share_pct"],
            top3=m["top3_customer_share_pct"],
        ),
        "growth": growth,
        "payouts": say(lang, "m_payouts", count=m["failed_payouts"]),
    }
    lead = [f for f in plan.focus if f in lines] or ["volume"]
    ordered = [*lead, *(k for k in lines if k not in lead)]
    body = [f"{d['business_name']}: {lines[ordered[0]]}"]
    body += [f"- {lines[k][0].upper()}{lines[k][1:]}" for k in ordered[1:]]
    key = lead[0] if lead[0] in ("disputes", "refunds") else ""
    step = say(lang, f"metrics_next_{key}" if key else "metrics_next")
    return Section(body, step)


def context(plan: Plan, results: list[Result]) -> Section:
    lang, d = plan.language, results[0].data
    goal = (
        say(
            lang,
            "goal",
            amount=format_money(d["funding_goal_amount"], d["currency"]),
            purpose=d.get("funding_purpose") or say(lang, "unspecified_use"),
        )
        if d.get("funding_goal_amount")
        else ""
    )
    integrations = ", ".join(i.get("provider", "?") for i in d.get("integrations") or [])
    return Section(
        [
            say(
                lang,
                "context",
                name=d["name"],
                industry=label(d["industry"]),
                country=d["country"],
                entity=d["entity_type"],
                founded=d["founded_on"],
                years=d["years_in_business"],
                goal=goal,
                integrations=integrations or say(lang, "no_integrations"),
            )
        ]
    )


def businesses(plan: Plan, results: list[Result]) -> Section:
    items = results[0].data["businesses"]
    names = "; ".join(f"{b['name']} (business_id {b['id']})" for b in items)
    return Section([say(plan.language, "businesses", names=names)])


def status_change(plan: Plan, results: list[Result]) -> Section:
    lang, d = plan.language, results[0].data
    status = STATUS_ES.get(d["status"], d["status"]) if lang == "es" else d["status"]
    return Section([say(lang, "status_done", id=d["id"], title=d["title"], status=status)])


def knowledge(plan: Plan, results: list[Result], intro: str = "kb_from") -> Section:
    """Passages as the knowledge base returned them (English), each with its document's
    title; the documents are cited with their public urls."""
    lang = plan.language
    lines: list[str] = []
    sources: list[Source] = []
    for r in results:
        d = r.data
        documents = d.get("documents", {})
        passages = d.get("passages", [])[:MAX_PASSAGES]
        if not passages:
            lines.append(say(lang, "kb_nothing"))
            continue
        lines.append(say(lang, "kb_unsure") if d.get("low_confidence") else say(lang, intro))
        for p in passages:
            title = documents.get(p["doc_id"], {}).get("title", p["doc_id"])
            lines.append(f"- {p['text']} [{title}]")
            doc = documents.get(p["doc_id"], {})
            source = Source(doc.get("title", p["doc_id"]), doc.get("url", ""), p["doc_id"])
            if source not in sources:
                sources.append(source)
    step = None
    if plan.products and intro == "kb_from":
        step = say(lang, "kb_next_product", product=funding.product_name(plan.products[0], lang))
    elif intro == "kb_docs":
        step = say(lang, "kb_next_documents")
    return Section(lines, step, sources)


def documents(plan: Plan, results: list[Result]) -> Section:
    return knowledge(plan, results, intro="kb_docs")


def error(plan: Plan, r: Result) -> str:
    lang = plan.language
    code = str(r.data.get("error", "TOOL_ERROR"))
    if code.endswith("NOT_FOUND"):
        return say(lang, "not_found")
    if code == "NOT_READY":
        return f"{r.data.get('message', '')} {r.data.get('next_step', '')}".strip()
    return say(lang, "tool_failed", tool=r.name, message=r.data.get("message", r.summary))


Writer = Callable[[Plan, list[Result]], Section]
WRITERS: dict[str, Writer] = {
    "readiness": readiness,
    "recommendations": recommendations,
    "metrics": metrics,
    "context": context,
    "businesses": businesses,
    "status_change": status_change,
    "knowledge": knowledge,
    "documents": documents,
    "funding": funding.funding,
    "what_if": funding.what_if,
}


def section(plan: Plan, step: Step, results: list[Result]) -> Section:
    """A step's section; a failed call is explained instead (the first one, once)."""
    failed = next((r for r in results if r.is_error), None)
    if failed is not None or not results:
        return Section([error(plan, failed)] if failed else [])
    return WRITERS[step.intent](plan, results)


def compose(plan: Plan, results: list[Result]) -> str:
    """The whole answer: each step's direct answer and figures, then the next step, the
    sources and, where a score or product was discussed, that lenders decide."""
    by_call = {(r.name, repr(sorted(r.arguments.items()))): r for r in results}
    sections = []
    for step in plan.steps:
        found = [by_call.get((c.name, repr(sorted(c.arguments.items())))) for c in step.calls]
        sections.append(section(plan, step, [r for r in found if r is not None]))
    lang = plan.language
    parts = [say(lang, "label"), *("\n".join(s.lines) for s in sections if s.lines)]
    ranked = sorted(
        zip(plan.steps, sections, strict=True),
        key=lambda pair: NEXT_STEP_RANK.get(pair[0].intent, 9),
    )
    next_step = next((s.next_step for _, s in ranked if s.next_step), None)
    if next_step:
        parts.append(say(lang, "next_step", step=next_step))
    sources = list(dict.fromkeys(src for s in sections for src in s.sources))
    if sources:
        parts.append("\n".join([say(lang, "sources"), *(s.line() for s in sources)]))
    if any(s.intent in PROMISE_SENSITIVE for s in plan.steps):
        parts.append(say(lang, "no_guarantee"))
    return "\n\n".join(parts)


def reply(language: Language, key: str, **values: Any) -> str:
    """An answer that needed no tool: out of scope, a greeting, a clarifying question."""
    return f"{say(language, 'label')}\n\n{say(language, key, **values)}"


def ask_which_business(language: Language, listed: Result | None) -> str:
    if listed is None or listed.is_error:
        return reply(language, "ask_which_plain")
    names = say(language, "or").join(b["name"] for b in listed.data["businesses"])
    return reply(language, "ask_which", names=names)
