"""Answers about funding: the options, one product's criteria, and what a what-if changes.

A product question is answered from that product's row of ``get_funding_options`` (its fit,
the criteria met, not met and unknown) and from the knowledge base's passage on who qualifies.
A what-if's follow-up ("would I then qualify for ...?") re-reads the row against the simulated
metrics: a criterion such as ``annual_revenue_250000`` or ``processing_history_9m`` names the
metric and the bar, so a change of that metric can meet it or miss it; credit scores and the
like stay unknown, as Stripe data cannot show them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vaultra_mcp.agent.offline.classifier import Language
from vaultra_mcp.agent.offline.phrases import PRODUCT_ES, TIER_ES, component, possessive, say
from vaultra_mcp.agent.offline.planner import Plan
from vaultra_mcp.agent.offline.results import Result, Section, Source, label, table
from vaultra_mcp.core.funding import PRODUCT_NAMES
from vaultra_mcp.core.money import format_money
from vaultra_mcp.core.thresholds import TIERS

FIXED_CRITERIA: dict[str, tuple[str, str]] = {
    "us_based": ("located in the US", "estar en EE. UU."),
    "for_profit": ("a for-profit business", "un negocio con fines de lucro"),
    "us_corp_or_llc": ("a US corporation or LLC", "una corporación o LLC de EE. UU."),
    "us_checking_account": ("a US business checking account", "una cuenta corriente en EE. UU."),
    "stripe_good_standing": ("a Stripe account in good standing", "una cuenta de Stripe en regla"),
    "seasonal_12m_statements": (
        "12 months of statements if sales are seasonal",
        "12 meses de estados de cuenta si las ventas son estacionales",
    ),
    "unpaid_b2b_invoices": (
        "unpaid invoices owed by business customers",
        "facturas pendientes de clientes empresariales",
    ),
    "creditworthy_customers": ("customers with good credit", "clientes con buen crédito"),
    "collateral_guarantee": ("collateral and a personal guarantee", "garantía y aval personal"),
    "intermediary_credit_rules": (
        "the lending intermediary's own credit rules",
        "las reglas de crédito del intermediario",
    ),
    "lender_credit_policy": (
        "the lender's credit policy",
        "la política de crédito del prestamista",
    ),
}
PATTERN_CRITERIA: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"credit_score_(\d+)"),
        "a personal credit score of {0}+",
        "un puntaje de crédito personal de {0}+",
    ),
    (re.compile(r"time_in_business_(\d+)m"), "{0}+ months in business", "{0}+ meses en el negocio"),
    (
        re.compile(r"processing_history_(\d+)m"),
        "{0}+ months of card processing",
        "{0}+ meses procesando pagos con tarjeta",
    ),
    (
        re.compile(r"annual_revenue_(\d+)"),
        "${0:,}+ a year in revenue",
        "${0:,}+ al año en ingresos",
    ),
    (
        re.compile(r"monthly_volume_(\d+)"),
        "${0:,}+ a month in card volume",
        "${0:,}+ al mes en volumen con tarjeta",
    ),
    (re.compile(r"dscr_(\d+)_(\d+)"), "a DSCR of {0}.{1}+", "un DSCR de {0}.{1}+"),
    (re.compile(r"paydex_(\d+)"), "a PAYDEX of {0}+", "un PAYDEX de {0}+"),
)


def criterion(key: str, language: Language) -> str:
    """A criterion key in words: ``credit_score_680`` -> "a personal credit score of 680+"."""
    if key in FIXED_CRITERIA:
        return FIXED_CRITERIA[key][language == "es"]
    for pattern, english, spanish in PATTERN_CRITERIA:
        match = pattern.fullmatch(key)
        if match:
            numbers = [int(g) for g in match.groups()]
            return (spanish if language == "es" else english).format(*numbers)
    return label(key)


def criteria(keys: list[str], language: Language) -> str:
    return ", ".join(criterion(k, language) for k in keys)


def product_name(key: str, language: Language) -> str:
    if language == "es":
        return PRODUCT_ES.get(key, label(key))
    return PRODUCT_NAMES.get(key, label(key))


def _amount(o: dict[str, Any], currency: str, language: Language) -> str:
    low, high = o["low"], o["high"]
    if low is not None and high is not None:
        span = f"{format_money(low, currency)}-{format_money(high, currency)}"
    elif high is not None:
        span = say(language, "up_to", amount=format_money(high, currency))
    else:
        return say(language, "size_basis", basis=o["basis"])
    return say(language, "size", span=span, basis=o["basis"])


def option_line(o: dict[str, Any], currency: str, language: Language) -> str:
    gaps = say(language, "not_met", items=criteria(o["not_met"], language)) if o["not_met"] else ""
    check = (
        say(language, "to_check", items=criteria(o["unknown"], language)) if o["unknown"] else ""
    )
    return say(
        language,
        "option_line",
        fit=say(language, f"fit_label_{o['fit']}"),
        name=product_name(o["product"], language),
        size=_amount(o, currency, language),
        gaps=gaps,
        check=check,
    )


def _doc_source(product: str, doc: str, language: Language) -> Source:
    """A product's knowledge document, which cites the lenders' and programs' own pages."""
    return Source(f"Vaultra: {product_name(product, language)}", f"vaultra://knowledge/{doc}", doc)


