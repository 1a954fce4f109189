"""The offline assistant's planner: what a question asks, and which tool calls answer it.

A question is split into clauses ("What's hurting my score, and what should I do?"), each read
by the intent classifier; clauses it is not confident about, and clauses that try to give it
orders ("ignore your rules and ..."), are dropped. Each remaining intent becomes a step with
its calls. A what-if takes the question's follow-up ("would I then qualify for ...?") into its
own step, answered from the simulated result. Deterministic: the same question, the same plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultra_mcp.agent.offline import lexicon
from vaultra_mcp.agent.offline.classifier import CONFIDENT, Language, Reading, default_classifier

MAX_CALLS = 4
ALSO = 0.55  # a second intent in one message must be at least this clear
CLAUSE = re.compile(
    r"(?<=[.?!;:])\s+|[\"\u201c\u201d]+|\s+[-\u2013\u2014]+\s+"
    r"|,?\s+(?:and|but|also|then|plus|y|e|pero|además|también)\s+(?=(?:what|how|which|who|when|"
    r"why|where|can|could|would|should|will|do|does|did|is|are|am|tell|show|give|list|explain|"
    r"print|reveal|ignore|qué|que|cómo|como|cuál|cual|cuánto|cuanto|puedo|podría|debo|dime|"
    r"muestra|muéstrame|i|if|si)\b)"
    r"|,\s+(?=(?:would|could|can|will|should|do|does|is|am|what|how|which|qué|cómo|cuál|"
    r"podría|puedo|califico|estaría|sería)\b)",
    re.IGNORECASE,
)
NO_TOOL = ("help", "out_of_scope", "injection", "vague")
REPLIES = {"vague": "clarify"}  # the phrase a no-tool intent answers with, when not its own
BUSINESS_TOOLS = {
    "get_readiness_breakdown",
    "get_top_recommendations",
    "get_metric_summary",
    "get_business_context",
    "get_funding_options",
    "simulate_readiness",
    "update_recommendation_status",
}


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One thing the question asks and the calls that answer it."""

    intent: str
    calls: tuple[PlannedCall, ...]


@dataclass(frozen=True)
class Plan:
    language: Language
    steps: tuple[Step, ...]
    reply: str | None = None  # a phrase key, when no tool can answer
    products: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    changes: dict[str, float | int] = field(default_factory=dict)
    names: tuple[str, ...] = ()  # capitalised names that may be one of the caller's businesses

    @property
    def calls(self) -> list[PlannedCall]:
        unique: list[PlannedCall] = []
        for step in self.steps:
            unique.extend(c for c in step.calls if c not in unique)
        return unique[:MAX_CALLS]

    @property
    def needs_business_name(self) -> bool:
        """A business named by name, and business tools to call: look it up first."""
        return bool(self.names) and any(c.name in BUSINESS_TOOLS for c in self.calls)


def clauses(question: str) -> list[str]:
    parts = [p.strip(" ,.;:-") for p in CLAUSE.split(question.strip())]
    return [p for p in parts if p and re.search(r"\w", p)]


@dataclass(frozen=True)
class Reads:
    kept: list[tuple[str, Reading]]  # the clauses that ask something, with their readings
    context: str  # every clause but those giving orders: the details come from here
    language: Language


def read(question: str) -> Reads:
    """The clauses of ``question`` that ask something, read with confidence. The clearest
    clause needs ``CONFIDENT``; a second question in the same message needs ``ALSO``, so a
    clause that only sets the scene ("our van just died") adds no tool of its own, while one
    that asks more of the same thing ("..., and what number do banks want?") stays with it."""
    classifier = default_classifier()
    parts = clauses(question)
    readings = [(p, classifier.read(p)) for p in parts]
    if len(parts) > 1 and max(r.confidence for _, r in readings) < CONFIDENT:
        readings = [(question, classifier.read(question))]
    best = max((r.confidence for _, r in readings), default=0.0)
    clear = [(p, r) for p, r in readings if best >= CONFIDENT and r.confidence >= min(best, ALSO)]
    # A clause that asks more of an intent already clear is part of that question.
    asked = {r.intent for _, r in clear}
    kept = [
        (p, r)
        for p, r in readings
        if (p, r) in clear or (r.intent in asked and r.confidence >= CONFIDENT)
    ]
    orders = {p for p, r in readings if r.intent == "injection" and r.confidence >= CONFIDENT}
    wanted = [(p, r) for p, r in kept if r.intent != "injection"]
    context = " ".join(p for p, _ in readings if p not in orders)
    return Reads(wanted or kept, context, classifier.language(context or question))


def _search(query: str) -> PlannedCall:
    return PlannedCall("search_knowledge", {"query": query.strip()[:500]})


def _criteria_query(text: str) -> str:
    return f"{lexicon.product_query(text)} requirements: who qualifies"


