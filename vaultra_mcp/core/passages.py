"""The part of a chunk that answers the question: a window of whole sentences.

A chunk is up to 512 tokens; a passage shown to a model is a fraction of that, so which
fraction decides whether the fact arrives. Each sentence (or list item, or table row) is
scored by the query's word groups it holds, weighted by how rare each group is in the corpus;
the window of consecutive sentences that covers the most query weight within the token limit
wins. Words the chunk's heading already holds count for less (the heading travels with the
passage), so the window goes to the sentences that hold the rest of the question. A window
always starts and ends on a sentence boundary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# A sentence ends at . ! ? before a capital, digit, quote or bracket; a list item at "; "
# (text already run onto one line, see corpus.plain_text); never inside parentheses, where
# "(Intro; Kredline)" lists sources.
BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9$\u00a3\u20ac])|(?<=;)\s+")
WORD = re.compile(r"[a-z0-9]+")
HEADING_WEIGHT = 0.25  # a group the heading already answers still helps a little
DENSITY_WEIGHT = 0.1  # tie-break: windows whose sentences each hold more of the query
DANGLING = (":", ",", " and", " or", " the", " a")

_stemmer = snowballstemmer.stemmer("porter")  # the same algorithm as the index's tokenizer


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    return [stem(word) for word in WORD.findall(text.lower())]


@dataclass(frozen=True, slots=True)
class Group:
    """One query word with its equivalents, each a sequence of stems (a phrase when longer
    than one), and the weight of the word (its inverse document frequency)."""

    members: tuple[tuple[str, ...], ...]
    weight: float

    def found_in(self, words: frozenset[str], joined: str) -> bool:
        return any(
            m[0] in words if len(m) == 1 else f" {' '.join(m)} " in joined for m in self.members
        )


def group(words: Sequence[str], weight: float) -> Group:
    return Group(tuple(tuple(stems(w)) for w in words if stems(w)), weight)


@dataclass(frozen=True, slots=True)
class Window:
    text: str
    tokens: int
    cut: bool  # part of the chunk was left out
    score: float


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for boundary in BOUNDARY.finditer(text):
        before = text[start : boundary.start()]
        if sentences and _open_parenthesis(sentences[-1]):
            sentences[-1] += " " + before.strip()
        else:
            sentences.append(before.strip())
        start = boundary.end()
    tail = text[start:].strip()
    if sentences and _open_parenthesis(sentences[-1]):
        sentences[-1] += " " + tail
    else:
        sentences.append(tail)
    return [s for s in sentences if s]


def _open_parenthesis(sentence: str) -> bool:
    return sentence.count("(") > sentence.count(")")


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    tokens: int
    words: frozenset[str]  # stems
    joined: str  # " stem stem ... ", for phrases


@lru_cache(maxsize=4_096)
def _prepare(text: str, count: Callable[[str], int]) -> tuple[_Sentence, ...]:
    """A chunk's sentences with their sizes and stems. Chunk text never changes under a given
    string, so this is worked out once per chunk and process, not once per query."""
    prepared = []
    for sentence in split_sentences(text):
        words = stems(sentence)
        prepared.append(
            _Sentence(sentence, count(sentence), frozenset(words), f" {' '.join(words)} ")
        )
    return tuple(prepared)


def best_window(
    text: str,
    heading: str,
    groups: Sequence[Group],
    count: Callable[[str], int],
    limit: int,
) -> Window | None:
    """The best window of whole sentences of ``text`` in at most ``limit`` tokens, or ``None``
    when not even one sentence fits."""
    sentences = _prepare(text, count)
    head = stems(heading)
    head_words, head_joined = frozenset(head), f" {' '.join(head)} "
    weights = [
        g.weight * (HEADING_WEIGHT if g.found_in(head_words, head_joined) else 1.0) for g in groups
    ]
    held = [
        frozenset(i for i, g in enumerate(groups) if g.found_in(s.words, s.joined))
        for s in sentences
    ]

    def score(start: int, end: int) -> float:
        covered = frozenset().union(*held[start:end])
        density = sum(weights[i] for part in held[start:end] for i in part)
        return sum(weights[i] for i in covered) + DENSITY_WEIGHT * density

    best: tuple[float, int, int] | None = None  # (score, start, end)
    for start in range(len(sentences)):
        used, end = 0, start
        while end < len(sentences) and used + sentences[end].tokens <= limit:
            used += sentences[end].tokens
            end += 1
        if end == start:
            continue
        end = _no_dangling_end([s.text for s in sentences], start, end)
        value = score(start, end)
        if best is None or value > best[0] + 1e-9:
            best = (value, start, end)
    if best is None:
        return None
    value, start, end = best
    chosen = " ".join(s.text for s in sentences[start:end])
    if chosen.endswith(";"):  # the window ends on a list item: end it as a sentence
        chosen = chosen[:-1] + "."
    tokens = sum(s.tokens for s in sentences[start:end])
    return Window(chosen, tokens, end - start < len(sentences), round(value, 3))


def _no_dangling_end(sentences: Sequence[str], start: int, end: int) -> int:
    """Drop trailing sentences that announce what follows (a lead-in ending on a colon) when the
    follow-up did not fit; a window never stops on 'you need to be:'."""
    while end - start > 1 and end < len(sentences) and sentences[end - 1].endswith(DANGLING):
        end -= 1
    return end