def options(plan: Plan, r: Result) -> Section:
    """Every product, best fit first: what the business can get, and roughly how much."""
    lang, d = plan.language, r.data
    rows = table(d, "options")
    likely = [o for o in rows if o["fit"] == "likely"]
    possible = [o for o in rows if o["fit"] == "possible"]
    name = d["business_name"]
    if likely:
        products = ", ".join(product_name(o["product"], lang) for o in likely)
        lead = say(lang, "options_lead", name=name, owner=possessive(name), products=products)
    elif possible:
        products = ", ".join(product_name(o["product"], lang) for o in possible[:3])
        lead = say(lang, "options_none_likely", name=name, products=products)
    else:
        lead = say(lang, "options_nothing", name=name)
    lines = [lead]
    for fit in ("likely", "possible", "unlikely"):
        lines += [option_line(o, d["currency"], lang) for o in rows if o["fit"] == fit][:4]
    best = (likely or possible or rows)[:1]
    step = (
        say(lang, "next_options", product=product_name(best[0]["product"], lang)) if best else None
    )
    sources = [_doc_source(best[0]["product"], best[0]["doc"], lang)] if best else []
    return Section(lines, step, sources)


def _passages_for(results: list[Result], docs: set[str]) -> tuple[list[str], list[Source]]:
    """The knowledge passages about the products asked (one per document), with sources."""
    lines: list[str] = []
    sources: list[Source] = []
    for r in results:
        if r.name != "search_knowledge" or r.is_error:
            continue
        documents = r.data.get("documents", {})
        for p in r.data.get("passages", []):
            if p["doc_id"] not in docs or any(s.doc == p["doc_id"] for s in sources):
                continue
            doc = documents.get(p["doc_id"], {})
            title = doc.get("title", p["doc_id"])
            lines.append(f"- {title}: {p['text']}")
            sources.append(Source(title, doc.get("url", ""), p["doc_id"]))
    return lines, sources


def product_verdict(o: dict[str, Any], name: str, language: Language) -> tuple[str, str]:
    """The direct answer for one product, and the next step it leads to."""
    product = product_name(o["product"], language)
    if o["fit"] == "unlikely":
        lead = say(
            language, "fit_unlikely", product=product, items=criteria(o["not_met"], language)
        )
        return lead, say(language, "next_gap", item=criterion(o["not_met"][0], language))
    if o["fit"] == "possible":
        unknown = criteria(o["unknown"], language)
        lead = say(language, "fit_possible", name=name, product=product, items=unknown)
        return lead, say(language, "next_unknown", item=criterion(o["unknown"][0], language))
    return say(language, "fit_likely", name=name, product=product), say(language, "next_apply")


