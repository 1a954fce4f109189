"""PII redaction: personal identifiers become typed placeholders before text leaves us.

Text goes to an external language model or into a log only after ``redact``. Each kind is a
pattern plus, where digits alone would give false alarms, a check: card numbers must pass the
Luhn checksum, routing numbers the ABA checksum, IBANs the mod-97 check, and a bare run of
digits counts as a bank account only next to words that say so. Money ("$250,000"), dates and
percentages are left alone: the assistant needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("email", "card", "ssn", "ein", "bank_account", "phone")

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
EIN = re.compile(r"(?<![\d-])\d{2}-\d{7}(?![\d-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
ACCOUNT = re.compile(
    r"(?i)\b(?:(?:bank\s+)?account|acct|routing|aba)(?:\s+(?:number|no\.?|num|#))?"
    r"\s*(?:is|:|#)?\s*(\d[\d -]{4,20}\d)"
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[ .-]?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?!\d)"
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass
class Redaction:
    """The redacted text and how many of each kind were replaced (for logs and tests)."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


Rule = Callable[[str, dict[str, int]], str]


def _substitute(
    pattern: re.Pattern[str], kind: str, keep: Callable[[re.Match[str]], bool] | None = None
) -> Rule:
    placeholder = f"[{kind.upper()}]"

    def rule(text: str, counts: dict[str, int]) -> str:
        def replace(match: re.Match[str]) -> str:
            if keep is not None and not keep(match):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            return placeholder

        return pattern.sub(replace, text)

    return rule


def _account_rule(text: str, counts: dict[str, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        counts["bank_account"] = counts.get("bank_account", 0) + 1
        start, end = match.span(1)
        whole = match.group(0)
        offset = match.start(0)
        return whole[: start - offset] + "[BANK_ACCOUNT]" + whole[end - offset :]

    text = IBAN.sub(
        lambda m: _count(counts, "bank_account", "[BANK_ACCOUNT]") if iban_ok(m[0]) else m[0],
        text,
    )
    return ACCOUNT.sub(replace, text)


def _count(counts: dict[str, int], kind: str, placeholder: str) -> str:
    counts[kind] = counts.get(kind, 0) + 1
    return placeholder


# Order matters: long digit runs (cards) before the shorter shapes they contain.
RULES: dict[str, Rule] = {
    "email": _substitute(EMAIL, "email"),
    "card": _substitute(CARD, "card", lambda m: luhn_ok(_digits(m[0]))),
    "ssn": _substitute(SSN, "ssn"),
    "ein": _substitute(EIN, "ein"),
    "bank_account": _account_rule,
    "phone": _substitute(PHONE, "phone"),
}


def parse_kinds(setting: str) -> tuple[str, ...]:
    """``"email,card"`` as kinds, in redaction order; unknown names are a configuration error."""
    wanted = {part.strip().lower() for part in setting.split(",") if part.strip()}
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown PII kinds: {', '.join(sorted(unknown))}; use {KINDS}")
    return tuple(kind for kind in KINDS if kind in wanted)


def redact(text: str, kinds: Iterable[str] = KINDS) -> Redaction:
    counts: dict[str, int] = {}
    for kind in KINDS:
        if kind in kinds:
            text = RULES[kind](text, counts)
    return Redaction(text=text, counts=counts)
