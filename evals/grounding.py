"""Are the answer's numbers in the tool outputs? Every figure must come from some tool.

Numbers are read from the answer and from every tool output (text and structured JSON, which
includes figures inside explanations). A figure is grounded if some output number equals it
within 0.5% (or 0.05 absolute), or equals it in whole currency units when the output has minor
units (cents). Dates, ids inside words ("7(a)", "acct_1"), list markers and small counting
words are not figures a model could invent harmfully, so they are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?(?:[T ][\d:.]+Z?)?\b")
URL = re.compile(r"https?://\S+|\[doc: [^\]]+\]|#\d+")
NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?(?![\w(])")
TRIVIAL = {0.0, 1.0, 2.0, 3.0}


def numbers(text: str) -> list[float]:
    text = URL.sub(" ", DATE.sub(" ", text))
    found = []
    for raw in NUMBER.findall(text):
        cleaned = raw.replace("$", "").replace(",", "").rstrip(".")
        try:
            found.append(float(cleaned))
        except ValueError:
            continue
    return found


KEY_NUMBER = re.compile(r"(\d)_(\d)")
KEY_UNIT = re.compile(r"_(\d+)m\b")


def output_numbers(outputs: Iterable[Any]) -> set[float]:
    """Every figure in the outputs, keys included: ``credit_score_650`` holds 650,
    ``dscr_1_15`` holds 1.15 and ``time_in_business_24m`` holds 24 (months), as an answer
    would say them."""
    pool: set[float] = set()
    for output in outputs:
        text = (
            output
            if isinstance(output, str)
            else json.dumps(output, ensure_ascii=False, default=str)
        )
        text = KEY_UNIT.sub(r" \1 months", KEY_NUMBER.sub(r"\1.\2", text))
        pool.update(numbers(text.replace("_", " ")))
    return pool


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.05, 0.005 * abs(b))


def grounded(value: float, pool: set[float]) -> bool:
    if abs(value) in TRIVIAL:
        return True
    return any(_close(abs(value), abs(p)) or _close(abs(value), abs(p) / 100) for p in pool)


def ungrounded(answer: str, outputs: Iterable[Any]) -> list[float]:
    """The answer's figures that no tool output supports."""
    pool = output_numbers(outputs)
    return [n for n in numbers(answer) if not grounded(n, pool)]