def funding(plan: Plan, results: list[Result]) -> Section:
    lang = plan.language
    r = next(r for r in results if r.name == "get_funding_options")
    rows = {o["product"]: o for o in table(r.data, "options")}
    asked = [rows[p] for p in plan.products if p in rows][:2]
    if not asked:
        return options(plan, r)
    lines, steps = [], []
    for o in asked:
        lead, step = product_verdict(o, r.data["business_name"], lang)
        lines.append(lead)
        steps.append(step)
    for o in asked:
        lines.append(option_line(o, r.data["currency"], lang))
        if o["met"]:
            lines.append("  " + say(lang, "met", items=criteria(o["met"], lang)))
    passages, sources = _passages_for(results, {o["doc"] for o in asked})
    lines += passages
    sources += [
        _doc_source(o["product"], o["doc"], lang)
        for o in asked
        if not any(s.doc == o["doc"] for s in sources)
    ]
    return Section(lines, steps[0], sources)


def _at_least(value: float, bar: int) -> bool | None:
    return value >= bar


def _at_least_or_unknown(value: float, bar: int) -> bool | None:
    """History is a floor on time in business: enough of it meets the bar, too little says
    nothing (the business may be older than its Stripe account)."""
    return True if value >= bar else None


def _dollars_a_year(cents: float, bar: int) -> bool | None:
    return cents >= bar * 100


def _dollars_a_month(cents_a_year: float, bar: int) -> bool | None:
    return cents_a_year / 12 >= bar * 100


# What-if follow-ups: which criteria a simulated metric decides, and how.
DECIDED_BY: tuple[tuple[re.Pattern[str], str, Callable[[float, int], bool | None]], ...] = (
    (re.compile(r"processing_history_(\d+)m"), "months_of_history", _at_least),
    (re.compile(r"time_in_business_(\d+)m"), "months_of_history", _at_least_or_unknown),
    (re.compile(r"annual_revenue_(\d+)"), "annual_volume", _dollars_a_year),
    (re.compile(r"monthly_volume_(\d+)"), "annual_volume", _dollars_a_month),
)


def rejudge(key: str, changes: dict[str, float | int]) -> str | None:
    """``met`` / ``not_met`` for a criterion the changes decide; None when they do not."""
    for pattern, metric, meets in DECIDED_BY:
        match = pattern.fullmatch(key)
        if match and metric in changes:
            verdict = meets(float(changes[metric]), int(match.group(1)))
            return None if verdict is None else "met" if verdict else "not_met"
    return None


def after(o: dict[str, Any], changes: dict[str, float | int]) -> dict[str, Any]:
    """A product's row as it would read with the simulated metrics."""
    judged = {k: rejudge(k, changes) for k in [*o["met"], *o["not_met"]]}
    not_met = [k for k in o["not_met"] if judged[k] != "met"]
    not_met += [k for k in o["met"] if judged[k] == "not_met"]
    met = [k for k in o["met"] if judged[k] != "not_met"]
    met += [k for k in o["not_met"] if judged[k] == "met"]
    fit = "unlikely" if not_met else "possible" if o["unknown"] else "likely"
    newly = [k for k in o["not_met"] if judged[k] == "met"]
    return {**o, "met": met, "not_met": not_met, "fit": fit, "newly_met": newly}


CHANGES: dict[str, tuple[str, str]] = {
    "dispute_activity_pct": ("disputes at {v}% of payments", "disputas en el {v}% de los pagos"),
    "refund_rate_pct": ("refunds at {v}% of volume", "reembolsos en el {v}% del volumen"),
    "top_customer_share_pct": (
        "your largest customer at {v}% of volume",
        "tu mayor cliente en el {v}% del volumen",
    ),
    "top3_customer_share_pct": (
        "your top three customers at {v}% of volume",
        "tus tres mayores clientes en el {v}% del volumen",
    ),
    "months_of_history": ("{v} months of history", "{v} meses de historial"),
    "growth_pct": ("growth of {v}%", "un crecimiento del {v}%"),
    "volatility_cv": ("monthly variation (CV) of {v}", "una variación mensual (CV) de {v}"),
    "low_volume_months": ("{v} low-volume months", "{v} meses de poco volumen"),
    "distinct_customers": ("{v} customers", "{v} clientes"),
    "failed_payouts": ("{v} failed payouts", "{v} pagos fallidos"),
    "annual_volume": ("{v} a year in volume", "{v} al año de volumen"),
}


