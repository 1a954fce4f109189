"""How owners say it versus how the knowledge base says it.

Lexical search only finds the words it is given, so a query's words are expanded with the
corpus's words for the same thing ("chargebacks" -> "disputes"), and financing shorthand is
spelled out ("LOC" -> "line of credit", "7(a)" -> the tokens the index holds for it). These are
general financing equivalences, not answers to particular questions; a term and its expansions
count as one word when judging how well a passage covers a query. A multi-word expansion is a
phrase: the index matches its words in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
STOPWORDS = frozenset(
    {
        "a",
        "about",
        "actually",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "before",
        "by",
        "can",
        "could",
        "do",
        "does",
        "doesn",
        "don",
        "else",
        "even",
        "for",
        "from",
        "get",
        "got",
        "has",
        "have",
        "he",
        "here",
        "how",
        "i",
        "if",
        "im",
        "in",
        "is",
        "isn",
        "it",
        "its",
        "just",
        "ll",
        "many",
        "me",
        "more",
        "much",
        "my",
        "need",
        "needs",
        "now",
        "of",
        "on",
        "or",
        "our",
        "re",
        "really",
        "she",
        "should",
        "so",
        "some",
        "still",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "this",
        "those",
        "through",
        "to",
        "us",
        "ve",
        "very",
        "want",
        "wants",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    }
)

# Shorthand an owner types that the index cannot split into words on its own. Each pattern
# (on the lowercased query) is replaced by a group: the first member is the index's own tokens.
SHORTHAND: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    # Questions about time want the sentence with the duration in it.
    (re.compile(r"\bhow (?:long|soon)\b"), ("months", "years", "days")),
    (re.compile(r"\b(?:years?|months?|long|time) in business\b"), ("time in business",)),
    (re.compile(r"\brevenue[\s-]based\b"), ("revenue based financing", "rbf")),
    # Stripe's financing product is Stripe Capital, whatever an owner calls it.
    (
        re.compile(r"\bstripe\b(?=.*\b(?:loan|lend|financ|capital|advance|offer|borrow))"),
        ("stripe capital",),
    ),
    (re.compile(r"\bpa(?:y|id|ying) (?:it )?(?:back|off)\b"), ("repay", "repayment")),
    # "How much will I pay in total" is what a repayment cap or factor rate answers.
    (re.compile(r"\bin total\b|\btotal (?:cost|payback|repayment)\b"), ("total", "repayment cap")),
    (re.compile(r"\b7\s*\(\s*a\s*\)|\b7a\b"), ("7 a", "sba")),
    (re.compile(r"\bp\s*&\s*l\b|\bp\s*and\s*l\b"), ("p l", "profit and loss")),
    (re.compile(r"\bd\s*&\s*b\b|\bdun\s*(?:&|and)\s*bradstreet\b"), ("d b", "dun bradstreet")),
    (re.compile(r"\ba\s*/\s*r\b|\bar aging\b"), ("a r", "accounts receivable")),
    (re.compile(r"\bd-?u-?n-?s\b"), ("d u n s", "duns")),
    (re.compile(r"\bnet[\s-]?30\b"), ("net 30",)),
    (re.compile(r"\bline of credit\b|\blines of credit\b|\bcredit lines?\b"), ("line of credit",)),
    (re.compile(r"\bcash advances?\b"), ("cash advance", "mca")),
    (re.compile(r"\bcard testing\b"), ("card testing", "enumeration")),
    (re.compile(r"\bwatch ?list\b"), ("monitoring", "monitored")),
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    # The index stems words (Porter) and lookups drop a plural "s": one form of each is enough.
    # Shorthand and acronyms, spelled out the way the documents write them.
    "loc": ("line of credit",),
    "mca": ("merchant cash advance",),
    "vamp": ("visa acquirer monitoring program",),
    "vdmp": ("visa dispute monitoring program",),
    "dscr": ("debt service coverage",),
    "ecp": ("excessive chargeback program",),
    "cmm": ("chargeback monitored merchant",),
    "ecm": ("excessive chargeback merchant",),
    "ctr": ("chargeback to transaction ratio",),
    "rbf": ("revenue based financing",),
    "sbss": ("small business scoring service",),
    "sbfe": ("small business financial exchange",),
    "ein": ("employer identification number",),
    "nsf": ("non sufficient funds", "overdraft"),
    "nsfs": ("non sufficient funds", "overdraft"),
    "mrr": ("monthly recurring revenue", "monthly revenue"),
    "arr": ("annual recurring revenue", "annual revenue"),
    "apr": ("annual percentage rate",),
    "bps": ("basis points",),
    "pg": ("personal guarantee",),
    "ucc": ("lien",),
    # Owners' words for what the documents call something else.
    "chargeback": ("dispute",),
    "dispute": ("chargeback",),
    "contest": ("dispute",),
    "contesting": ("dispute",),
    "paperwork": ("documents",),
    "documentation": ("documents",),
    "docs": ("documents",),
    "papers": ("documents",),
    "client": ("customer",),
    "customer": ("cardholder",),
    "buyer": ("customer",),
    "season": ("seasonality",),
    "seasonal": ("seasonality",),
    "summer": ("seasonal",),
    "winter": ("seasonal",),
    "steady": ("stability", "volatility"),
    "steadier": ("steady", "stability", "volatility"),
    "consistent": ("steady", "stability"),
    "uneven": ("volatility",),
    "lumpy": ("volatility",),
    "swing": ("volatility",),
    "swings": ("volatility",),
    "fast": ("express",),
    "fastest": ("express",),
    "quick": ("express",),
    "quickly": ("express",),
    "upfront": ("down", "advance"),
    "deposit": ("down",),
    "dropped": ("decline",),
    "dropping": ("decline",),
    "falling": ("decline",),
    "shrinking": ("decline",),
    "return": ("refund",),
    "refund": ("return",),
    "bounced": ("failed",),
    "selling": ("processing", "sales"),
    "buying": ("payment", "purchase"),
    "hardly": ("low", "zero"),
    "slow": ("low",),
    "borrowed": ("funded",),
    "repay": ("repayment",),
    "paying": ("repayment",),
    "prepay": ("early repayment",),
    "prepayment": ("early repayment",),
    "borrow": ("loan",),
    "lend": ("loan", "lender"),
    "approve": ("approval",),
    "approved": ("approval",),
    "rejected": ("decline", "rejection"),
    "denied": ("decline", "rejection"),
    "fine": ("fee",),
    "fined": ("fee", "fine"),
    "fining": ("fee", "fine"),
    "penalty": ("fee",),
    "expire": ("valid",),
    "expires": ("valid",),
    "due": ("deadline",),
    "max": ("maximum",),
    "biggest": ("maximum",),
    "largest": ("maximum",),
    "yearly": ("annual", "per year"),
    "clothes": ("apparel",),
    "clothing": ("apparel",),
    "contractor": ("construction",),
    "irs": ("tax transcript",),
    "government": ("sba",),
    "building": ("real estate",),
    "respond": ("response",),
    "answer": ("response",),
    "flagged": ("monitoring", "threshold"),
    "registration": ("formation",),
}


def query_terms(query: str) -> list[str]:
    """The words of a query that carry meaning, lowercased, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in WORD.findall(query.lower()):
        if word not in STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def expand(terms: Sequence[str]) -> list[tuple[str, ...]]:
    """Each query term with the corpus words for it, in query order."""
    return [(term, *SYNONYMS.get(term, SYNONYMS.get(term.removesuffix("s"), ()))) for term in terms]


def query_groups(query: str) -> list[tuple[str, ...]]:
    """The query as word groups: shorthand spelled out first, then each remaining word with
    its equivalents. Search matches any member of any group; coverage counts groups."""
    text = query.lower()
    groups: list[tuple[str, ...]] = []
    for pattern, group in SHORTHAND:
        if pattern.search(text):
            groups.append(group)
            text = pattern.sub(" ", text)
    seen = {member for group in groups for member in group}
    groups += [g for g in expand(query_terms(text)) if g[0] not in seen]
    return groups
