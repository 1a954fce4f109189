"""Deterministic embeddings and vector math shared by the fakes.

No embedding model is reachable offline, yet retrieval tests need vectors whose cosine
similarity follows word overlap. A signed, hashed bag of lowercase words (plus a crude
stem of each, so "payments" and "payment" overlap) gives exactly that, with no
randomness: the same text always maps to the same unit vector in every process.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence

DEFAULT_DIMENSIONS = 256

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
_MIN_STEM = 3


def words(text: str) -> list[str]:
    """The lowercase alphanumeric word tokens of *text*."""
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """*word* with its first matching common English suffix stripped (if long enough)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def _features(text: str) -> Iterator[str]:
    for word in words(text):
        yield word
        yield "~" + stem(word)


def _bucket(feature: str, dims: int) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
    return digest % dims, (1.0 if digest >> 63 else -1.0)


def embed_text(text: str, dims: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector of *dims* floats; texts sharing words have high cosine similarity.

    Text without any word still gets a (fixed) unit vector, as a real model would.
    """
    if dims < 1:
        raise ValueError("dims must be positive")
    vector = [0.0] * dims
    for feature in _features(text) if words(text) else iter(["<empty>"]):
        index, sign = _bucket(feature, dims)
        vector[index] += sign
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:  # every feature cancelled out in a tiny space
        index, _ = _bucket("<empty>", dims)
        vector[index], norm = 1.0, 1.0
    return [x / norm for x in vector]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The dot product of two equal-length vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0.0 when either vector is all zeros."""
    norms = math.sqrt(dot(a, a)) * math.sqrt(dot(b, b))
    return dot(a, b) / norms if norms else 0.0