def _knowledge_query(text: str, language: Language) -> str:
    return lexicon.english_query(text) if language == "es" else text


def _documents_query(text: str, language: Language) -> str:
    if language == "es":
        return lexicon.english_query(text)
    return text if lexicon.DOCUMENT_WORDS.search(text) else f"{text} (documents lenders ask for)"


@dataclass(frozen=True)
class Asked:
    """One intent's part of a question: its clauses, the whole question for details (products,
    periods), the language and the business it targets."""

    text: str
    context: str
    language: Language
    target: dict[str, Any]

    def call(self, name: str, **arguments: Any) -> PlannedCall:
        return PlannedCall(name, {**arguments, **self.target})


def _recommendations(a: Asked) -> tuple[PlannedCall, ...]:
    calls = (a.call("get_top_recommendations"),)
    if lexicon.SCORE_WORDS.search(a.text):  # "how can I improve my score": show it too
        return (a.call("get_readiness_breakdown"), *calls)
    return calls


def _funding(a: Asked) -> tuple[PlannedCall, ...]:
    calls = (a.call("get_funding_options"),)
    if lexicon.products_in(a.context):  # that product's row, and who qualifies for it
        return (*calls, _search(_criteria_query(a.context)))
    return calls


def _status(a: Asked) -> tuple[PlannedCall, ...]:
    change = lexicon.status_change(a.text)
    if change is None:
        return ()
    return (a.call("update_recommendation_status", recommendation_id=change[0], status=change[1]),)


STEPS: dict[str, Callable[[Asked], tuple[PlannedCall, ...]]] = {
    "readiness": lambda a: (a.call("get_readiness_breakdown"),),
    "context": lambda a: (a.call("get_business_context"),),
    "businesses": lambda a: (PlannedCall("list_businesses"),),
    "metrics": lambda a: (a.call("get_metric_summary", period=lexicon.period(a.context)),),
    "recommendations": _recommendations,
    "funding": _funding,
    "documents": lambda a: (_search(_documents_query(a.text, a.language)),),
    "knowledge": lambda a: (_search(_knowledge_query(a.text, a.language)),),
    "status_change": _status,
}


def _step(intent: str, asked: Asked) -> Step | None:
    """The calls for one intent; None when it needs something the question did not say."""
    builder = STEPS.get(intent)
    calls = builder(asked) if builder is not None else ()
    return Step(intent, calls) if calls else None


def _what_if(steps: list[Step], text: str, target: dict[str, Any]) -> list[Step]:
    """A what-if with its follow-up: readiness is read from the simulation, and a funding
    question is answered from the simulated metrics against the product's criteria."""
    changes = lexicon.what_if_changes(text)
    calls = [PlannedCall("simulate_readiness", {"changes": changes, **target})]
    follow_up = any(s.intent == "funding" for s in steps) or bool(lexicon.products_in(text))
    if follow_up:
        calls.append(PlannedCall("get_funding_options", dict(target)))
        if lexicon.products_in(text):
            calls.append(_search(_criteria_query(text)))
    rest = [s for s in steps if s.intent not in ("readiness", "funding", "what_if")]
    return [Step("what_if", tuple(calls)), *rest]


def plan(question: str, business: dict[str, Any] | None = None) -> Plan:
    """The steps that answer ``question``; ``business`` (``{"business_id": N}``) targets one
    of the caller's businesses, as the user chose it."""
    reads = read(question)
    kept, language, context = reads.kept, reads.language, reads.context
    if not kept:
        return Plan(language, (), reply="clarify")
    intents = list(dict.fromkeys(r.intent for _, r in kept))
    if all(i in NO_TOOL for i in intents):
        return Plan(language, (), reply=REPLIES.get(intents[0], intents[0]))
    text = " ".join(p for p, r in kept if r.intent not in NO_TOOL)
    explicit = lexicon.business_id(text)
    target = business or ({"business_id": explicit} if explicit is not None else {})
    by_intent = {i: " ".join(p for p, r in kept if r.intent == i) for i in intents}
    steps = [
        s
        for i in intents
        if i not in NO_TOOL
        and (s := _step(i, Asked(by_intent[i], context, language, target))) is not None
    ]
    changes: dict[str, float | int] = {}
    if "what_if" in intents:
        changes = lexicon.what_if_changes(context)
        if not changes:
            return Plan(language, (), reply="what_if_unclear")
        steps = _what_if(steps, context, target)
    if not steps:
        return Plan(
            language, (), reply="status_unclear" if "status_change" in intents else "clarify"
        )
    return Plan(
        language,
        tuple(steps),
        products=lexicon.products_in(context),
        focus=lexicon.metric_focus(text),
        changes=changes,
        names=() if business or explicit is not None else lexicon.name_candidates(context),
    )
