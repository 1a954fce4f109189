"""The offline assistant's planner: which tools a question needs, with which arguments.

Deterministic keyword rules, no model: the same question always makes the same calls. A
question about the owner's own business goes to that business's tools; a general financing
question goes to the knowledge base; a question about neither calls nothing. Numbers in a
what-if ("if disputes fell to 0.3%") become ``simulate_readiness`` changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PERSONAL = re.compile(r"\b(my|our|me|i|i'm|i've|we|we're|us|am i|do i|can i)\b")
FINANCE = re.compile(
    r"fund|financ|loan|lend|borrow|credit|capital|sba|7\(a\)|factoring|cash advance|\bmca\b|"
    r"revenue|sales|volume|refund|dispute|chargeback|payout|customer|score|readiness|ready|"
    r"stripe|paydex|intelliscore|dscr|vamp|vdmp|\bcmm\b|\becm\b|bank|invest|grow|growth|"
    r"business|money|cash|equipment|invoice|metric|month|recommend|improve|eligib|qualif|"
    r"debt|collateral|interest rate|apr\b|document|repay"
)

WHAT_IF = re.compile(
    r"\bwhat if\b|\bif (?:my|our|i|we|the)\b|\bwould (?:my|our|the) score\b|simulat"
)
READINESS = re.compile(
    r"hurt|help(?:s|ing)? (?:my|our)|score|readiness|ready|fundab|weak|strength|strong|"
    r"holding (?:me|us) back|\btier\b|how (?:am|are) (?:i|we) doing"
)
RECOMMENDATIONS = re.compile(
    r"what should|next step|recommend|improve|\bfix\b|to-?do|action|priorit|how (?:can|do) "
    r"(?:i|we) (?:get|raise|boost|increase|improve)|what can (?:i|we) do"
)
FUNDING = re.compile(
    r"eligib|qualif|funding options?|financing options?|options|what (?:funding|financing|"
    r"loans?|credit)|can (?:i|we) get|which (?:loan|lender|funding|financing|product)|"
    r"how much (?:can|could|would) (?:i|we)|borrow"
)
METRICS = re.compile(
    r"revenue|sales|volume|refund|dispute|chargeback|customers?\b|payout|trend|growth|metric|"
    r"monthly|average (?:ticket|order|sale)|how much (?:did|have) (?:i|we) (?:make|made|sell)"
)
CONTEXT = re.compile(
    r"tell me about my business|about (?:my|our) (?:business|company)|business (?:profile|details|"
    r"context)|funding goal|how long (?:have|has) .* (?:in business|been)|years in business|"
    r"what industry|connected|integrations?|last sync"
)
BUSINESSES = re.compile(
    r"which businesses|my businesses|list (?:my |all )?businesses|businesses do i"
)
STATUS = re.compile(
    r"\b(?:mark|set|flag)\b.*?\b(?:recommendation|#)\s*#?(\d+).*?\b(done|accepted|dismissed|"
    r"complete|completed|accept|dismiss)\b|\b(done|accept|dismiss)\b.*?recommendation\s*#?(\d+)"
)
KNOWLEDGE = re.compile(
    r"what (?:is|are|'s) (?:an? |the )?|what does|how (?:does|do) |explain|difference between|"
    r"\bvs\.?\b|versus|tell me about|define|meaning of|why do lenders|how long does"
)
KNOWLEDGE_TOPICS = re.compile(
    r"sba|7\(a\)|microloan|express|factoring|cash advance|\bmca\b|revenue.based|stripe capital|"
    r"square|shopify|clearco|paydex|intelliscore|equifax|sbfe|d-u-n-s|duns|dscr|debt service|"
    r"vamp|vdmp|\bcmm\b|\becm\b|line of credit|term loan|equipment financ|lenders? look|"
    r"documents|bank statements|business credit|credit score|approval rate|underwrit|"
    r"seasonal|concentration|chargeback program|dispute program|how .* score work|readiness score"
)
BUSINESS_ID = re.compile(r"\bbusiness(?:_id| id| #| number)?\s*#?\s*(\d{1,9})\b")
PERIOD_12M = re.compile(r"12 months|twelve months|\byear\b|annual|yearly|last year")
PERIOD_6M = re.compile(r"6 months|six months|half.?year")

# What-if metrics: words that name the metric, and how the number the user gives converts.
WHAT_IF_METRICS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("top3_customer_share_pct", re.compile(r"top (?:three|3) customers?"), 1),
    ("top_customer_share_pct", re.compile(r"(?:largest|biggest|top) (?:customer|client)"), 1),
    ("dispute_activity_pct", re.compile(r"dispute|chargeback"), 1),
    ("refund_rate_pct", re.compile(r"refund"), 1),
    ("failed_payouts", re.compile(r"failed payouts?|payout failures?"), 1),
    (
        "distinct_customers",
        re.compile(r"\d+ customers|customers? (?:count|base)|more customers"),
        1,
    ),
    ("months_of_history", re.compile(r"months? of (?:stripe |processing )?history|history"), 1),
    ("growth_pct", re.compile(r"grow|growth"), 1),
    ("volatility_cv", re.compile(r"volatil|variation|\bcv\b"), 1),
    ("annual_volume", re.compile(r"revenue|volume|sales"), 100),  # dollars to cents
)
NUMBER = re.compile(r"\$?\s?(\d[\d,]*(?:\.\d+)?)\s*(?:(k|m)\b|%)?", re.IGNORECASE)


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _number_after(text: str, start: int) -> float | None:
    match = NUMBER.search(text, start)
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * {"k": 1_000, "m": 1_000_000}.get((match.group(2) or "").lower(), 1)


def what_if_changes(question: str) -> dict[str, float | int]:
    """``{"dispute_activity_pct": 0.3}`` from "what if my disputes fell to 0.3%"."""
    text = question.lower()
    for key, pattern, scale in WHAT_IF_METRICS:
        found = pattern.search(text)
        if found is None:
            continue
        number = _number_after(text, found.start()) or _number_after(text, 0)
        if number is None:
            continue
        value = number * scale
        whole = key in {"failed_payouts", "distinct_customers", "annual_volume"}
        return {key: round(value) if whole else value}
    return {}


def _business_arg(text: str) -> dict[str, Any]:
    """An explicit "business 4" in the question is passed on: the server decides access."""
    match = BUSINESS_ID.search(text)
    return {"business_id": int(match.group(1))} if match else {}


def _status_call(text: str) -> PlannedCall | None:
    match = STATUS.search(text)
    if match is None:
        return None
    number = match.group(1) or match.group(4)
    word = match.group(2) or match.group(3)
    status = {"complete": "done", "completed": "done", "accept": "accepted"}.get(word, word)
    status = {"dismiss": "dismissed"}.get(status, status)
    return PlannedCall(
        "update_recommendation_status", {"recommendation_id": int(number), "status": status}
    )


def _period(text: str) -> str:
    return "12m" if PERIOD_12M.search(text) else "6m" if PERIOD_6M.search(text) else "90d"


def _personal_calls(text: str, target: dict[str, Any]) -> list[PlannedCall]:
    """The owner's own business: readiness, funding, next steps, profile, else metrics."""
    calls = [
        PlannedCall(name, dict(target))
        for pattern, name in (
            (READINESS, "get_readiness_breakdown"),
            (FUNDING, "get_funding_options"),
            (RECOMMENDATIONS, "get_top_recommendations"),
            (CONTEXT, "get_business_context"),
        )
        if pattern.search(text)
    ]
    if not calls and METRICS.search(text):
        calls.append(PlannedCall("get_metric_summary", {"period": _period(text), **target}))
    return calls


def plan(question: str, business: dict[str, Any] | None = None) -> list[PlannedCall]:
    """The calls that answer ``question`` (none for a question outside the assistant's job).
    ``business`` (``{"business_id": N}``) targets one business, as the user chose it."""
    text = question.lower().strip()
    if not any(p.search(text) for p in (FINANCE, BUSINESSES, RECOMMENDATIONS, READINESS)):
        return []
    if BUSINESSES.search(text):
        return [PlannedCall("list_businesses")]
    status = _status_call(text)
    if status is not None:
        return [status]
    target = business if business is not None else _business_arg(text)
    if WHAT_IF.search(text) and (changes := what_if_changes(text)):
        return [PlannedCall("simulate_readiness", {"changes": changes, **target})]
    personal = PERSONAL.search(text) is not None or bool(target)
    calls = _personal_calls(text, target) if personal else []
    if (KNOWLEDGE.search(text) and KNOWLEDGE_TOPICS.search(text)) or not personal:
        calls.append(PlannedCall("search_knowledge", {"query": question.strip()[:500]}))
    if not calls:  # about the business, but no rule matched: the overall picture
        calls.append(PlannedCall("get_readiness_breakdown", dict(target)))
    return calls[:3]
