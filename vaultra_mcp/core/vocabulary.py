"""How owners say it versus how the knowledge base says it.

Lexical search only finds the words it is given, so a query's words are expanded with the
corpus's words for the same thing ("chargebacks" -> "disputes"). These are general financing
equivalences, not answers to particular questions; a term and its expansions count as one
word when judging how well a passage covers a query.
"""

from __future__ import annotations

from collections.abc import Sequence

SYNONYMS: dict[str, tuple[str, ...]] = {
    # The index stems words (Porter) and lookups drop a plural "s": one form of each is enough.
    "chargeback": ("dispute",),
    "paperwork": ("documents",),
    "documentation": ("documents",),
    "docs": ("documents",),
    "client": ("customer",),
    "buyer": ("customer",),
    "season": ("seasonality",),
    "seasonal": ("seasonality",),
    "summer": ("seasonal",),
    "winter": ("seasonal",),
    "steady": ("stability", "volatility"),
    "steadier": ("steady", "stability", "volatility"),
    "consistent": ("steady", "stability"),
    "uneven": ("volatility",),
    "fast": ("express",),
    "fastest": ("express",),
    "quick": ("express",),
    "quickly": ("express",),
    "upfront": ("down",),
    "deposit": ("down",),
    "dropped": ("decline",),
    "dropping": ("decline",),
    "falling": ("decline",),
    "shrinking": ("decline",),
    "return": ("refund",),
    "bounced": ("failed",),
    "repay": ("repayment",),
    "paying": ("repayment",),
    "borrow": ("loan",),
    "lend": ("loan", "lender"),
    "approve": ("approval",),
    "approved": ("approval",),
    "rejected": ("decline",),
    "denied": ("decline",),
}


def expand(terms: Sequence[str]) -> list[tuple[str, ...]]:
    """Each query term with the corpus words for it, in query order."""
    return [(term, *SYNONYMS.get(term, SYNONYMS.get(term.removesuffix("s"), ()))) for term in terms]