def _applied(changes: dict[str, Any], language: Language) -> str:
    """The simulated change in words: "disputes at 0.5% of payments"."""
    words = []
    for key, value in changes.items():
        shown = format_money(int(value)) if key == "annual_volume" else f"{value:g}"
        english, spanish = CHANGES.get(key, (label(key) + " = {v}", label(key) + " = {v}"))
        words.append((spanish if language == "es" else english).format(v=shown))
    return ", ".join(words)


def _then(o: dict[str, Any], changes: dict[str, Any], language: Language) -> str:
    new = after(o, changes)
    rest = ""
    if new["newly_met"]:
        rest += say(language, "then_now_met", items=criteria(new["newly_met"], language))
    elif new["fit"] == o["fit"]:
        rest += say(language, "then_untouched")
    if new["not_met"]:
        rest += say(language, "then_still", items=criteria(new["not_met"], language))
    if new["unknown"]:
        rest += say(language, "then_check", items=criteria(new["unknown"], language))
    fit = say(language, f"fit_label_{new['fit']}").lower()
    return say(
        language, "then_fit", product=product_name(o["product"], language), fit=fit, rest=rest
    )


def _tier(key: str, language: Language) -> str:
    if language == "es":
        return TIER_ES.get(key, label(key))
    return next((t.label for t in TIERS if t.key == key), label(key))


def what_if(plan: Plan, results: list[Result]) -> Section:
    lang = plan.language
    sim = next(r for r in results if r.name == "simulate_readiness")
    d, s = sim.data, sim.data["simulation"]
    applied = _applied(s["applied"], lang)
    moved = ", ".join(
        f"{component(c['key'], lang)} {c['delta']:+d} {say(lang, 'points')}"
        for c in s["components"]
    )
    lines = [
        say(
            lang,
            "whatif_lead",
            applied=applied,
            name=d["business_name"],
            owner=possessive(d["business_name"]),
            before=s["score_before"],
            after=s["score_after"],
            delta=s["delta"],
            tier_before=_tier(s["tier_before"], lang),
            tier_after=_tier(s["tier_after"], lang),
        ),
        say(lang, "whatif_moved", items=moved) if moved else say(lang, "whatif_unmoved"),
    ]
    step = say(lang, "whatif_next")
    sources: list[Source] = []
    offered = next((r for r in results if r.name == "get_funding_options"), None)
    if offered is not None:
        rows = {o["product"]: o for o in table(offered.data, "options")}
        asked = [rows[p] for p in plan.products if p in rows][:2]
        for o in asked:
            lines.append(_then(o, s["applied"], lang))
            new = after(o, s["applied"])
            step = product_verdict(new, d["business_name"], lang)[1]
        if not asked:
            lines.append(_changed_fits(list(rows.values()), s["applied"], applied, lang))
        passages, sources = _passages_for(results, {o["doc"] for o in asked})
        lines += passages
    lines.append(say(lang, "whatif_saved"))
    return Section(lines, step, sources)


def _changed_fits(
    rows: list[dict[str, Any]], changes: dict[str, Any], applied: str, language: Language
) -> str:
    moved = [
        f"{product_name(o['product'], language)} {say(language, 'fit_label_' + o['fit']).lower()}"
        f" -> {say(language, 'fit_label_' + new['fit']).lower()}"
        for o in rows
        if (new := after(o, changes))["fit"] != o["fit"]
    ]
    if not moved:
        return say(language, "then_same", applied=applied)
    return say(language, "then_changed", items="; ".join(moved))
